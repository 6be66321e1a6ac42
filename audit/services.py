"""Write services of the audit trail: appending entries and signing checkpoints."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import orjson
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from psycopg2.extras import execute_values

from audit.actions import AuditAction
from audit.canonical import GENESIS_HASH, check_details, entry_hash, format_timestamp
from audit.checkpoints import (
    DEFAULT_MAX_ANCHORS,
    PUBLIC_KEY_FILE,
    Checkpoint,
    CheckpointInvalid,
    anchor_interval_for,
    checkpoint_file_name,
    checkpoint_parse,
    checkpoint_sign,
    timestamp_file_name,
)
from audit.keys import checkpoint_signing_key, public_key_pem
from audit.models import AuditCheckpoint, AuditEntry
from audit.timestamps import checkpoint_timestamp
from audit.verification import (
    CONTENT_FIELDS,
    ChainVerification,
    audit_chain_verify,
    created_at_text,
    stream_chain_rows,
    verify_chain_rows,
)
from lawreq.roles import primary_role

__all__ = [
    "ChainBroken",
    "ChainVerification",
    "audit_chain_verify",
    "audit_batch",
    "audit_checkpoint_create",
    "audit_checkpoint_create_if_due",
    "audit_checkpoint_due",
    "audit_pending_count",
    "audit_sequence",
    "audit_sequencer_tick",
    "audit_hash_identifier",
    "audit_login_failed",
    "audit_login_succeeded",
    "audit_permission_denied",
    "audit_record",
]

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key: "lawreq-a" as a signed 64-bit integer. Only the sequencer takes it, for
# the duration of one batch: the chain's next seq and previous hash are read by one sequencer at a time.
CHAIN_LOCK_KEY = int.from_bytes(b"lawreq-a", "big")
# "lawreq-c": one checkpoint signer at a time; the others skip.
CHECKPOINT_LOCK_KEY = int.from_bytes(b"lawreq-c", "big")

ERR_CHAIN_BROKEN = "refusing to sign a checkpoint over a broken chain: {problem}"
ERR_BATCH_OUTSIDE_TRANSACTION = "audit_batch() belongs inside the transaction of the step it audits."
ERR_STORED_CHECKPOINT = "the latest stored checkpoint cannot be trusted: {problem}"

# What the sequencer reads of a pending entry: the canonical fields, as the database gives them back.
_PENDING_FIELDS = ("id", *CONTENT_FIELDS)
_UPDATE_CHUNK = 1000


class ChainBroken(Exception):
    def __init__(self, message: str, verification: ChainVerification | None = None):
        super().__init__(message)
        self.verification = verification


HMAC_PREFIX = "hmac:"


def audit_hash_identifier(value: str) -> str:
    """A keyed hash of a piece of personal data (phone number, IP address, username).

    The audit trail names personal data only this way: equal values give equal hashes, so an
    auditor can correlate entries, but the value itself cannot be read back or guessed offline.
    """
    digest = hmac.new(settings.AUDIT_HMAC_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"{HMAC_PREFIX}{digest[:32]}"


def audit_chain_head_locked() -> tuple[int, str]:
    """Take the chain lock, held until the transaction ends, and return where the chain goes on
    from: the last chained entry's (seq, hash), or (0, genesis) for an empty chain."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    # SQLite: settings open every transaction with BEGIN IMMEDIATE, so this transaction already
    # holds the database's write lock; the unique ``seq`` refuses a fork on any backend.
    last = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", "entry_hash").first()
    return (last[0], last[1]) if last else (0, GENESIS_HASH)


def _role_of(actor, role: str | None) -> str:
    if role is not None:
        return role
    if actor is None:
        return "system"
    if not getattr(actor, "is_authenticated", False):
        return "anonymous"
    return primary_role(actor)


def audit_record(
    *,
    action: str,
    actor=None,
    role: str | None = None,
    obj: models.Model | None = None,
    request_ref: str = "",
    details: dict | None = None,
) -> AuditEntry:
    """Write one entry inside the caller's transaction (or queue it, in an ``audit_batch``).

    The entry is written *pending*: it commits or rolls back with the caller's work, and takes no
    lock. The sequencer gives it its place in the chain after the commit (``audit_sequence``).
    ``details`` must hold no raw personal data: pass identifiers through ``audit_hash_identifier``.
    """
    details = details or {}
    check_details(details)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    entry = AuditEntry(
        actor_id=actor.pk if authenticated else None,
        actor_username=actor.get_username() if authenticated else "",
        role=_role_of(actor, role),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        request_ref=request_ref,
        # What is hashed must be exactly what the database gives back (tuples become lists, etc.).
        details=orjson.loads(orjson.dumps(details)),
    )
    batch = _open_batch()
    if batch is not None:
        batch.queue(entry)
    else:
        _append([entry])
    return entry


def _append(entries: list[AuditEntry]) -> None:
    """Insert the entries pending, and have them chained once the caller's transaction commits."""
    if not entries:
        return
    now = timezone.now()
    for entry in entries:
        entry.created_at = now
    if connection.vendor == "postgresql":
        _insert_pending(entries)
    else:
        AuditEntry.objects.bulk_create(entries)
    if settings.AUDIT_SEQUENCE_AFTER_COMMIT:
        _sequence_after_commit()


_INSERT_PENDING = (
    "INSERT INTO audit_auditentry (created_at, actor_id, actor_username, role, action, object_type, object_id,"
    " request_ref, details, prev_hash, entry_hash) VALUES %s RETURNING id"
)


def _insert_pending(entries: list[AuditEntry]) -> None:
    """The hot path of every audited action, as one plain statement (no ORM compilation)."""
    rows = [
        (
            entry.created_at,
            entry.actor_id,
            entry.actor_username,
            entry.role,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.request_ref,
            orjson.dumps(entry.details).decode(),
        )
        for entry in entries
    ]
    template = "(%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, '', '')"
    with connection.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(_INSERT_PENDING % template, rows[0])
            ids = cursor.fetchall()
        else:
            ids = execute_values(
                cursor.cursor, _INSERT_PENDING, rows, template=template, page_size=len(rows), fetch=True
            )
    for entry, (pk,) in zip(entries, ids, strict=True):
        entry.id = entry.pk = pk
        entry.prev_hash = entry.entry_hash = ""
        entry._state.adding, entry._state.db = False, connection.alias


def _sequence_after_commit() -> None:
    """One sequencing pass after the commit, registered once per transaction."""
    if connection.in_atomic_block and any(item[1] is _after_commit_pass for item in connection.run_on_commit):
        return
    transaction.on_commit(_after_commit_pass, robust=True)


def _after_commit_pass() -> None:
    audit_sequencer_tick(wait=False)


def _pending_rows(limit: int) -> list[tuple]:
    queryset = (
        AuditEntry.objects.filter(seq__isnull=True)
        .order_by("id")
        .annotate(details_text=Cast("details", TextField()), created_text=created_at_text())
        .values_list(*_PENDING_FIELDS)
    )
    return list(queryset[:limit])


def _write_places(places: list[tuple[int, int, str, str]]) -> None:
    """Give pending entries their (id, seq, prev_hash, entry_hash), a chunk per statement."""
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            # Declares this transaction the sequencer to the statement trigger (the row trigger
            # still refuses anything but giving a pending row its place), for these statements
            # only: a pass run inside a caller's transaction must not leave the guard down.
            cursor.execute("SET LOCAL lawreq.audit_sequencer = 'on'")
        for start in range(0, len(places), _UPDATE_CHUNK):
            _apply_chunk(cursor, places[start : start + _UPDATE_CHUNK])
        if postgresql:
            cursor.execute("SET LOCAL lawreq.audit_sequencer = 'off'")


def _apply_chunk(cursor, chunk: list[tuple[int, int, str, str]]) -> None:
    if connection.vendor == "postgresql":
        execute_values(
            cursor.cursor,
            "UPDATE audit_auditentry AS e SET seq = v.seq, prev_hash = v.prev_hash, entry_hash = v.entry_hash "
            "FROM (VALUES %s) AS v(id, seq, prev_hash, entry_hash) WHERE e.id = v.id",
            chunk,
            template="(%s::bigint, %s::bigint, %s, %s)",
            page_size=len(chunk),
        )
    else:
        cursor.executemany(
            "UPDATE audit_auditentry SET seq = %s, prev_hash = %s, entry_hash = %s WHERE id = %s",
            [(seq, prev, digest, pk) for pk, seq, prev, digest in chunk],
        )


def _chain_lock_try() -> bool:
    """The chain lock if it is free (PostgreSQL), held until the transaction ends."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        return cursor.fetchone()[0]


def _integrate_batch(limit: int, *, wait: bool = True) -> int | None:
    """Chain up to ``limit`` committed pending entries, in one transaction: all of them or none.
    None when ``wait`` is false and another sequencer holds the chain lock."""
    with transaction.atomic():
        if not wait and not _chain_lock_try():
            return None
        seq, previous = audit_chain_head_locked()
        rows = _pending_rows(limit)
        places = []
        for pk, created, actor_id, username, role, action, object_type, object_id, ref, details in rows:
            seq += 1
            digest = entry_hash(
                seq=seq,
                created_at=created if isinstance(created, str) else format_timestamp(created),
                actor_id=actor_id,
                actor_username=username,
                role=role,
                action=action,
                object_type=object_type,
                object_id=object_id,
                request_ref=ref,
                details=orjson.loads(details) if isinstance(details, str) else details,
                prev_hash=previous,
            )
            places.append((pk, seq, previous, digest))
            previous = digest
        if places:
            _write_places(places)
    return len(places)


def audit_sequence(*, batch_size: int | None = None, wait: bool = True) -> int:
    """Chain every committed pending entry (and the caller's own), in batches; the number chained.

    Each batch is one transaction under the chain lock, so sequencers never fork the chain and a
    crash leaves a batch either chained or pending, never half. Readers of the chain call it first.

    ``wait=False`` (the pass after a writer's commit) leaves the work to a sequencer already
    holding the lock instead of queueing behind it. Nothing is stranded: a sequencer that took the
    lock looks for pending entries again after releasing it, so an entry committed while it held
    the lock is chained by it, or by its own writer, who then finds the lock free.
    (Entries of transactions still open are invisible here, and wait for the pass after their commit.)
    """
    limit = batch_size or settings.AUDIT_SEQUENCER_BATCH
    total = 0
    while True:
        added = _integrate_batch(limit, wait=wait)
        if added is None:
            return total
        total += added
        if added < limit and not _pending_exists():
            return total


def _pending_exists() -> bool:
    return AuditEntry.objects.filter(seq__isnull=True).exists()


def audit_pending_count() -> int:
    return AuditEntry.objects.filter(seq__isnull=True).count()


_refused_at: list[float] = []


def audit_sequencer_tick(*, wait: bool = True) -> int:
    """What the sequencer does each time it wakes: chain the pending entries, then sign and export
    a checkpoint when one is due. Returns the number of entries chained.

    A refused checkpoint (a broken chain, an untrusted previous checkpoint) is logged as critical
    and not retried by this process before ``AUDIT_CHECKPOINT_SECONDS``: every commit must not pay
    for a whole verification that is bound to fail again.
    """
    added = audit_sequence(wait=wait)
    if _refused_at and time.monotonic() - _refused_at[-1] < settings.AUDIT_CHECKPOINT_SECONDS:
        return added
    try:
        audit_checkpoint_create_if_due()
    except ChainBroken as exc:
        _refused_at[:] = [time.monotonic()]
        logger.critical("audit checkpoint refused: %s", exc)
    return added


class _Batch:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def queue(self, entry: AuditEntry) -> None:
        self.entries.append(entry)


_batches = threading.local()


def _open_batch() -> _Batch | None:
    return getattr(_batches, "current", None)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Within the block, ``audit_record`` queues its entries; at the block's end they are written
    together, in one statement.

    Use it inside the step's transaction, and let errors propagate out of it: an error discards the
    queued entries along with the transaction, but one caught inside the block would not take back
    the entries queued before it. Nested batches join the outer one.
    """
    if not connection.in_atomic_block:
        raise RuntimeError(ERR_BATCH_OUTSIDE_TRANSACTION)
    if _open_batch() is not None:
        yield
        return
    batch = _Batch()
    _batches.current = batch
    try:
        yield
    finally:
        _batches.current = None
    if not transaction.get_rollback():  # a step that undoes its work leaves nothing to record
        _append(batch.entries)


def audit_login_succeeded(
    *, user, ip_address: str = "", method: str = "token", second_factor: bool = False
) -> AuditEntry:
    details = {"method": method, "second_factor": second_factor}
    if ip_address:
        details["ip_hash"] = audit_hash_identifier(ip_address)
    return audit_record(action=AuditAction.LOGIN_SUCCEEDED, actor=user, obj=user, details=details)


def audit_login_failed(
    *, username: str, ip_address: str = "", reason: str = "bad_credentials", throttled: bool = False
) -> AuditEntry:
    """A failed or throttled login. The typed username may be anything (even a password): hashed."""
    details = {"reason": reason, "username_hash": audit_hash_identifier(username.strip().lower())}
    if ip_address:
        details["ip_hash"] = audit_hash_identifier(ip_address)
    action = AuditAction.LOGIN_THROTTLED if throttled else AuditAction.LOGIN_FAILED
    return audit_record(action=action, actor=None, role="anonymous", details=details)


def audit_permission_denied(
    *, actor, resource: str, obj: models.Model | None = None, request_ref: str = "", reason: str = ""
) -> AuditEntry:
    """Record a refused access to personal data (answered 403 or 404 alike).

    Call it where the refusal is decided but outside any transaction that the refusal rolls back
    (in the view, before raising), or the entry is rolled back with it.
    """
    details = {"resource": resource}
    if reason:
        details["reason"] = reason
    return audit_record(
        action=AuditAction.PERMISSION_DENIED, actor=actor, obj=obj, request_ref=request_ref, details=details
    )


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only (0600) in a folder only its owner enters (0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # created 0600
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def latest_stored_checkpoint() -> Checkpoint | None:
    """The most recent checkpoint kept in the database, its signature checked."""
    stored = AuditCheckpoint.objects.order_by("-tree_size", "-id").first()
    if stored is None:
        return None
    return checkpoint_parse(stored.document, trusted_key=checkpoint_signing_key().public_key())


def audit_checkpoint_create(*, actor=None, trust_previous: bool = True) -> AuditCheckpoint:
    """Chain what is pending, verify the chain, then sign its size, head and Merkle root, have the
    signature time-stamped (RFC 3161, when ``AUDIT_TSA_URL`` is set) and export the file.

    The whole chain is verified (against the previous checkpoint too), so a checkpoint never
    vouches for history that was already rewritten.
    """
    private_key = checkpoint_signing_key()
    previous = None
    if trust_previous:
        try:
            previous = latest_stored_checkpoint()
        except CheckpointInvalid as exc:
            raise ChainBroken(ERR_STORED_CHECKPOINT.format(problem=exc))
    audit_sequence()
    size = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", flat=True).first() or 0
    max_anchors = getattr(settings, "AUDIT_CHECKPOINT_ANCHORS", DEFAULT_MAX_ANCHORS)
    interval = anchor_interval_for(size, max_anchors)
    result = verify_chain_rows(
        stream_chain_rows(upto=size), checkpoint=previous, check_root=True, build_upto=size, build_interval=interval
    )
    if not result.ok:
        raise ChainBroken(ERR_CHAIN_BROKEN.format(problem=result.problem), result)
    now = timezone.now()
    signed = checkpoint_sign(
        log=f"lawreq audit log, {settings.LAWREQ_PLATFORM_NAME}",
        tree_size=size,
        head_hash=result.head_hash,
        merkle_root=result.merkle_root,
        created_at=format_timestamp(now),
        anchor_interval=interval,
        anchors=result.anchors,
        private_key=private_key,
    )
    directory = Path(settings.AUDIT_CHECKPOINT_DIR)
    file_name = checkpoint_file_name(size, now)
    document = signed.to_json()
    try:
        token = checkpoint_timestamp(document.encode())
    except Exception:  # an unreachable authority must not stop checkpoints: signed, exported, untimed
        logger.exception("the time-stamping authority did not answer; checkpoint over %s entries untimed", size)
        token = b""
    _write_atomically(directory / file_name, document.encode())
    if token:
        _write_atomically(directory / timestamp_file_name(file_name), token)
    _write_atomically(directory / PUBLIC_KEY_FILE, public_key_pem(private_key.public_key()))
    with transaction.atomic():
        stored = AuditCheckpoint.objects.create(
            tree_size=size,
            head_hash=signed.head_hash,
            merkle_root=signed.merkle_root,
            key_id=signed.key_id,
            created_at=now,
            document=document,
            file_name=file_name,
            timestamp_token=base64.b64encode(token).decode() if token else "",
        )
        audit_record(
            action=AuditAction.AUDIT_CHECKPOINT,
            actor=actor,
            obj=stored,
            details={
                "tree_size": size,
                "merkle_root": signed.merkle_root,
                "key_id": signed.key_id,
                "timestamped": bool(token),
            },
        )
    logger.info("audit checkpoint signed over %s entries", size)
    return stored


# The newest checkpoint (or, before the first, the first entry) this process found too young: no
# checkpoint is due before it is AUDIT_CHECKPOINT_SECONDS old, so the pass after every commit does
# not ask the database again until then.
_checkpoint_interval_from: list[datetime] = []


def audit_checkpoint_schedule_forget() -> None:
    """Forget when the next checkpoint is due (the database changed under this process: a test's
    rollback, a restore)."""
    _checkpoint_interval_from.clear()


def audit_checkpoint_due() -> bool:
    """Entries other than checkpoint entries were chained since the last checkpoint, and it is at
    least ``AUDIT_CHECKPOINT_SECONDS`` old (without one: the first entry is that old)."""
    now = timezone.now()
    interval = timedelta(seconds=settings.AUDIT_CHECKPOINT_SECONDS)
    if _checkpoint_interval_from and _checkpoint_interval_from[0] > now - interval:
        return False
    chained = AuditEntry.objects.filter(seq__isnull=False)
    latest = AuditCheckpoint.objects.order_by("-tree_size", "-id").values_list("tree_size", "created_at").first()
    if latest is None:
        created_at = chained.filter(seq=1).values_list("created_at", flat=True).first()
        if created_at is None:
            return False
    else:
        size, created_at = latest
    if created_at > now - interval:
        _checkpoint_interval_from[:] = [created_at]
        return False
    if latest is None:
        return True
    # Walked in seq order (the unique index): an unordered exists() scans the table from the start.
    since = chained.filter(seq__gt=size).exclude(action=AuditAction.AUDIT_CHECKPOINT).order_by("seq")
    return since.values_list("seq", flat=True).first() is not None


def audit_checkpoint_create_if_due() -> AuditCheckpoint | None:
    """The periodic checkpoint, by the sequencer and the beat; one signer at a time, others skip."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [CHECKPOINT_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    return None
            return audit_checkpoint_create() if audit_checkpoint_due() else None
    return audit_checkpoint_create() if audit_checkpoint_due() else None
