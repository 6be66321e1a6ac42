from django.urls import path

from disclosure.api import SnapshotView

urlpatterns = [
    path("api/v1/requests/<str:ref>/snapshot/", SnapshotView.as_view(), name="api-snapshot"),
]
