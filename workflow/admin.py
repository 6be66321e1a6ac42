"""The admin of responses. It lives with the journey because its one action, generating a failed
letter again, is a step of the journey."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction

from audit.admin import AuditedModelAdmin
from letters.models import Response, ResponseStatus
from workflow.tasks import issue_response


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
    ]
    exclude = ["pdf_sealed"]
    actions = ["generate_again"]

    @admin.action(description="Generate the letter again (failed responses, after fixing the cause)")
    def generate_again(self, request, queryset):
        failed = list(queryset.filter(status=ResponseStatus.FAILED).values_list("legal_request_id", flat=True))
        for legal_request_id in failed:
            transaction.on_commit(lambda pk=legal_request_id: issue_response.delay(pk))
        self.message_user(request, f"{len(failed)} letter(s) queued again.", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
