from __future__ import annotations

from django.db import models
from django.utils import timezone

from letters.content import LetterKind
from requests_app.models import LegalRequest


class ResponseStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"  # recorded with the decision, before the task is sent
    CLAIMED = "claimed", "Being rendered and signed"
    STORED = "stored", "Issued"  # signed, sealed and issued: final
    FAILED = "failed", "Failed"  # a permanent error; ``error`` says which, an operator re-runs after fixing it


class Response(models.Model):
    """The signed letter answering a request: at most one per request.

    The PDF holds disclosed personal data, so it is kept sealed (``vault.crypto``, AES-GCM bound
    to this row); ``sha256`` is the digest of the signed file as issued, which the public
    verification page looks up.
    """

    legal_request = models.OneToOneField(LegalRequest, on_delete=models.PROTECT, related_name="response")
    status = models.CharField(max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.CLAIMED)
    kind = models.CharField(max_length=20, choices=LetterKind.choices, blank=True)
    claim_token = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    pdf_sealed = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    signer_fingerprint = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the signing certificate")
    timestamped = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    # What the legal team should know of a letter that is not a failure: waiting for the timestamp
    # authority, or signed without a timestamp.
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    stored_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the retention period removed the PDF's bytes: the row and ``sha256`` stay, so the
    # letter still verifies as ours (``response_verify``) though it can no longer be downloaded.
    purged_at = models.DateTimeField(null=True, blank=True)
    # The certificate of authenticity the letter carries (``letters.certificate``), as issued: the
    # custodian's function, when, and each attached record file's name, size and SHA-256. Null when
    # the letter carries none.
    certificate = models.JSONField(null=True, blank=True, editable=False)

    SEALED_FIELD = "pdf_sealed"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sha256"], condition=~models.Q(sha256=""), name="unique_response_sha256"),
            models.CheckConstraint(
                condition=~models.Q(status="stored") | (~models.Q(sha256="") & models.Q(pdf_sealed__isnull=False)),
                name="stored_response_has_pdf",
            ),
        ]

    def __str__(self) -> str:
        return f"response to {self.legal_request_id} ({self.status})"

    def seal_context(self) -> str:
        return f"letters.response:{self.pk}:{self.SEALED_FIELD}"
