from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from requests_app.models import Agency, Jurisdiction, LegalDocument, LegalRequest, Officer


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "is_region")
    search_fields = ("code", "name")
    list_filter = ("is_region",)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "verified", "callback_phone")
    list_filter = ("verified", "country")
    search_fields = ("name",)
    readonly_fields = ("group", "created_at")


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "badge_number")
    list_select_related = ("user", "agency")
    search_fields = ("user__username", "agency__name")


class DocumentInline(admin.TabularInline):
    model = LegalDocument
    extra = 0
    can_delete = False
    fields = ("name", "sha256", "size", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LegalRequest)
class LegalRequestAdmin(GuardedModelAdmin):
    """Read-only: requests change only through the services, which audit every step."""

    list_display = ("ref", "state", "outcome", "jurisdiction", "agency", "process_type", "emergency", "due_at")
    list_filter = ("state", "emergency", "process_type")
    search_fields = ("ref", "case_number")
    list_select_related = ("jurisdiction", "agency")
    # Targets are personal data: they are read through the audited API and staff pages only.
    inlines = [DocumentInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
