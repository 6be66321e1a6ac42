from django.urls import path

from letters import api

app_name = "letters"

urlpatterns = [
    path("api/v1/requests/<str:ref>/response.pdf", api.ResponsePdfView.as_view(), name="response-pdf"),
    path("api/v1/responses/verify/", api.VerifyView.as_view(), name="verify-api"),
]
