from django.urls import path

from subscribers.api import PreservationExtendView, PreservationView

urlpatterns = [
    path("api/v1/requests/<str:ref>/preservation/", PreservationView.as_view(), name="api-preservation"),
    path(
        "api/v1/requests/<str:ref>/preservation/extend/",
        PreservationExtendView.as_view(),
        name="api-preservation-extend",
    ),
]
