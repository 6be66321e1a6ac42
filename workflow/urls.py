from django.urls import path

from lawreq.converters import REF
from workflow import api

REQUEST = f"api/v1/requests/{REF}"

urlpatterns = [
    path(f"{REQUEST}/submit/", api.SubmitView.as_view(), name="api-submit"),
    path(f"{REQUEST}/withdraw/", api.WithdrawView.as_view(), name="api-withdraw"),
    path(f"{REQUEST}/proposal/", api.ProposalView.as_view(), name="api-proposal"),
    path(f"{REQUEST}/approval/", api.ApprovalView.as_view(), name="api-approval"),
    path(f"{REQUEST}/messages/", api.MessagesView.as_view(), name="api-messages"),
    path(f"{REQUEST}/callbacks/", api.CallBacksView.as_view(), name="api-callbacks"),
    path(f"{REQUEST}/followup/received/", api.FollowUpReceivedView.as_view(), name="api-followup-received"),
]
