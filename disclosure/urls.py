from django.urls import path

from disclosure.api import ApprovalView, ProposalView, SnapshotView

urlpatterns = [
    path("api/v1/requests/<str:ref>/proposal/", ProposalView.as_view(), name="api-proposal"),
    path("api/v1/requests/<str:ref>/approval/", ApprovalView.as_view(), name="api-approval"),
    path("api/v1/requests/<str:ref>/snapshot/", SnapshotView.as_view(), name="api-snapshot"),
]
