from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.shortcuts import get_object_or_404
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.admin import GuardedModelAdmin
from knox.models import AuthToken as KnoxAuthToken

from requests_app.auth import account_password_changed
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


# Accounts. Nothing here shows or makes a credential for someone else: no API tokens at all, second
# factors read-only and without their secret, and a password set for someone is audited and ends
# their tokens and sessions. See docs/security.md for what an administrator can still do.

admin.site.unregister(TOTPDevice)
if admin.site.is_registered(KnoxAuthToken):
    admin.site.unregister(KnoxAuthToken)


@admin.register(TOTPDevice)
class SecondFactorAdmin(admin.ModelAdmin):
    """Which accounts have a second factor; never its key, QR code or configuration URL. Devices are
    enrolled (and replaced) with ``manage.py otp_enrol`` only, which is audited."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_select_related = ("user",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields
    search_fields = ("user__username",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Removing someone's device would let a password alone in where a second factor is optional.
        return False


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class AccountAdmin(UserAdmin):
    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            user = get_object_or_404(get_user_model(), pk=id) if id.isdigit() else None
            response = super().user_change_password(request, id, form_url)
            if user is not None and request.method == "POST":
                changed = get_user_model().objects.get(pk=user.pk)
                if changed.password != user.password:
                    account_password_changed(actor=request.user, user=changed, via="admin")
        return response
