from django.urls import path

from disclosure.api import SnapshotView
from lawreq.converters import REF

urlpatterns = [
    path(f"api/v1/requests/{REF}/snapshot/", SnapshotView.as_view(), name="api-snapshot"),
]
