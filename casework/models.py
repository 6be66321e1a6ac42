"""Messages, internal notes and submission revisions of a request.

Message and note bodies are free text that may name people: they are sealed at rest (AES-GCM, the
vault's keys) and the audit trail records only their keyed hash and length."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from requests_app.models import LegalRequest


class MessageKind(models.TextChoices):
    MESSAGE = "message", "Message"
    QUESTION = "question", "Question"


class AuthorRole(models.TextChoices):
    OFFICER = "officer", "Officer"
    ANALYST = "analyst", "Analyst"
    REVIEWER = "reviewer", "Reviewer"
    # A question the automatic checks asked (no person wrote it).
    SYSTEM = "system", "Automatic checks"


class SealedBody(models.Model):
    """A body sealed under the context of its row, so an envelope moved to another row fails to open."""

    legal_request = models.ForeignKey(LegalRequest, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_role = models.CharField(max_length=20, choices=AuthorRole.choices)
    body_sealed = models.BinaryField(editable=False, default=b"")
    created_at = models.DateTimeField(default=timezone.now)

    SEAL_LABEL = ""

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def seal_context(self) -> str:
        return f"{self.SEAL_LABEL}:{self.pk}:body"


class Message(SealedBody):
    """One message of the conversation between the agency's officers and the legal team."""

    kind = models.CharField(max_length=20, choices=MessageKind.choices, default=MessageKind.MESSAGE)

    SEAL_LABEL = "casework.message"

    class Meta(SealedBody.Meta):
        indexes = [models.Index(fields=["legal_request", "created_at"], name="message_request_time_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class InternalNote(SealedBody):
    """A note of the legal team about a request: never shown to an officer, never in a letter."""

    SEAL_LABEL = "casework.internalnote"

    class Meta(SealedBody.Meta):
        indexes = [models.Index(fields=["legal_request", "created_at"], name="note_request_time_idx")]

    def __str__(self) -> str:
        return f"note #{self.pk}"


class RequestRevision(models.Model):
    """The request as the officer submitted it, each time: what a resubmission changed is the
    difference from the previous revision (``changes``). Targets are kept as keyed hashes only."""

    legal_request = models.ForeignKey(LegalRequest, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    fields = models.JSONField(default=dict)
    target_hashes = models.JSONField(default=list)
    document_ids = models.JSONField(default=list)
    changes = models.JSONField(default=list, help_text="[{field, label, before, after}] against the previous revision")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["legal_request_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["legal_request", "number"], name="unique_revision_number_per_request")
        ]

    def __str__(self) -> str:
        return f"{self.legal_request_id} revision {self.number}"
