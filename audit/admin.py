from django.contrib import admin

from audit.models import AuditCheckpoint, AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "actor_username", "role", "action", "request_ref")
    list_filter = ("action", "role")
    search_fields = ("request_ref", "actor_username")


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("tree_size", "created_at", "merkle_root", "key_id", "file_name")
