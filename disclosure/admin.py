"""Read-only views of decisions. Nothing here can make, change or bypass a four-eyes decision,
and the sealed snapshot content is never shown (only its size and key id)."""

from django.contrib import admin

from audit.admin import AuditedModelAdmin
from disclosure.models import (
    Approval,
    CannedText,
    DisclosureSnapshot,
    Proposal,
    ProposalTarget,
    SnapshotTarget,
)
from vault.crypto import envelope_key_id


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProposalTargetInline(ReadOnlyInline):
    model = ProposalTarget
    fields = ("target", "categories", "date_from", "date_to")
    readonly_fields = fields


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("id", "legal_request", "decision", "status", "proposed_by", "created_at")
    list_filter = ("decision", "status")
    list_select_related = ("legal_request", "proposed_by")
    search_fields = ("legal_request__ref",)
    inlines = [ProposalTargetInline]


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ("proposal", "approve", "approved_by", "proposer", "created_at")
    list_filter = ("approve",)
    list_select_related = ("proposal", "approved_by", "proposer")
    search_fields = ("proposal__legal_request__ref",)


class SnapshotTargetInline(ReadOnlyInline):
    model = SnapshotTarget
    fields = ("target", "found", "categories", "date_from", "date_to", "ip_event_count", "sealed")
    readonly_fields = fields

    @admin.display(description="sealed fields (bytes, key)")
    def sealed(self, entry: SnapshotTarget) -> str:
        parts = []
        for field in SnapshotTarget.SEALED_FIELDS:
            envelope = bytes(getattr(entry, field))
            if envelope:
                parts.append(f"{field}: {len(envelope)} B, key {envelope_key_id(envelope)}")
        return "; ".join(parts) or "none"


@admin.register(DisclosureSnapshot)
class DisclosureSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("legal_request", "decision", "outcome", "frozen_at")
    list_filter = ("decision", "outcome")
    list_select_related = ("legal_request",)
    search_fields = ("legal_request__ref",)
    exclude = ("rule_versions",)
    inlines = [SnapshotTargetInline]


@admin.register(CannedText)
class CannedTextAdmin(AuditedModelAdmin):
    """The standard texts analysts insert into their proposals, kept by administrators."""

    list_display = ["title", "kind", "active", "updated_at"]
    list_filter = ["kind", "active"]
    search_fields = ["title", "body"]
