from django.urls import path

from audit import api, views

urlpatterns = [
    path("api/v1/audit/entries/", api.AuditEntryListView.as_view(), name="audit-entries"),
    path("api/v1/audit/entries/<int:seq>/proof/", api.AuditEntryProofView.as_view(), name="audit-entry-proof"),
    path("api/v1/audit/verify/", api.AuditVerifyView.as_view(), name="audit-verify"),
    path("api/v1/audit/checkpoints/latest/", api.AuditCheckpointLatestView.as_view(), name="audit-checkpoint-latest"),
    path("api/v1/audit/requests/<str:ref>/trail/", api.RequestTrailView.as_view(), name="audit-request-trail"),
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
    path("audit/", views.reports_page, name="audit-reports"),
    path("audit/trail/", views.trail_lookup, name="audit-trail-lookup"),
    path("audit/requests/<str:ref>/", views.trail_page, name="audit-trail-page"),
]
