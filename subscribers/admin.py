"""Operators can look an account up by its exact id or username; the event table (millions of rows)
is not listed, and preservation holds are read-only here (they follow from preservation orders)."""

from django.contrib import admin

from audit.admin import AuditedModelAdmin
from subscribers.models import Account, PhoneHistory, PreservationHold


class PhoneHistoryInline(admin.TabularInline):
    model = PhoneHistory
    extra = 0
    fields = ("number", "valid_from", "valid_to")


@admin.register(Account)
class AccountAdmin(AuditedModelAdmin):
    list_display = ("account_id", "username", "registered_at")
    search_fields = ("=account_id", "=username")
    show_full_result_count = False
    inlines = [PhoneHistoryInline]


@admin.register(PreservationHold)
class PreservationHoldAdmin(AuditedModelAdmin):
    list_display = ("legal_request", "account", "starts_at", "expires_at", "extended_at")
    list_select_related = ("legal_request", "account")
    search_fields = ("legal_request__ref",)
    readonly_fields = (
        "account",
        "legal_request",
        "starts_at",
        "expires_at",
        "extended_at",
        "extended_by",
        "created_at",
    )

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
