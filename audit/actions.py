"""Audit action names. Every entry's ``action`` is one of these constants."""

from __future__ import annotations


class AuditAction:
    LOGIN_SUCCEEDED = "auth.login_succeeded"
    LOGIN_FAILED = "auth.login_failed"
    LOGIN_THROTTLED = "auth.login_throttled"
    PASSWORD_CHANGED = "auth.password_changed"  # noqa: S105
    SECOND_FACTOR_ENROLLED = "auth.second_factor_enrolled"
    PERMISSION_DENIED = "access.permission_denied"
    ACCESS_GRANTED = "access.object_permission_granted"
    ACCESS_REVOKED = "access.object_permission_revoked"

    ADMIN_ADDED = "admin.object_added"
    ADMIN_CHANGED = "admin.object_changed"
    ADMIN_DELETED = "admin.object_deleted"
    ADMIN_ACTION = "admin.action_run"

    AGENCY_CREATED = "agency.created"
    OFFICER_CREATED = "agency.officer_created"
    OFFICER_AGENCY_CHANGED = "agency.officer_moved"
    # Verified officers (issue 14): self-registration, e-mail confirmation, approval, deactivation.
    OFFICER_REGISTERED = "agency.officer_registered"
    OFFICER_REGISTRATION_REFUSED = "agency.officer_registration_refused"
    OFFICER_REGISTRATION_REPLACED = "agency.officer_registration_replaced"
    OFFICER_EMAIL_CONFIRMED = "agency.officer_email_confirmed"
    OFFICER_APPROVED = "agency.officer_approved"
    OFFICER_REFUSED = "agency.officer_refused"
    OFFICER_DEACTIVATED = "agency.officer_deactivated"
    OFFICER_REVERIFY_REMINDED = "agency.officer_reverify_reminded"
    AGENCY_DOMAINS_CHANGED = "agency.domains_changed"
    AGENCY_SUSPENDED = "agency.suspended"
    AGENCY_REINSTATED = "agency.reinstated"

    REQUEST_CREATED = "request.created"
    REQUEST_UPDATED = "request.updated"
    REQUEST_DOCUMENT_ADDED = "request.document_added"
    REQUEST_TRANSITIONED = "request.transitioned"
    REQUEST_VIEWED = "request.viewed"
    DOCUMENT_DOWNLOADED = "request.document_downloaded"
    DOCUMENT_SIGNATURE_CHECKED = "request.document_signature_checked"
    TRUST_ROOT_ADDED = "trust_root.added"
    TRUST_ROOT_REMOVED = "trust_root.removed"
    REQUEST_CHECKED = "request.checked"
    REQUEST_PRECHECKED = "request.prechecked"
    TARGET_RESOLVED = "request.target_resolved"
    TARGET_SEARCHED = "request.target_searched"
    REQUEST_REVISED = "request.revised"
    ENFORCING_WINDOW_SET = "request.enforcing_window_set"
    ENFORCING_DECISION_RECORDED = "request.enforcing_decision_recorded"
    MESSAGE_POSTED = "request.message_posted"
    NOTE_ADDED = "request.note_added"
    CALLBACK_RECORDED = "request.callback_recorded"
    REQUEST_FLAGGED = "request.flagged"
    FOLLOWUP_REQUESTED = "request.followup_requested"
    FOLLOWUP_RECEIVED = "request.followup_received"
    FOLLOWUP_OVERDUE = "request.followup_overdue"

    # The legal team's workbench (issue 12): assignment, target search, approval preview.
    REQUEST_ASSIGNED = "request.assigned"
    APPROVAL_PREVIEWED = "review.approval_previewed"

    # Deadlines and signed webhooks (issue 14).
    CLOCK_PAUSED = "request.clock_paused"
    CLOCK_RESUMED = "request.clock_resumed"
    DEADLINE_REMINDED = "request.deadline_reminded"
    DEADLINE_ESCALATED = "request.deadline_escalated"
    WEBHOOK_CONFIGURED = "agency.webhook_configured"
    WEBHOOK_SECRET_ROTATED = "agency.webhook_secret_rotated"  # noqa: S105

    PROPOSAL_MADE = "review.proposal_made"
    PROPOSAL_APPROVED = "review.proposal_approved"
    PROPOSAL_SENT_BACK = "review.proposal_sent_back"
    PROPOSAL_WITHDRAWN = "review.proposal_withdrawn"

    SNAPSHOT_FROZEN = "disclosure.snapshot_frozen"
    SNAPSHOT_READ = "disclosure.snapshot_read"
    SNAPSHOT_SHREDDED = "disclosure.snapshot_shredded"
    DECRYPTION_REFUSED = "disclosure.decryption_refused"
    KEYS_ROTATED = "keys.rotated"

    RESPONSE_ISSUED = "response.issued"
    RESPONSE_DOWNLOADED = "response.downloaded"
    RESPONSE_PREVIEWED = "response.previewed"
    RESPONSE_FAILED = "response.failed"
    # Work sent to the workers again by hand (a "retry now"), or by the sweep (issue 15).
    WORK_RETRIED = "request.work_retried"
    WORK_SWEPT = "request.work_swept"
    # User notice and retention (issue 14).
    USER_NOTICE_SCHEDULED = "notice.scheduled"
    USER_NOTICE_SENT = "notice.sent"
    LEGAL_HOLD_CHANGED = "retention.legal_hold_changed"
    RETENTION_PURGED = "retention.purged"

    RULESET_CHANGED = "rules.version_created"
    RULES_EXPORTED = "rules.exported"

    SUBSCRIBERS_IMPORTED = "subscribers.imported"
    PRESERVATION_HOLD = "subscribers.preservation_hold"

    AUDIT_VERIFIED = "audit.verified"
    AUDIT_CHECKPOINT = "audit.checkpoint"
    REPORT_EXPORTED = "report.exported"
    TRANSPARENCY_PUBLISHED = "report.transparency_published"


def action_label(action: str) -> str:
    """An action as a reader says it: 'request.viewed' -> 'Request viewed',
    'access.permission_denied' -> 'Access permission denied'."""
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]
