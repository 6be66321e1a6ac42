"""Admin of agencies, officers, requests and the staff's accounts.

Every admin here records its changes in the audit trail (``AuditedModelAdmin``). What the services
own goes through them: creating an agency or an officer, moving an officer to another agency (which
takes the old agency's access back and checks the e-mail domain), and granting or revoking an
object permission on a request. Agency membership is never edited as a plain group.
"""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.admin import GuardedModelAdmin
from guardian.forms import GroupObjectPermissionsForm, UserObjectPermissionsForm
from knox.models import AuthToken as KnoxAuthToken

from audit.admin import AuditedAdminMixin, AuditedModelAdmin
from lawreq.errors import Conflict, DomainError, InvalidInput
from lawreq.forms import DepthLimitedJSONField
from requests_app.auth import account_password_changed
from requests_app.models import (
    Agency,
    AgencyLanguage,
    Jurisdiction,
    LegalDocument,
    LegalRequest,
    Officer,
    TrustRoot,
    language_for_country,
)
from requests_app.officers import officer_approve, officer_deactivate, officer_refuse
from requests_app.services import (
    AGENCY_GROUP_PREFIX,
    agency_create,
    agency_domains_set,
    agency_reinstate,
    agency_suspend,
    legal_request_access_grant,
    legal_request_access_grant_check,
    legal_request_access_revoke,
    officer_change_agency,
    officer_create,
    officer_email_check,
)
from requests_app.trust import trust_root_new
from requests_app.webhooks import agency_webhook_secret_rotate, webhook_url_addresses

ERR_EMAIL_DOMAINS = 'A list of domain names, e.g. ["police.fr"].'
ERR_TIMEZONE = "'{name}' is not an IANA time zone (e.g. Europe/Paris)."
ERR_OFFICE_DAYS = "A list of ISO weekdays, 1 (Monday) to 7 (Sunday), e.g. [1, 2, 3, 4, 5]."


class SuspensionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea, max_length=2000, help_text="Internal: why (never shown to officers)"
    )


@admin.register(Jurisdiction)
class JurisdictionAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "parent", "is_region")
    search_fields = ("code", "name")
    list_filter = ("is_region",)
    audit_plain_fields = ("code", "name")


class AgencyForm(forms.ModelForm):
    email_domains = DepthLimitedJSONField(help_text='Official e-mail domains, e.g. ["police.fr"]')
    webhook_url = forms.URLField(
        required=False, max_length=500, assume_scheme="https", help_text="https:// receiver of the agency's events"
    )
    # Blank on a new agency: its country's language (requests_app.models.language_for_country).
    language = forms.ChoiceField(
        required=False,
        choices=[("", "(the country's)"), *AgencyLanguage.choices],
        help_text="The language of its officers' portal (unless they choose another) and of its letters",
    )

    class Meta:
        model = Agency
        fields = (
            "name",
            "country",
            "verified",
            "email_domains",
            "callback_phone",
            "timezone",
            "office_hours_start",
            "office_hours_end",
            "office_days",
            "webhook_url",
            "language",
        )

    def clean_timezone(self):
        name = self.cleaned_data["timezone"]
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise forms.ValidationError(ERR_TIMEZONE.format(name=name)) from error
        return name

    def clean_office_days(self):
        days = self.cleaned_data["office_days"]
        if not isinstance(days, list) or not all(isinstance(day, int) and 1 <= day <= 7 for day in days):
            raise forms.ValidationError(ERR_OFFICE_DAYS)
        return sorted(set(days))

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"].strip()
        if url:
            try:
                webhook_url_addresses(url)
            except InvalidInput as error:
                raise forms.ValidationError(error.message)
        return url

    def clean_language(self) -> str:
        language = self.cleaned_data["language"]
        if not language and self.instance.pk:
            return self.instance.language
        return language or language_for_country(self.cleaned_data.get("country", ""))

    def clean_email_domains(self):
        domains = self.cleaned_data["email_domains"]
        if not isinstance(domains, list) or not all(isinstance(domain, str) and domain for domain in domains):
            raise forms.ValidationError(ERR_EMAIL_DOMAINS)
        return sorted({domain.lower().lstrip("@") for domain in domains})


@admin.register(Agency)
class AgencyAdmin(AuditedModelAdmin):
    form = AgencyForm
    list_display = ("name", "country", "language", "verified", "callback_phone", "suspended_at")
    list_filter = ("verified", "country")
    search_fields = ("name",)
    readonly_fields = ("group", "created_at", "webhook_secret_set", "suspended_at", "suspension_reason")
    audit_plain_fields = ("name", "country", "email_domains", "language", "timezone", "office_days")
    # A receiver's address may carry its own token: recorded as changed, never its value.
    audit_secret_fields = ("webhook_url",)
    actions = ("webhook_secret_rotate", "suspend", "reinstate")

    @admin.display(boolean=True, description="Webhook secret generated")
    def webhook_secret_set(self, obj) -> bool:
        return bool(obj and obj.webhook_secret_sealed)

    @admin.action(description="Generate a new webhook signing secret (shown once)")
    def webhook_secret_rotate(self, request, queryset):
        for agency in queryset:
            secret = agency_webhook_secret_rotate(agency=agency, actor=request.user)
            self.message_user(
                request,
                f"{agency.name}: new webhook signing secret {secret} (copy it now: it is not shown again; "
                "the previous one no longer signs).",
                messages.WARNING,
            )

    @admin.action(description="Suspend the selected agencies (their open requests are frozen)")
    def suspend(self, request, queryset):
        return self._suspension_step(request, queryset, suspend=True)

    @admin.action(description="Reinstate the selected agencies")
    def reinstate(self, request, queryset):
        return self._suspension_step(request, queryset, suspend=False)

    def _suspension_step(self, request, queryset, *, suspend: bool):
        form = SuspensionForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for agency in queryset:
                try:
                    if suspend:
                        agency_suspend(agency=agency, actor=request.user, reason=form.cleaned_data["reason"])
                    else:
                        agency_reinstate(agency=agency, actor=request.user, reason=form.cleaned_data["reason"])
                except (Conflict, InvalidInput) as error:
                    self.message_user(request, error.message, messages.WARNING)
                else:
                    done += 1
            verb = "suspended" if suspend else "reinstated"
            self.message_user(request, f"{done} agency(ies) {verb}.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Suspend agencies" if suspend else "Reinstate agencies",
            "agencies": queryset,
            "form": form,
            "action": "suspend" if suspend else "reinstate",
        }
        return TemplateResponse(request, "admin/requests_app/agency/suspension.html", context)

    def save_model(self, request, obj, form, change):
        if change:
            if "email_domains" not in form.changed_data:
                return super().save_model(request, obj, form, change)
            # The domains go through the service, which records each one added (a risk signal).
            domains = obj.email_domains
            obj.email_domains = Agency.objects.get(pk=obj.pk).email_domains
            super().save_model(request, obj, form, change)
            agency_domains_set(agency=obj, email_domains=domains, actor=request.user)
            return None
        # A new agency comes with its own group: through the service.
        self._pending(request).setdefault(id(obj), {})["fields"] = self.audit_form_changes(Agency, form, add=True)
        created = agency_create(
            name=obj.name,
            country=obj.country,
            email_domains=obj.email_domains,
            verified=obj.verified,
            callback_phone=obj.callback_phone,
            language=obj.language,
            actor=request.user,
        )
        obj.pk, obj.group, obj.created_at = created.pk, created.group, created.created_at
        obj.country, obj.email_domains = created.country, created.email_domains
        # The rest of the form (office hours, webhook), which the service does not take.
        obj.save(update_fields=["timezone", "office_hours_start", "office_hours_end", "office_days", "webhook_url"])


class OfficerForm(forms.ModelForm):
    """The domain check of the services, shown on the form; the save itself goes through them."""

    class Meta:
        model = Officer
        fields = ("user", "agency", "badge_number")

    def clean(self):
        cleaned = super().clean()
        user, agency = cleaned.get("user") or getattr(self.instance, "user", None), cleaned.get("agency")
        if user is not None and agency is not None and "agency" in self.changed_data:
            try:
                officer_email_check(email=user.email, agency=agency)
            except InvalidInput as error:
                self.add_error("agency", error.message)
        return cleaned


@admin.register(Officer)
class OfficerAdmin(AuditedModelAdmin):
    form = OfficerForm
    list_display = ("user", "agency", "badge_number", "status", "verified_until")
    list_filter = ("status", "self_registered")
    list_select_related = ("user", "agency")
    search_fields = ("user__username", "agency__name")
    actions = ["approve", "refuse", "deactivate"]
    VERIFICATION_FIELDS = (
        "status",
        "self_registered",
        "email_confirmed_at",
        "approved_at",
        "approved_by",
        "verified_until",
        "deactivated_at",
    )

    def get_readonly_fields(self, request, obj=None):
        # An officer record never passes to another account; verification moves through the actions.
        return ("user", *self.VERIFICATION_FIELDS) if obj is not None else self.VERIFICATION_FIELDS

    def _each(self, request, queryset, service, done: str) -> None:
        for officer in queryset.select_related("user"):
            try:
                service(officer=officer, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{officer.user.get_username()}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{officer.user.get_username()}: {done}.")

    @admin.action(description="Approve the registration or re-verification")
    def approve(self, request, queryset):
        self._each(request, queryset, officer_approve, "approved")

    @admin.action(description="Refuse the registration or re-verification")
    def refuse(self, request, queryset):
        self._each(request, queryset, officer_refuse, "refused")

    @admin.action(description="Deactivate (the agency keeps reading the officer's requests)")
    def deactivate(self, request, queryset):
        self._each(request, queryset, officer_deactivate, "deactivated")

    def has_delete_permission(self, request, obj=None):
        # The account would stay in its agency's group: deactivate the user instead.
        return False

    def save_model(self, request, obj, form, change):
        self._pending(request).setdefault(id(obj), {})["fields"] = self.audit_form_changes(
            Officer, form, add=not change
        )
        if not change:
            created = officer_create(
                user=obj.user, agency=obj.agency, badge_number=obj.badge_number, actor=request.user
            )
            obj.pk = created.pk
            return
        if "agency" in form.changed_data:
            officer_change_agency(officer=Officer.objects.get(pk=obj.pk), agency=obj.agency, actor=request.user)
        if "badge_number" in form.changed_data:
            Officer.objects.filter(pk=obj.pk).update(badge_number=obj.badge_number)


class DocumentInline(admin.TabularInline):
    model = LegalDocument
    extra = 0
    can_delete = False
    fields = ("name", "sha256", "size", "uploaded_at", "signature_status", "signature_signer", "signature_reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _audited_permission_form(base, *, actor, grantee_argument: str):
    """guardian's form for one user's (or group's) permissions on one request, saving through the
    audited services instead of guardian's assign_perm and remove_perm."""

    class AuditedPermissionsForm(base):
        def save_obj_perms(self) -> None:
            grantee = {grantee_argument: getattr(self, grantee_argument)}
            chosen = set(self.cleaned_data[self.get_obj_perms_field_name()])
            available = {choice[0] for choice in self.get_obj_perms_field_choices()}
            held = set(self.get_obj_perms_field_initial())
            with transaction.atomic():
                self._save(grantee, chosen=chosen, available=available, held=held)

        def _save(self, grantee: dict, *, chosen: set, available: set, held: set) -> None:
            for codename in sorted((available - chosen) & held):
                legal_request_access_revoke(legal_request=self.obj, codename=codename, actor=actor, **grantee)
            for codename in sorted(chosen - held):
                legal_request_access_grant(legal_request=self.obj, codename=codename, actor=actor, **grantee)

        def clean(self):
            cleaned = super().clean()
            for codename in set(cleaned.get(self.get_obj_perms_field_name()) or ()) - set(
                self.get_obj_perms_field_initial()
            ):
                grantee = {grantee_argument: getattr(self, grantee_argument)}
                try:
                    legal_request_access_grant_check(legal_request=self.obj, codename=codename, **grantee)
                except InvalidInput as error:
                    raise forms.ValidationError(error.message)
            return cleaned

    return AuditedPermissionsForm


@admin.register(LegalRequest)
class LegalRequestAdmin(AuditedAdminMixin, GuardedModelAdmin):
    """Read-only: requests change only through the services, which audit every step. Object
    permissions on a request are granted and revoked through the audited services too."""

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

    def get_obj_perms_manage_user_form(self, request):
        return _audited_permission_form(UserObjectPermissionsForm, actor=request.user, grantee_argument="user")

    def get_obj_perms_manage_group_form(self, request):
        return _audited_permission_form(GroupObjectPermissionsForm, actor=request.user, grantee_argument="group")


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


# django.contrib.auth's admins, registered again: audited, and agency groups kept out of reach (an
# officer joins an agency only through the officer admin and its domain check).

User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    audit_plain_fields = ()  # usernames, names and addresses are personal data: hashed

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.exclude(name__startswith=AGENCY_GROUP_PREFIX)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        # The groups field lists no agency group, so saving it would drop the user's agency: keep it.
        agency_groups = list(form.instance.groups.filter(name__startswith=AGENCY_GROUP_PREFIX)) if change else []
        super().save_related(request, form, formsets, change)
        if agency_groups:
            form.instance.groups.add(*agency_groups)

    def user_change_password(self, request, id, form_url=""):
        # Django saves the password and logs the change apart: one transaction, so the audit entries
        # and the change stand or fall together. A password set for someone ends their tokens.
        with transaction.atomic():
            user = get_object_or_404(User, pk=id) if id.isascii() and id.isdigit() else None
            response = super().user_change_password(request, id, form_url)
            if user is not None and request.method == "POST":
                changed = User.objects.get(pk=user.pk)
                if changed.password != user.password:
                    account_password_changed(actor=request.user, user=changed, via="admin")
        return response


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, DjangoGroupAdmin):
    audit_plain_fields = ("name",)

    def get_queryset(self, request):
        # An agency's group is the agency's: changed only through the agency and officer admins.
        return super().get_queryset(request).exclude(name__startswith=AGENCY_GROUP_PREFIX)


class TrustRootForm(forms.ModelForm):
    certificate = forms.FileField(help_text="The CA certificate, PEM or DER")

    class Meta:
        model = TrustRoot
        fields = ("jurisdiction", "label")

    def __init__(self, *args, actor=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("certificate")
        if upload is None or data.get("jurisdiction") is None:
            return data
        if upload.size > TRUST_ROOT_MAX_BYTES:
            raise forms.ValidationError(ERR_CERTIFICATE_SIZE)
        try:
            self.root = trust_root_new(
                jurisdiction=data["jurisdiction"],
                label=data.get("label", ""),
                certificate=upload.read(),
                actor=self.actor,
            )
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        return data


TRUST_ROOT_MAX_BYTES = 64 * 1024
ERR_CERTIFICATE_SIZE = "A certificate file is at most 64 KB."


@admin.register(TrustRoot)
class TrustRootAdmin(AuditedModelAdmin):
    """Roots are added and removed, never edited: a changed certificate is another root."""

    list_display = ("label", "jurisdiction", "subject", "not_valid_before", "not_valid_after", "is_current", "added_by")
    list_filter = ("jurisdiction",)
    search_fields = ("label", "subject", "fingerprint_sha256")
    readonly_fields = (
        "jurisdiction",
        "label",
        "subject",
        "fingerprint_sha256",
        "not_valid_before",
        "not_valid_after",
        "added_by",
        "added_at",
    )
    audit_plain_fields = ("label", "subject", "fingerprint_sha256")

    @admin.display(boolean=True, description="valid now")
    def is_current(self, root: TrustRoot) -> bool:
        return root.is_current

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change, **kwargs)
        form = TrustRootForm

        class ActorTrustRootForm(form):
            def __init__(self, *args, **inner) -> None:
                super().__init__(*args, actor=request.user, **inner)

        return ActorTrustRootForm

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        root = form.root
        for name in ("certificate_der", "fingerprint_sha256", "subject", "not_valid_before", "not_valid_after"):
            setattr(obj, name, getattr(root, name))
        obj.label = root.label
        obj.added_by = request.user
        super().save_model(request, obj, form, change)
