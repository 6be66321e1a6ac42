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

    REQUEST_CREATED = "request.created"
    REQUEST_UPDATED = "request.updated"
    REQUEST_DOCUMENT_ADDED = "request.document_added"
    REQUEST_TRANSITIONED = "request.transitioned"
    REQUEST_VIEWED = "request.viewed"
    DOCUMENT_DOWNLOADED = "request.document_downloaded"
    REQUEST_CHECKED = "request.checked"
    REQUEST_PRECHECKED = "request.prechecked"
    TARGET_RESOLVED = "request.target_resolved"
    TARGET_SEARCHED = "request.target_searched"
    REQUEST_REVISED = "request.revised"
    MESSAGE_POSTED = "request.message_posted"
    NOTE_ADDED = "request.note_added"

    # The legal team's workbench (issue 12): assignment, target search, approval preview.
    REQUEST_ASSIGNED = "request.assigned"
    APPROVAL_PREVIEWED = "review.approval_previewed"

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

    RULESET_CHANGED = "rules.version_created"
    RULES_EXPORTED = "rules.exported"

    SUBSCRIBERS_IMPORTED = "subscribers.imported"
    PRESERVATION_HOLD = "subscribers.preservation_hold"

    AUDIT_VERIFIED = "audit.verified"
    AUDIT_CHECKPOINT = "audit.checkpoint"
    REPORT_EXPORTED = "report.exported"
