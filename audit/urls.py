from django.urls import path

from audit import api

urlpatterns = [
    path("api/v1/audit/entries/", api.AuditEntryListView.as_view(), name="audit-entries"),
    path("api/v1/audit/entries/<int:seq>/proof/", api.AuditEntryProofView.as_view(), name="audit-entry-proof"),
    path("api/v1/audit/verify/", api.AuditVerifyView.as_view(), name="audit-verify"),
    path("api/v1/audit/checkpoints/latest/", api.AuditCheckpointLatestView.as_view(), name="audit-checkpoint-latest"),
]
