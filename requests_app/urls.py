from django.urls import include, path
from rest_framework.routers import SimpleRouter

from requests_app.api import LegalRequestViewSet, LogoutView, TokenView

router = SimpleRouter()
router.register("api/v1/requests", LegalRequestViewSet, basename="legalrequest")

urlpatterns = [
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("", include(router.urls)),
]
