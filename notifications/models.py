from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app.models import Agency, LegalRequest, Officer


class Event(models.TextChoices):
    # For the agency's officers (in their language on the notifications page)
    QUESTION_ASKED = "question_asked", _("The legal team needs more information")
    MESSAGE_RECEIVED = "message_received", _("New message about the request")
    ANSWERED = "answered", _("The request was answered")
    FOLLOWUP_REQUESTED = "followup_requested", _("The follow-up legal process is due for an emergency disclosure")
    # For the legal team
    REQUEST_RECEIVED = "request_received", "New request received"
    REQUEST_RESUBMITTED = "request_resubmitted", "The officer answered and resubmitted"
    PROPOSAL_AWAITING_APPROVAL = "proposal_awaiting_approval", "A proposal awaits your approval"
    PROPOSAL_SENT_BACK = "proposal_sent_back", "Your proposal was sent back"
    DEADLINE_REMINDER = "deadline_reminder", "A request's deadline is approaching"
    DEADLINE_OVERDUE = "deadline_overdue", "A request is overdue"
    ENFORCING_WINDOW_ENDED = (
        "enforcing_window_ended",
        "The enforcing authority's window ended without grounds for refusal: the disclosure may be approved",
    )
    # For the reviewers, when the work behind a request goes wrong
    LETTER_FAILED = "letter_failed", "A response letter could not be produced"
    REQUEST_STUCK = "request_stuck", "A request is waiting too long for the workers"
    CALLBACK_NOT_CONFIRMED = "callback_not_confirmed", "The agency did not confirm the request on a call-back"
    FOLLOWUP_OVERDUE = "followup_overdue", "The follow-up legal process of an emergency disclosure is overdue"
    # For whoever may approve officers (the legal team, administrators)
    OFFICER_AWAITING_APPROVAL = "officer_awaiting_approval", "A police officer's registration awaits approval"


class Notification(models.Model):
    """One person told of one event. ``occurrence`` names what happened (``message:42``,
    ``proposal:7``): with the event and the recipient it is unique, so an event is notified once
    however often the step that raises it runs."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=40, choices=Event.choices)
    # What the event is about: a request, or (a registration awaiting approval) an officer.
    legal_request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    officer = models.ForeignKey(Officer, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    occurrence = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event", "occurrence"], name="unique_notification_per_event_and_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} for user {self.recipient_id}"

    @property
    def read(self) -> bool:
        return self.read_at is not None


class DeadlineAlert(models.Model):
    """A reminder (``reminder:50`` at half the time allowed) or the escalation (``overdue``) of one
    request, recorded once: the unique row is what makes a beat that runs twice, or two beats that
    overlap, alert once."""

    legal_request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["legal_request", "kind"], name="unique_deadline_alert")]

    def __str__(self) -> str:
        return f"{self.kind} of request {self.legal_request_id}"


class AnalystDigest(models.Model):
    """The day's digest of one analyst, once per day: the references it lists (no personal data)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    assigned_refs = models.JSONField(default=list)
    unassigned_overdue_refs = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="unique_digest_per_analyst_and_day")]

    def __str__(self) -> str:
        return f"digest of user {self.recipient_id} for {self.day}"


class WebhookDelivery(models.Model):
    """One event POSTed to an agency's webhook, once: unique per request, event and occurrence, so a
    step run twice records one delivery; attempts are claimed (``lease_until``) so duplicated tasks
    send it once at a time, and a delivered one never again. ``payload`` holds what the officer's
    API shows (reference, event, state, link), never targets nor text."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    legal_request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=40, choices=Event.choices)
    occurrence = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="HTTP status of the last attempt")
    last_error = models.CharField(max_length=200, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    abandoned = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["legal_request", "event", "occurrence"], name="unique_webhook_delivery_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} to agency {self.agency_id} ({self.attempts} attempts)"
