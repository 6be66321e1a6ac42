from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from requests_app.models import Jurisdiction, LegalRequest


class ImmutableError(Exception):
    pass


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError(f"{self.model._meta.verbose_name_plural} are immutable")

    def delete(self):
        raise ImmutableError(f"{self.model._meta.verbose_name_plural} are immutable")


class ImmutableModel(models.Model):
    """Written once; a change is a new row."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(f"{self._meta.verbose_name} #{self.pk} is immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{self._meta.verbose_name} #{self.pk} is immutable")


class Scope(models.TextChoices):
    PLATFORM = "platform", "Platform policy (every request)"
    JURISDICTION = "jurisdiction", "Jurisdiction"
    FALLBACK = "fallback", "Fallback (jurisdictions without rules)"


class Recommendation(models.TextChoices):
    PROCEED = "proceed", "Proceed with the review"
    REJECT = "reject", "Reject"
    NEEDS_INFO = "needs_info", "Ask the officer for information"


class RuleSet(models.Model):
    """The identity of a rule set: the platform policy, the fallback, or one jurisdiction's rules."""

    key = models.CharField(max_length=20, unique=True, help_text="platform, fallback, or the jurisdiction code")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    jurisdiction = models.OneToOneField(
        Jurisdiction, null=True, blank=True, on_delete=models.PROTECT, related_name="ruleset"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scope", "key"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(scope="jurisdiction") & models.Q(jurisdiction__isnull=False))
                | (~models.Q(scope="jurisdiction") & models.Q(jurisdiction__isnull=True)),
                name="ruleset_jurisdiction_iff_scope",
            )
        ]

    def __str__(self) -> str:
        return self.key


class RuleSetVersion(ImmutableModel):
    """One immutable version of a rule set, in force from ``effective_from`` (inclusive).

    Without ``effective_to`` it stays in force until the next version's start. A version starting
    on the same day as an earlier one replaces it (``supersedes``); the replaced one stays readable.
    """

    ruleset = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    rules = models.JSONField(help_text="The rules, in the canonical form of a rule file")
    content_hash = models.CharField(max_length=64)
    change_note = models.TextField(blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ruleset__key", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["ruleset", "number"], name="unique_ruleset_version_number"),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gt=models.F("effective_from")),
                name="ruleset_version_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["ruleset", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.ruleset.key} v{self.number}"

    @property
    def label(self) -> str:
        return f"{self.ruleset.key} v{self.number}"

    def as_entry(self) -> dict:
        """The version as a rule file entry (see ``rules.documents``)."""
        entry = {"scope": self.ruleset.scope}
        if self.ruleset.scope == Scope.JURISDICTION:
            entry["jurisdiction"] = self.ruleset.key
        entry.update(
            name=self.name,
            effective_from=self.effective_from.isoformat(),
            effective_to=self.effective_to.isoformat() if self.effective_to else None,
            change_note=self.change_note,
            rules=self.rules,
        )
        return entry


class CheckRun(ImmutableModel):
    """The stored result of one evaluation of a request, with the rule set versions it used."""

    legal_request = models.ForeignKey(LegalRequest, on_delete=models.PROTECT, related_name="check_runs")
    results = models.JSONField(default=list)
    versions = models.JSONField(default=list, help_text="[{ruleset, version, effective_from}] in layer order")
    rule_set_versions = models.ManyToManyField(RuleSetVersion, related_name="check_runs", blank=True)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices)
    allowed_categories = models.JSONField(default=list)
    missing_information = models.JSONField(default=list)
    response_deadline = models.DateTimeField()
    out_of_band_verification = models.BooleanField(
        default=False, help_text="An emergency that must be verified by calling the agency back before any disclosure"
    )
    followup_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="After an emergency disclosure, the window for the follow-up legal process"
    )
    risk_signals = models.JSONField(
        default=list, blank=True, help_text="[{signal, message}]: advisory, what was known at the check; staff only"
    )
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["legal_request", "-created_at"])]

    def __str__(self) -> str:
        return f"check #{self.pk} of {self.legal_request_id}"

    @property
    def versions_label(self) -> str:
        return ", ".join(f"{v['ruleset']} v{v['version']}" for v in self.versions)
