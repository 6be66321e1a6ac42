from django.urls import path

from letters import api, views

app_name = "letters"

urlpatterns = [
    path("api/v1/requests/<str:ref>/response.pdf", api.ResponsePdfView.as_view(), name="response-pdf"),
    path("api/v1/responses/verify/", api.VerifyView.as_view(), name="verify-api"),
    path("verify/", views.verify, name="verify"),
    path("requests/<str:ref>/response/preview/", views.preview, name="preview"),
]
