"""Decisions about a request (proposal, four-eyes approval) and the frozen, sealed answer.

Four eyes is enforced twice: by ``disclosure.services`` and by CHECK constraints on ``Approval``,
which carries the proposer's and the requesting officer's ids so the database itself can refuse
an approval by either of them (superusers included).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Decision(models.TextChoices):
    DISCLOSE = "disclose", "Disclose"
    REJECT = "reject", "Reject"
    NEED_INFO = "need_info", "Ask the officer for information"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Waiting for a reviewer"
    APPROVED = "approved", "Approved"
    SENT_BACK = "sent_back", "Sent back"
    CLOSED = "closed", "Closed"  # a need_info question: it needs no approval and discloses nothing
    WITHDRAWN = "withdrawn", "Withdrawn with the request"


class Proposal(models.Model):
    legal_request = models.ForeignKey("requests_app.LegalRequest", on_delete=models.PROTECT, related_name="proposals")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    status = models.CharField(max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    # As proposed for the request as a whole; ``targets`` holds the per-target scope.
    categories = models.JSONField(default=list, blank=True)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why: the analyst's justification, or the question to the officer")
    reasons = models.JSONField(default=list, blank=True, help_text="Rejection reasons shown in the letter")
    # Regulation (EU) 2023/1543 Annex III (disclosure.annex_iii): why a European order is not answered
    # fully or in time. For the issuing authority: printed in the letter, unlike ``reason``.
    annex_iii_grounds = models.JSONField(default=list, blank=True)
    annex_iii_explanation = models.TextField(blank=True)
    # What the checks allowed when the proposal was made, kept so refusals can be explained later.
    allowed_categories = models.JSONField(default=list, blank=True)
    rule_versions = models.JSONField(default=list, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_request"],
                condition=models.Q(status="open"),
                name="one_open_proposal_per_request",
            ),
            models.CheckConstraint(
                condition=models.Q(date_from__isnull=True)
                | models.Q(date_to__isnull=True)
                | models.Q(date_from__lte=models.F("date_to")),
                name="proposal_date_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} proposal #{self.pk} ({self.status})"


class ProposalTarget(models.Model):
    """What a disclose proposal would give for one target: categories and inclusive UTC days."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="targets")
    target = models.ForeignKey("requests_app.Target", on_delete=models.PROTECT, related_name="+")
    categories = models.JSONField(default=list)
    date_from = models.DateField()
    date_to = models.DateField()

    class Meta:
        ordering = ["target_id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "target"], name="one_scope_per_proposal_target"),
            models.CheckConstraint(
                condition=models.Q(date_from__lte=models.F("date_to")), name="proposal_target_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"scope of target #{self.target_id}"


class Approval(models.Model):
    """A reviewer's decision on one proposal: approve, or send back. One per proposal."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="approval")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Copies of the proposer and the requesting officer, so CHECK constraints can see them.
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    request_creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approve = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(approved_by=models.F("proposer")), name="approval_four_eyes"),
            models.CheckConstraint(
                condition=~models.Q(approved_by=models.F("request_creator")), name="approval_not_by_requester"
            ),
        ]

    def __str__(self) -> str:
        return f"{'approval' if self.approve else 'send-back'} of proposal #{self.proposal_id}"


class DisclosureSnapshot(models.Model):
    """The approved answer, frozen when it was approved. The letter shows this, not the live data."""

    legal_request = models.OneToOneField(
        "requests_app.LegalRequest", on_delete=models.PROTECT, related_name="disclosure_snapshot"
    )
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="snapshot")
    approval = models.OneToOneField(Approval, on_delete=models.PROTECT, related_name="snapshot")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    outcome = models.CharField(max_length=20, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    refused = models.JSONField(default=list, blank=True, help_text="[{what, reason}]: asked for, not given")
    rule_versions = models.JSONField(default=list, blank=True)
    failing_rules = models.JSONField(
        default=list, blank=True, help_text="[{rule, message, citation}]: for a rejection, what the rules said"
    )
    # The answer takes the form of Annex III of Regulation (EU) 2023/1543: a European order not
    # answered fully or in time; its grounds and explanation as approved; late: after the deadline.
    annex_iii = models.BooleanField(default=False)
    annex_iii_grounds = models.JSONField(default=list, blank=True)
    annex_iii_explanation = models.TextField(blank=True)
    annex_iii_late = models.BooleanField(default=False)
    frozen_at = models.DateTimeField(default=timezone.now)
    # Set when the request was withdrawn after approval: every sealed field of its entries is gone.
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-frozen_at", "-id"]

    def __str__(self) -> str:
        return f"snapshot of {self.legal_request_id} ({self.outcome})"


class SnapshotTarget(models.Model):
    """One target's share of a snapshot. Personal data is only in the sealed fields.

    A sealed field is empty when its category was not approved; each envelope is bound to
    ``disclosure.snapshottarget:<pk>:<field>``.
    """

    SEALED_FIELDS = ("account", "phone_numbers", "ip_events", "profile")

    snapshot = models.ForeignKey(DisclosureSnapshot, on_delete=models.PROTECT, related_name="targets")
    target = models.ForeignKey("requests_app.Target", on_delete=models.PROTECT, related_name="+")
    found = models.BooleanField()
    categories = models.JSONField(default=list)
    date_from = models.DateField()
    date_to = models.DateField()
    ip_event_count = models.PositiveIntegerField(default=0)
    account = models.BinaryField(blank=True, default=b"")
    phone_numbers = models.BinaryField(blank=True, default=b"")
    ip_events = models.BinaryField(blank=True, default=b"")
    profile = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ["target_id"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "target"], name="one_entry_per_snapshot_target")]

    def __str__(self) -> str:
        return f"snapshot entry for target #{self.target_id}"

    def seal_context(self, field: str) -> str:
        return f"disclosure.snapshottarget:{self.pk}:{field}"


class CannedTextKind(models.TextChoices):
    QUESTION = "question", "Question to the officer"
    NARROWING = "narrowing", "Reason for narrowing (printed in the letter)"
    REJECTION = "rejection", "Reason for rejecting (printed in the letter)"


class CannedText(models.Model):
    """A standard sentence the legal team agreed on, inserted into a proposal and then edited.

    Managed by administrators. Narrowing and rejection texts go to the requester, in the letter:
    they must be written for the requester."""

    kind = models.CharField(max_length=20, choices=CannedTextKind.choices)
    title = models.CharField(max_length=120, help_text="What the analyst picks from the list")
    body = models.TextField(max_length=2000)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "title"]
        constraints = [models.UniqueConstraint(fields=["kind", "title"], name="one_canned_text_title_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class CallBackOutcome(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed: the agency confirmed the request"
    NOT_CONFIRMED = "not_confirmed", "Not confirmed: the agency does not know of it"
    NO_ANSWER = "no_answer", "No answer"


# The outcome in a few words, for a table cell, a badge or a timeline line (the labels are the form's).
CALLBACK_OUTCOME_WORDS = {
    CallBackOutcome.CONFIRMED: "Confirmed",
    CallBackOutcome.NOT_CONFIRMED: "Not confirmed",
    CallBackOutcome.NO_ANSWER: "No answer",
}


class CallBack(models.Model):
    """The out-of-band verification of a request: a call to the agency's number in the registry.

    ``number_called`` is copied from ``Agency.callback_phone`` by the system when the call is
    recorded, never typed in nor taken from the request: a forged request names the forger's number.
    Who called and when are the system's too. ``spoke_to`` and ``note`` (free text that names people)
    are sealed, bound to the row.
    """

    SEALED_FIELDS = ("spoke_to", "note")

    legal_request = models.ForeignKey("requests_app.LegalRequest", on_delete=models.PROTECT, related_name="callbacks")
    number_called = models.CharField(max_length=20, editable=False)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    called_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=CallBackOutcome.choices)
    spoke_to_sealed = models.BinaryField(editable=False, default=b"")
    note_sealed = models.BinaryField(editable=False, default=b"")

    class Meta:
        ordering = ["called_at", "id"]
        indexes = [models.Index(fields=["legal_request", "outcome"], name="callback_request_outcome_idx")]

    def __str__(self) -> str:
        return f"call-back #{self.pk} ({self.outcome})"

    def seal_context(self, field: str) -> str:
        return f"disclosure.callback:{self.pk}:{self.legal_request_id}:{field}"
