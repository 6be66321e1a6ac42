from django.urls import path

from lawreq.converters import REF
from reports import api

urlpatterns = [
    path(f"api/v1/audit/requests/{REF}/trail/", api.RequestTrailView.as_view(), name="audit-request-trail"),
    path("api/v1/reports/transparency/", api.TransparencyReportView.as_view(), name="report-transparency"),
    path("api/v1/reports/activity/", api.ActivityReportView.as_view(), name="report-activity"),
    path(
        "api/v1/reports/personal-data-access/",
        api.PersonalDataAccessReportView.as_view(),
        name="report-personal-data-access",
    ),
    path(
        "api/v1/reports/permission-denials/",
        api.PermissionDenialsReportView.as_view(),
        name="report-permission-denials",
    ),
    path("api/v1/reports/sla/", api.SlaReportView.as_view(), name="report-sla"),
    path("api/v1/reports/response-times/", api.ResponseTimesReportView.as_view(), name="report-response-times"),
]
