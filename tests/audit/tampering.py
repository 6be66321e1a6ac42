"""What a database superuser can do to the audit table: raw SQL, triggers lifted where they exist."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

from audit.canonical import GENESIS_HASH
from audit.models import AuditEntry
from audit.services import audit_sequence

FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "role",
    "action",
    "object_type",
    "object_id",
    "request_ref",
    "details",
    "prev_hash",
    "entry_hash",
)


@contextmanager
def superuser_without_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")


def raw_sql(sql: str, params=()) -> None:
    with superuser_without_triggers() as cursor:
        cursor.execute(sql, params)


def current_entries() -> list[AuditEntry]:
    """The chain, after a sequencing pass."""
    audit_sequence()
    return list(AuditEntry.objects.filter(seq__isnull=False).order_by("seq"))


def rewrite_history(entries: list[AuditEntry]) -> None:
    """Replace the whole table with ``entries`` renumbered and every hash recomputed: a chain
    that is consistent in itself, as a careful attacker would leave it."""
    previous = GENESIS_HASH
    rebuilt = []
    for seq, entry in enumerate(entries, start=1):
        clone = AuditEntry(**{name: getattr(entry, name) for name in FIELDS})
        clone.seq, clone.prev_hash = seq, previous
        clone.entry_hash = clone.compute_hash()
        previous = clone.entry_hash
        rebuilt.append(clone)
    with superuser_without_triggers() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
        AuditEntry.objects.bulk_create(rebuilt)


def wipe_stored_checkpoints() -> None:
    """What a superuser does to the checkpoints kept in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM audit_auditcheckpoint")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditcheckpoint ENABLE TRIGGER USER")
