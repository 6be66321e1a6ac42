"""Write services of the audit trail: appending entries and signing checkpoints."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.canonical import GENESIS_HASH, check_details, format_timestamp
from audit.checkpoints import (
    DEFAULT_MAX_ANCHORS,
    Checkpoint,
    CheckpointInvalid,
    anchor_interval_for,
    checkpoint_parse,
    checkpoint_sign,
)
from audit.keys import checkpoint_signing_key, public_key_pem
from audit.models import AuditCheckpoint, AuditEntry
from audit.verification import ChainVerification, audit_chain_verify, stream_chain_rows, verify_chain_rows
from lawreq.roles import primary_role

__all__ = [
    "ChainBroken",
    "ChainVerification",
    "audit_chain_verify",
    "audit_batch",
    "audit_checkpoint_create",
    "audit_checkpoint_create_if_due",
    "audit_hash_identifier",
    "audit_login_failed",
    "audit_login_succeeded",
    "audit_permission_denied",
    "audit_record",
]

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key: "lawreq-a" as a signed 64-bit integer. Every append takes it, so
# the next sequence number and previous hash are read by one writer at a time: no fork.
CHAIN_LOCK_KEY = int.from_bytes(b"lawreq-a", "big")

ERR_CHAIN_BROKEN = "refusing to sign a checkpoint over a broken chain: {problem}"
ERR_BATCH_OUTSIDE_TRANSACTION = "audit_batch() belongs inside the transaction of the step it audits."
ERR_STORED_CHECKPOINT = "the latest stored checkpoint cannot be trusted: {problem}"


class ChainBroken(Exception):
    def __init__(self, message: str, verification: ChainVerification | None = None):
        super().__init__(message)
        self.verification = verification


def audit_hash_identifier(value: str) -> str:
    """A keyed hash of a piece of personal data (phone number, IP address, username).

    The audit trail names personal data only this way: equal values give equal hashes, so an
    auditor can correlate entries, but the value itself cannot be read back or guessed offline.
    """
    digest = hmac.new(settings.AUDIT_HMAC_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"hmac:{digest[:32]}"


def audit_chain_head_locked() -> tuple[int, str]:
    """Take the chain lock, held until the transaction ends, and return where the chain goes on
    from: the last entry's (seq, hash), or (0, genesis) for an empty trail."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    # SQLite: settings open every transaction with BEGIN IMMEDIATE, so this writer already holds
    # the database's write lock; the unique ``seq`` refuses a fork on any other backend.
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
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
    """Append one entry to the chain, inside the caller's transaction (or queue it, in an ``audit_batch``).

    ``details`` must hold no raw personal data: pass identifiers through ``audit_hash_identifier``.
    The chain lock is held until the caller's transaction ends, so call this as late in the
    transaction as the business logic allows, or wrap a step's work in ``audit_batch``.
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
    """Chain and insert the entries under one hold of the chain lock."""
    if not entries:
        return
    with transaction.atomic(savepoint=False):
        seq, prev_hash = audit_chain_head_locked()
        now = timezone.now()
        for entry in entries:
            seq += 1
            entry.seq, entry.created_at, entry.prev_hash = seq, now, prev_hash
            entry.entry_hash = prev_hash = entry.compute_hash()
        AuditEntry.objects.bulk_create(entries)


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
    """Within the block, ``audit_record`` queues its entries; at the block's end they are appended
    together, under one hold of the chain lock.

    A step that freezes, seals or resolves first and audits last holds the lock, which every audited
    action of every process waits on, only from its appends to its commit. Use it inside the step's
    transaction, and let errors propagate out of it: an error discards the queued entries along with
    the transaction, but one caught inside the block would not take back the entries queued before
    it. Nested batches join the outer one.
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
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def latest_stored_checkpoint() -> Checkpoint | None:
    """The most recent checkpoint kept in the database, its signature checked."""
    stored = AuditCheckpoint.objects.order_by("-tree_size", "-id").first()
    if stored is None:
        return None
    return checkpoint_parse(stored.document, trusted_key=checkpoint_signing_key().public_key())


def audit_checkpoint_create(*, actor=None, trust_previous: bool = True) -> AuditCheckpoint:
    """Verify the chain, then sign its size, head and Merkle root and export the file.

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
    size = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
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
    file_name = f"audit-checkpoint-{size:012d}-{now:%Y%m%dT%H%M%S%fZ}.json"
    document = signed.to_json()
    _write_atomically(directory / file_name, document.encode())
    _write_atomically(directory / "audit-checkpoint-public-key.pem", public_key_pem(private_key.public_key()))
    with transaction.atomic():
        stored = AuditCheckpoint.objects.create(
            tree_size=size,
            head_hash=signed.head_hash,
            merkle_root=signed.merkle_root,
            key_id=signed.key_id,
            created_at=now,
            document=document,
            file_name=file_name,
        )
        audit_record(
            action=AuditAction.AUDIT_CHECKPOINT,
            actor=actor,
            obj=stored,
            details={"tree_size": size, "merkle_root": signed.merkle_root, "key_id": signed.key_id},
        )
    logger.info("audit checkpoint signed over %s entries", size)
    return stored


def audit_checkpoint_create_if_due() -> AuditCheckpoint | None:
    """The periodic checkpoint: skipped when nothing but checkpoint entries was appended since."""
    latest = AuditCheckpoint.objects.order_by("-tree_size", "-id").first()
    if latest is not None:
        since = AuditEntry.objects.filter(seq__gt=latest.tree_size).exclude(action=AuditAction.AUDIT_CHECKPOINT)
        if not since.exists():
            return None
    return audit_checkpoint_create()
