from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from knox.models import AbstractAuthToken

from requests_app.choices import (
    AuthorityType,
    EnforcingDecision,
    IpPurpose,
    LegalChannel,
    OffenseCategory,
    Outcome,
    ProcessType,
    Resolution,
    SignatureFormat,
    SignatureStatus,
    TargetType,
    UserNoticeStatus,
)
from requests_app.states import OPEN_STATES, State
from vault.blind_index import blind_index
from vault.crypto import seal, unseal


def default_office_days() -> list[int]:
    return [1, 2, 3, 4, 5]


class FollowUpState(models.TextChoices):
    """After an emergency disclosure: the legal process (or the validation) the agency owes."""

    AWAITING = "awaiting", "Awaiting the follow-up legal process"
    RECEIVED = "received", "Follow-up received"
    OVERDUE = "overdue", "Follow-up overdue"


class Jurisdiction(models.Model):
    """A country (ISO 3166-1 alpha-2), a subdivision (``US-CA``) or a regional layer (``EU``)."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    is_region = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def country_code(self) -> str:
        return self.code.split("-")[0]


class AgencyLanguage(models.TextChoices):
    """The languages the portal and the letters are written in (settings.LANGUAGES)."""

    ENGLISH = "en", "English"
    FRENCH = "fr", "Français"
    GERMAN = "de", "Deutsch"


# An agency's language when none is given: its country's, English elsewhere.
COUNTRY_LANGUAGES = {"FR": AgencyLanguage.FRENCH, "DE": AgencyLanguage.GERMAN, "AT": AgencyLanguage.GERMAN}


def language_for_country(country: str) -> str:
    return COUNTRY_LANGUAGES.get((country or "").upper(), AgencyLanguage.ENGLISH)


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    country = models.CharField(max_length=2)
    verified = models.BooleanField(default=False)
    email_domains = models.JSONField(default=list, help_text='Official e-mail domains, e.g. ["police.fr"]')
    callback_phone = models.CharField(
        max_length=20, blank=True, help_text="E.164, from an independent directory, for out-of-band checks"
    )
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency")
    created_at = models.DateTimeField(default=timezone.now)
    # Signed webhooks (docs/webhooks.md): the agency's receiver, and the HMAC secret sealed with the
    # data keys (``requests_app.webhooks``); the secret is shown once, when it is generated.
    webhook_url = models.URLField(max_length=500, blank=True, help_text="https:// receiver of the agency's events")
    webhook_secret_sealed = models.BinaryField(blank=True, default=b"", editable=False)
    # When the agency's staff answer the telephone: a request filed outside these hours is a risk signal.
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA time zone, e.g. Europe/Paris")
    office_hours_start = models.TimeField(default=dt.time(8, 0))
    office_hours_end = models.TimeField(default=dt.time(18, 0))
    office_days = models.JSONField(default=default_office_days, help_text="ISO weekdays, 1 = Monday")
    suspended_at = models.DateTimeField(null=True, blank=True, editable=False)
    suspension_reason = models.TextField(blank=True, editable=False)
    language = models.CharField(
        max_length=2,
        choices=AgencyLanguage.choices,
        default=AgencyLanguage.ENGLISH,
        help_text="The language of its officers' portal (unless they choose another) and of its letters",
    )

    class Meta:
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class AgencyDomainChange(models.Model):
    """One official e-mail domain added to or removed from an agency, and when: an officer whose
    domain was added recently is a risk signal (a compromised registry entry looks like this)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="domain_changes")
    domain = models.CharField(max_length=253)
    added = models.BooleanField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["agency", "domain", "-changed_at"], name="agency_domain_change_idx")]

    def __str__(self) -> str:
        return f"{'+' if self.added else '-'}{self.domain} ({self.agency_id})"


class OfficerStatus(models.TextChoices):
    EMAIL_UNCONFIRMED = "email_unconfirmed", "Registered, e-mail address not yet confirmed"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting the platform's approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    DEACTIVATED = "deactivated", "Deactivated"


class Officer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="officer")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="officers")
    badge_number = models.CharField(max_length=50, blank=True)
    # Verification (requests_app.officers): an officer files requests only while approved and verified.
    status = models.CharField(max_length=20, choices=OfficerStatus.choices, default=OfficerStatus.APPROVED)
    self_registered = models.BooleanField(default=False)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The nonce a confirmation link carries: replaced when a link is used, so each link works once.
    email_link_nonce = models.CharField(max_length=32, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_until = models.DateTimeField(
        null=True, blank=True, help_text="Submissions are refused after this until re-verified (e-mail and approval)"
    )
    reverify_reminded_until = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="The verified_until a reminder was already sent for"
    )
    deactivated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.agency})"

    @property
    def email_domain(self) -> str:
        return self.user.email.rpartition("@")[2].lower()

    @property
    def reverification_due(self) -> bool:
        """Approved, and the verification lapses within the reminder period (or has lapsed)."""
        if self.status != OfficerStatus.APPROVED or self.verified_until is None:
            return False
        horizon = timezone.now() + timedelta(days=settings.LAWREQ_OFFICER_REVERIFY_REMIND_DAYS)
        return self.verified_until <= horizon


class RequestSequence(models.Model):
    """The last reference number issued per year, locked while a new one is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class LegalRequest(models.Model):
    ref = models.CharField(max_length=20, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="requests")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, null=True, blank=True)

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="requests")
    process_type = models.CharField(max_length=30, choices=ProcessType.choices)
    legal_channel = models.CharField(max_length=20, choices=LegalChannel.choices, default=LegalChannel.DIRECT)
    emergency = models.BooleanField(default=False, db_index=True)
    emergency_justification = models.TextField(blank=True)
    case_number = models.CharField(max_length=100, blank=True)
    offense = models.TextField(blank=True)
    offense_category = models.CharField(max_length=30, choices=OffenseCategory.choices, blank=True)
    offense_max_sentence_years = models.PositiveSmallIntegerField(null=True, blank=True)
    terms_violation = models.BooleanField(
        default=False, help_text="The officer states the suspect's conduct breaks the platform's terms"
    )
    issuing_authority_type = models.CharField(max_length=20, choices=AuthorityType.choices, blank=True)
    issuing_authority_name = models.CharField(max_length=200, blank=True)
    issued_at = models.DateField(null=True, blank=True)
    nondisclosure_until = models.DateField(null=True, blank=True)
    authenticity_certificate = models.BooleanField(
        default=False,
        help_text="The officer asks for a certificate of authenticity of the records (FRE 902(11), 902(13)) "
        "in the letter",
    )
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    categories = models.JSONField(default=list)
    preservation_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="productions"
    )
    # e-Evidence (Regulation (EU) 2023/1543): the certificate's fields (Annexes I and II) and the
    # enforcing authority's notification window (Art. 8, 10); see docs/e-evidence.md.
    certificate_reference = models.CharField(max_length=100, blank=True)
    ip_purpose = models.CharField(max_length=20, choices=IpPurpose.choices, blank=True)
    validating_authority_type = models.CharField(max_length=20, choices=AuthorityType.choices, blank=True)
    validating_authority_name = models.CharField(max_length=200, blank=True)
    enforcing_state = models.CharField(max_length=2, blank=True, help_text="EU member state code, e.g. IE")
    enforcing_authority_name = models.CharField(max_length=200, blank=True)
    enforcing_authority_notified = models.BooleanField(default=False)
    enforcing_window_ends_at = models.DateTimeField(null=True, blank=True, db_index=True)
    enforcing_decision = models.CharField(max_length=20, choices=EnforcingDecision.choices, blank=True)
    enforcing_decision_at = models.DateTimeField(null=True, blank=True)
    enforcing_grounds = models.JSONField(default=list, blank=True, help_text="RefusalGround values raised")

    received_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The last (re)submission: what the legal team verifies (a call-back) is the request as it stands since.
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The clock stops while the officer is asked for information; on resubmission ``due_at`` moves
    # later by the pause (``requests_app.deadlines``). The total is what the paused time added up to.
    clock_paused_at = models.DateTimeField(null=True, blank=True)
    clock_paused_seconds = models.PositiveIntegerField(default=0)
    responded_at = models.DateTimeField(null=True, blank=True)
    rejection_reasons = models.JSONField(default=list, blank=True)
    info_requested = models.TextField(blank=True, help_text="What the legal team asks the officer to add")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The analyst or reviewer who has the request in hand",
    )
    # Notice to the affected users after a disclosure (notifications.user_notice).
    user_notice_status = models.CharField(
        max_length=20, choices=UserNoticeStatus.choices, default=UserNoticeStatus.PENDING, db_index=True
    )
    user_notice_due_at = models.DateTimeField(null=True, blank=True)
    user_notice_sent_at = models.DateTimeField(null=True, blank=True)
    user_notice_reason = models.TextField(blank=True, help_text="Why notice is withheld: for the legal team only")
    # Retention: while set, nothing of the request is purged (letters.retention).
    legal_hold = models.BooleanField(default=False)

    followup_state = models.CharField(max_length=20, choices=FollowUpState.choices, blank=True, db_index=True)
    followup_due_at = models.DateTimeField(null=True, blank=True)
    followup_received_at = models.DateTimeField(null=True, blank=True)
    followup_document = models.ForeignKey(
        "LegalDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="unique_idempotency_key_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(date_from__isnull=True)
                | models.Q(date_to__isnull=True)
                | models.Q(date_from__lte=models.F("date_to")),
                name="request_date_range_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"]),
            # The queue's "mine" view, earliest deadline first.
            models.Index(fields=["assignee", "due_at"], name="request_assignee_due"),
            # Search by case number, case-insensitive (iexact compares UPPER()).
            models.Index(Upper("case_number"), name="request_case_number_upper"),
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def is_overdue(self) -> bool:
        """Open and past its deadline, the clock running: a request waiting for the officer is not late."""
        return bool(
            self.due_at and self.state in OPEN_STATES and self.clock_paused_at is None and self.due_at < timezone.now()
        )

    @property
    def clock_paused(self) -> bool:
        return self.clock_paused_at is not None

    @property
    def is_emergency(self) -> bool:
        """The one test of an emergency every gate uses (call-back, follow-up, rules): the flag, or the
        emergency disclosure process type, which implies it (services keep the two in step)."""
        return self.emergency or self.process_type == ProcessType.EMERGENCY_DISCLOSURE


def target_seal_context(*, legal_request_id: int, target_type: str, value_index: str, field: str) -> str:
    """What a target's envelopes are bound to: its request, type and identifier (the row's unique key),
    so an envelope copied to another target, or another request, does not decrypt."""
    return f"requests_app.target:{legal_request_id}:{target_type}:{value_index}:{field}"


def document_seal_context(*, legal_request_id: int, sha256: str) -> str:
    return f"requests_app.legaldocument:{legal_request_id}:{sha256}"


def target_index(*, target_type: str, value: str) -> str:
    # An account id named by the officer and an account a phone or username resolved to share one
    # kind, so a search by account id finds both.
    return blind_index(kind=target_type, value=value)


class Target(models.Model):
    """An identifier the police name, kept sealed (``vault.crypto``) with a keyed blind index.

    ``value`` (normalised: E.164 phone, username without @, account id) and ``account_id`` (the
    account it resolved to) are properties: set, they seal and index; read, they unseal. The
    database holds only ``*_sealed`` envelopes and ``*_index`` HMACs (``vault.blind_index``).
    """

    SEALED_FIELDS = ("value", "account")

    legal_request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="targets")
    type = models.CharField(max_length=20, choices=TargetType.choices)
    value_sealed = models.BinaryField(editable=False)
    value_index = models.CharField(max_length=64, db_index=True, editable=False)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, default=Resolution.PENDING)
    account_sealed = models.BinaryField(blank=True, default=b"", editable=False)
    account_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    # The target's label (1, 2, 3 in the order the officer named them), kept across corrections: pages
    # and letters call a target by it, never by its database id.
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["legal_request", "type", "value_index"], name="unique_target_per_request")
        ]

    def __str__(self) -> str:
        return f"{self.type} target {self.position}"

    def seal_context(self, field: str) -> str:
        return target_seal_context(
            legal_request_id=self.legal_request_id, target_type=self.type, value_index=self.value_index, field=field
        )

    def _opened(self, field: str) -> str:
        envelope = bytes(getattr(self, f"{field}_sealed") or b"")
        if not envelope:
            return ""
        cache = self.__dict__.setdefault("_clear", {})
        if field in cache and cache[field][0] == envelope:
            return cache[field][1]
        clear = unseal(envelope, context=self.seal_context(field), request_ref="").decode()
        cache[field] = (envelope, clear)
        return clear

    def _seal(self, field: str, clear: str) -> None:
        envelope = bytes(seal(clear.encode(), context=self.seal_context(field))) if clear else b""
        setattr(self, f"{field}_sealed", envelope)
        self.__dict__.setdefault("_clear", {})[field] = (envelope, clear)

    @property
    def value(self) -> str:
        return self._opened("value")

    @value.setter
    def value(self, clear: str) -> None:
        account = self.account_id if self.account_sealed else ""
        self.value_index = target_index(target_type=self.type, value=clear)
        self._seal("value", clear)
        if account:  # its envelope is bound to the value's index: re-bind it
            self._seal("account", account)

    @property
    def account_id(self) -> str:
        return self._opened("account")

    @account_id.setter
    def account_id(self, clear: str) -> None:
        self.account_index = target_index(target_type=TargetType.ACCOUNT_ID, value=clear) if clear else ""
        self._seal("account", clear)

    @property
    def display_value(self) -> str:
        return f"@{self.value}" if self.type == TargetType.USERNAME else self.value


class LegalDocument(models.Model):
    """A court order or warrant. The file is a sealed stream (``vault.streams``), never the clear PDF;
    ``sha256`` and ``size`` are those of the clear document."""

    legal_request = models.ForeignKey(LegalRequest, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to="documents/%Y/%m/")
    name = models.CharField(max_length=200, help_text="The uploaded file name, sanitised")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Set when the retention period deleted the sealed file from storage; the row and sha256 stay.
    purged_at = models.DateTimeField(null=True, blank=True)
    # The document's own digital signature as last checked (``requests_app.signatures``).
    signature_status = models.CharField(
        max_length=12, choices=SignatureStatus.choices, default=SignatureStatus.UNSIGNED
    )
    signature_format = models.CharField(max_length=8, choices=SignatureFormat.choices, blank=True)
    signature_signer = models.CharField(max_length=500, blank=True, help_text="Subject CN and organisation")
    signature_issuer = models.CharField(max_length=500, blank=True)
    signature_qualified = models.BooleanField(default=False)
    signature_signed_at = models.DateTimeField(null=True, blank=True)
    signature_checked_at = models.DateTimeField(null=True, blank=True)
    signature_reason = models.CharField(max_length=300, blank=True)
    # A CAdES signature that came beside or around the PDF, sealed, kept (content detached) so the
    # document can be checked again when the trust roots change.
    signature_cms_sealed = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def seal_context(self) -> str:
        return document_seal_context(legal_request_id=self.legal_request_id, sha256=self.sha256)

    def signature_seal_context(self) -> str:
        return f"{self.seal_context()}:signature"

    @property
    def is_signed(self) -> bool:
        return self.signature_status != SignatureStatus.UNSIGNED


class TrustRoot(models.Model):
    """A CA certificate whose signatures on incoming orders are trusted for a jurisdiction and, through
    ``Jurisdiction.parent``, for its members (an EU root serves France)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="trust_roots")
    label = models.CharField(max_length=200)
    certificate_der = models.BinaryField()
    fingerprint_sha256 = models.CharField(max_length=64)
    subject = models.CharField(max_length=500)
    not_valid_before = models.DateTimeField()
    not_valid_after = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["jurisdiction__code", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "fingerprint_sha256"], name="trust_root_unique_per_jurisdiction"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.jurisdiction.code})"

    @property
    def is_current(self) -> bool:
        return self.not_valid_before <= timezone.now() < self.not_valid_after


class LegalRequestGroupObjectPermission(GroupObjectPermissionBase):
    """guardian's direct foreign key: "which requests may this agency see" is an indexed join,
    not a scan of every object permission with a text-to-integer cast."""

    content_object = models.ForeignKey(LegalRequest, on_delete=models.CASCADE)


class LegalRequestUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(LegalRequest, on_delete=models.CASCADE)


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox: only its digest is stored), bound to the password it was
    issued under: a password change by any path makes ``password_fingerprint`` stale, and
    ``requests_app.auth.ApiTokenAuthentication`` refuses and deletes the token."""

    password_fingerprint = models.CharField(max_length=64)
    # Issued after a second factor: a token issued on the password alone dies once one is required.
    second_factor = models.BooleanField(default=False)

    class Meta:
        verbose_name = "API token"


class ThrottledLoginWindow(models.Model):
    """Log-ins the throttle refused from one address in one window, counted here and written to the
    audit trail as one entry when the window has closed (``throttled_logins_audit``)."""

    address_hash = models.CharField(max_length=40)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["address_hash", "window_start"], name="unique_throttled_login_window")
        ]

    def __str__(self) -> str:
        return f"{self.address_hash} {self.window_start:%Y-%m-%d %H:%M}: {self.attempts}"
