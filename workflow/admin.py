"""The admin of responses. It lives with the journey because its one action, generating a failed
letter again, is a step of the journey."""

from __future__ import annotations

from django.contrib import admin, messages

from audit.admin import AuditedModelAdmin
from lawreq.errors import Conflict
from letters.models import Response, ResponseStatus
from workflow.services import do_retry


@admin.register(Response)
class ResponseAdmin(AuditedModelAdmin):
    """Read-only: a response is issued by the letter task and never edited. The sealed PDF is not shown."""

    list_display = ["legal_request", "status", "kind", "pages", "size", "timestamped", "stored_at", "attempts"]
    list_filter = ["status", "kind", "timestamped"]
    search_fields = ["legal_request__ref", "sha256"]
    readonly_fields = [
        "legal_request",
        "status",
        "kind",
        "sha256",
        "size",
        "pages",
        "signer_fingerprint",
        "timestamped",
        "attempts",
        "claim_token",
        "claimed_at",
        "created_at",
        "stored_at",
        "error",
        "note",
        "updated_at",
    ]
    exclude = ["pdf_sealed"]
    actions = ["generate_again"]

    @admin.action(description="Retry now: generate the letter again (failed or stuck responses; audited)")
    def generate_again(self, request, queryset):
        sent = 0
        for response in queryset.exclude(status=ResponseStatus.STORED).select_related("legal_request"):
            try:
                do_retry(legal_request=response.legal_request, actor=request.user, via="admin")
            except Conflict as conflict:
                self.message_user(request, f"{response.legal_request.ref}: {conflict}", messages.WARNING)
            else:
                sent += 1
        self.message_user(request, f"{sent} letter(s) queued again.", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
