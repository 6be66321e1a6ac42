from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app.models import LegalRequest


class Event(models.TextChoices):
    # For the agency's officers (in their language on the notifications page)
    QUESTION_ASKED = "question_asked", _("The legal team needs more information")
    MESSAGE_RECEIVED = "message_received", _("New message about the request")
    ANSWERED = "answered", _("The request was answered")
    # For the legal team
    REQUEST_RECEIVED = "request_received", "New request received"
    REQUEST_RESUBMITTED = "request_resubmitted", "The officer answered and resubmitted"
    PROPOSAL_AWAITING_APPROVAL = "proposal_awaiting_approval", "A proposal awaits your approval"
    PROPOSAL_SENT_BACK = "proposal_sent_back", "Your proposal was sent back"


class Notification(models.Model):
    """One person told of one event. ``occurrence`` names what happened (``message:42``,
    ``proposal:7``): with the event and the recipient it is unique, so an event is notified once
    however often the step that raises it runs."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=40, choices=Event.choices)
    legal_request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="+")
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
