"""The web UI's pages. References (LR-YYYY-NNNNNN) are the only identifiers in these paths."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from lawreq.converters import REF
from web.views import (
    account,
    audit,
    common,
    conversation,
    e_evidence,
    officers,
    portal,
    public,
    retention,
    staff,
    transparency,
)

app_name = "web"

urlpatterns = [
    path("", common.home, name="home"),
    path("accounts/login/", common.WebLoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/keep-alive/", account.keep_alive, name="keep-alive"),
    path("accounts/second-factor/", account.second_factor, name="second-factor"),
    # Verified officers (issue 14)
    path("accounts/register/", officers.register, name="register"),
    path("accounts/register/confirm/<str:token>/", officers.register_confirm, name="register-confirm"),
    path("accounts/reverify/", officers.reverify, name="officer-reverify"),
    path("officers/pending/", officers.pending, name="officers-pending"),
    path("officers/<int:officer_id>/decision/", officers.decide, name="officer-decide"),
    # The legal team
    path("queue/", staff.queue, name="queue"),
    path("queue/assign/", staff.queue_assign, name="queue-assign"),
    path(f"queue/{REF}/assign/", staff.request_assign, name="request-assign"),
    path(f"queue/{REF}/legal-hold/", retention.legal_hold, name="legal-hold"),
    path(f"queue/{REF}/enforcing-decision/", e_evidence.enforcing_decision, name="enforcing-decision"),
    path(f"queue/{REF}/", staff.staff_detail, name="staff-detail"),
    path(f"queue/{REF}/checks/", staff.checks_run, name="checks-run"),
    path(f"queue/{REF}/retry/", staff.work_retry, name="work-retry"),
    path(f"queue/{REF}/proposal/", staff.proposal_submit, name="proposal"),
    path(f"queue/{REF}/callbacks/", staff.callback_submit, name="callback"),
    path(f"queue/{REF}/followup/", staff.followup_received, name="followup-received"),
    path(f"queue/{REF}/approval/", staff.approval_submit, name="approval"),
    path(f"queue/{REF}/messages/", conversation.staff_message, name="staff-message"),
    path(f"queue/{REF}/notes/", conversation.staff_note, name="staff-note"),
    path(f"queue/{REF}/approval/review/", staff.approval_review, name="approval-review"),
    path(f"queue/{REF}/approval/preview.pdf", staff.approval_preview, name="approval-preview"),
    path(f"requests/{REF}/response/preview/", staff.preview, name="preview"),
    # Police officers
    path("portal/", portal.portal, name="portal"),
    path("portal/new/", portal.portal_create, name="portal-create"),
    path(f"portal/{REF}/", portal.portal_detail, name="portal-detail"),
    path(f"portal/{REF}/edit/", portal.portal_edit, name="portal-edit"),
    path(f"portal/{REF}/documents/", portal.portal_upload, name="portal-upload"),
    path(f"portal/{REF}/precheck/", portal.portal_precheck, name="portal-precheck"),
    path(f"portal/{REF}/submit/", portal.portal_submit, name="portal-submit"),
    path(f"portal/{REF}/withdraw/", portal.portal_withdraw, name="portal-withdraw"),
    path(f"portal/{REF}/response.pdf", portal.portal_response, name="portal-response"),
    path(f"portal/{REF}/messages/", conversation.portal_message, name="portal-message"),
    # Everyone's notifications
    path("notifications/", conversation.notifications_page, name="notifications"),
    path("notifications/read/", conversation.notifications_read_all, name="notifications-read"),
    path("notifications/<int:notification_id>/open/", conversation.notification_open, name="notification-open"),
    # Compliance auditors
    path("audit/", audit.status_page, name="audit-status"),
    path("audit/verify/", audit.verify_now, name="audit-verify-now"),
    path("audit/checkpoint.json", audit.checkpoint_download, name="audit-checkpoint"),
    path("audit/requests/", audit.requests_page, name="audit-requests"),
    path(f"audit/requests/{REF}/", audit.trail_page, name="audit-trail-page"),
    path("audit/trail/", audit.trail_whole, name="audit-trail"),
    path("audit/reports/", audit.reports_page, name="audit-reports"),
    path("audit/reports/<slug:slug>/", audit.report_page, name="audit-report"),
    # Anyone
    path("verify/", public.verify, name="verify"),
    path("transparency/", transparency.transparency_page, name="transparency"),
    path("transparency/<str:name>", transparency.transparency_file, name="transparency-file"),
]
