from django.urls import path

from rules.api import JurisdictionListView, RequestChecksView

urlpatterns = [
    path("api/v1/jurisdictions/", JurisdictionListView.as_view(), name="api-jurisdictions"),
    path("api/v1/requests/<str:ref>/checks/", RequestChecksView.as_view(), name="api-request-checks"),
]
