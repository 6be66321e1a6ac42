from __future__ import annotations

from django.db import models

from audit.canonical import entry_hash, format_timestamp


class AppendOnlyError(Exception):
    pass


ERR_APPEND_ONLY = "audit records are append-only"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(ERR_APPEND_ONLY)

    def delete(self):
        raise AppendOnlyError(ERR_APPEND_ONLY)


class AppendOnlyModel(models.Model):
    """Rows are written once. On PostgreSQL a trigger enforces it for raw SQL too (migration 0004)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(ERR_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(ERR_APPEND_ONLY)


class AuditEntry(AppendOnlyModel):
    """One audit entry. Written only by ``audit.services.audit_record``.

    An entry enters *pending* (``seq`` null, no hashes) in the caller's transaction; the sequencer
    (``audit.services.audit_sequence``) later gives it its place in the chain: ``seq``,
    ``prev_hash`` and ``entry_hash``, once, and nothing else ever changes (a trigger enforces it on
    PostgreSQL). Every index is one more write per append, so there are few.
    """

    id = models.BigAutoField(primary_key=True)
    seq = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    request_ref = models.CharField(max_length=32, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        # The chain's order; pending entries after it, in the order they were written.
        ordering = [models.F("seq").asc(nulls_last=True), "id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["request_ref"], name="audit_entry_request_idx"),
            models.Index(fields=["action", "created_at"], name="audit_entry_action_time_idx"),
            models.Index(fields=["actor_id", "created_at"], name="audit_entry_actor_time_idx"),
            models.Index(fields=["created_at"], name="audit_entry_time_idx"),
            # What the sequencer takes next: small, since entries leave it once chained.
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_entry_pending_idx"),
        ]

    def __str__(self) -> str:
        place = f"#{self.seq}" if self.seq is not None else "(pending)"
        return f"{place} {self.action} {self.request_ref}".strip()

    @property
    def pending(self) -> bool:
        return self.seq is None

    def hashed_fields(self) -> dict:
        return {
            "seq": self.seq,
            "created_at": format_timestamp(self.created_at),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "role": self.role,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "request_ref": self.request_ref,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return entry_hash(**self.hashed_fields())


class AuditCheckpoint(AppendOnlyModel):
    """A signed tree head: the log's size, its last entry hash and Merkle root, signed with Ed25519.

    ``document`` is the exact file exported for auditors; the other columns are copies for queries.
    """

    tree_size = models.PositiveBigIntegerField(db_index=True)
    head_hash = models.CharField(max_length=64)
    merkle_root = models.CharField(max_length=64)
    key_id = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    document = models.TextField()
    file_name = models.CharField(max_length=200, blank=True)
    # An RFC 3161 time-stamp token over the document (DER, base64) when AUDIT_TSA_URL is set.
    timestamp_token = models.TextField(blank=True)

    class Meta:
        ordering = ["-tree_size", "-id"]
        get_latest_by = ["tree_size", "id"]

    def __str__(self) -> str:
        return f"checkpoint of {self.tree_size} entries"
