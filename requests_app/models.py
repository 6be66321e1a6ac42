from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from requests_app.choices import (
    AuthorityType,
    LegalChannel,
    OffenseCategory,
    Outcome,
    ProcessType,
    Resolution,
    TargetType,
)
from requests_app.states import OPEN_STATES, State


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

    class Meta:
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Officer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="officer")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="officers")
    badge_number = models.CharField(max_length=50, blank=True)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.agency})"

    @property
    def email_domain(self) -> str:
        return self.user.email.rpartition("@")[2].lower()


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
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    categories = models.JSONField(default=list)
    preservation_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="productions"
    )

    received_at = models.DateTimeField(null=True, blank=True, db_index=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
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
        return bool(self.due_at and self.state in OPEN_STATES and self.due_at < timezone.now())


class Target(models.Model):
    legal_request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="targets")
    type = models.CharField(max_length=20, choices=TargetType.choices)
    value = models.CharField(max_length=200, help_text="Normalised: E.164 phone, username without @")
    resolution = models.CharField(max_length=20, choices=Resolution.choices, default=Resolution.PENDING)
    account_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["legal_request", "type", "value"], name="unique_target_per_request")
        ]
        # Search by target across requests (the blind index of the data-at-rest work replaces it).
        indexes = [models.Index(fields=["type", "value"], name="target_type_value")]

    def __str__(self) -> str:
        return f"{self.type} target #{self.pk}"

    @property
    def display_value(self) -> str:
        return f"@{self.value}" if self.type == TargetType.USERNAME else self.value


class LegalDocument(models.Model):
    legal_request = models.ForeignKey(LegalRequest, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to="documents/%Y/%m/")
    name = models.CharField(max_length=200, help_text="The uploaded file name, sanitised")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class LegalRequestGroupObjectPermission(GroupObjectPermissionBase):
    """guardian's direct foreign key: "which requests may this agency see" is an indexed join,
    not a scan of every object permission with a text-to-integer cast."""

    content_object = models.ForeignKey(LegalRequest, on_delete=models.CASCADE)


class LegalRequestUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(LegalRequest, on_delete=models.CASCADE)
