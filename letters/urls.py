from django.urls import path

from lawreq.converters import REF
from letters import api

app_name = "letters"

urlpatterns = [
    path(f"api/v1/requests/{REF}/response.pdf", api.ResponsePdfView.as_view(), name="response-pdf"),
    path("api/v1/responses/verify/", api.VerifyView.as_view(), name="verify-api"),
]
