from django.urls import path

from lawreq.converters import REF
from subscribers.api import PreservationExtendView, PreservationView

urlpatterns = [
    path(f"api/v1/requests/{REF}/preservation/", PreservationView.as_view(), name="api-preservation"),
    path(
        f"api/v1/requests/{REF}/preservation/extend/",
        PreservationExtendView.as_view(),
        name="api-preservation-extend",
    ),
]
