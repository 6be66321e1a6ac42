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
    """One link of the hash chain. Written only by ``audit.services.audit_record``."""

    # The sequence number is the key: every index is one more write per append, so there are few.
    seq = models.PositiveBigIntegerField(primary_key=True)
    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    request_ref = models.CharField(max_length=32, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["request_ref"], name="audit_entry_request_idx"),
            models.Index(fields=["action", "created_at"], name="audit_entry_action_time_idx"),
            models.Index(fields=["actor_id", "created_at"], name="audit_entry_actor_time_idx"),
            models.Index(fields=["created_at"], name="audit_entry_time_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.request_ref}".strip()

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

    class Meta:
        ordering = ["-tree_size", "-id"]
        get_latest_by = ["tree_size", "id"]

    def __str__(self) -> str:
        return f"checkpoint of {self.tree_size} entries"
