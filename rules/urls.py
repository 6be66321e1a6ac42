from django.urls import path

from lawreq.converters import REF
from rules.api import JurisdictionListView, RequestChecksView, RequestPrecheckView

urlpatterns = [
    path("api/v1/jurisdictions/", JurisdictionListView.as_view(), name="api-jurisdictions"),
    path(f"api/v1/requests/{REF}/checks/", RequestChecksView.as_view(), name="api-request-checks"),
    path(f"api/v1/requests/{REF}/precheck/", RequestPrecheckView.as_view(), name="api-request-precheck"),
]
