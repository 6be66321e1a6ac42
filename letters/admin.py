from __future__ import annotations

from django.contrib import admin

from letters.models import Response


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """Read-only: a response is issued by the letter task and never edited. The sealed PDF is not shown."""

    list_display = ["legal_request", "status", "kind", "pages", "size", "timestamped", "stored_at", "attempts"]
    list_filter = ["status", "kind", "timestamped"]
    search_fields = ["legal_request__ref", "sha256"]
    readonly_fields = [
        "legal_request", "status", "kind", "sha256", "size", "pages", "signer_fingerprint", "timestamped",
        "attempts", "claim_token", "claimed_at", "created_at", "stored_at", "error",
    ]
    exclude = ["pdf_sealed"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
