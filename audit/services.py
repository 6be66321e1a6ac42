from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from audit.canonical import GENESIS_HASH, check_details
from audit.models import AuditChainHead, AuditEntry
from lawreq.roles import primary_role


def audit_hash_identifier(value: str) -> str:
    """A keyed hash of a piece of personal data (phone number, IP address, username).

    The audit trail names personal data only this way: equal values give equal hashes, so an
    auditor can correlate entries, but the value itself cannot be read back or guessed offline.
    """
    digest = hmac.new(settings.AUDIT_HMAC_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"hmac:{digest[:32]}"


def audit_record(
    *,
    action: str,
    actor=None,
    role: str | None = None,
    obj: models.Model | None = None,
    request_ref: str = "",
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction.

    ``details`` must hold no raw personal data: pass identifiers through ``audit_hash_identifier``.
    """
    details = details or {}
    check_details(details)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().get(id=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            created_at=timezone.now(),
            actor_id=actor.pk if authenticated else None,
            actor_username=actor.get_username() if authenticated else "",
            role=role if role is not None else (primary_role(actor) if authenticated else "system"),
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            request_ref=request_ref,
            details=details,
            prev_hash=head.entry_hash,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
        AuditChainHead.objects.filter(id=1).update(seq=entry.seq, entry_hash=entry.entry_hash)
    return entry


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    entries_checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def iter_chain(chunk_size: int = 5000) -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size)


def audit_chain_verify(entries: Iterator[AuditEntry] | None = None, *, progress=None) -> ChainVerification:
    """Recompute the chain from the genesis; name the first entry that does not fit."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for entry in entries if entries is not None else iter_chain():
        if entry.seq != expected_seq:
            problem = f"sequence gap: expected #{expected_seq}, found #{entry.seq}"
            return ChainVerification(False, checked, expected_seq, problem)
        if entry.prev_hash != prev_hash:
            return ChainVerification(False, checked, entry.seq, "previous hash does not match the chain")
        if entry.compute_hash() != entry.entry_hash:
            return ChainVerification(False, checked, entry.seq, "entry content does not match its hash")
        prev_hash, expected_seq, checked = entry.entry_hash, expected_seq + 1, checked + 1
        if progress is not None:
            progress(1)
    head = AuditChainHead.objects.filter(id=1).first()
    if entries is None and head is not None and (head.seq != checked or head.entry_hash != prev_hash):
        problem = f"chain ends at #{checked} but the head records #{head.seq}"
        return ChainVerification(False, checked, checked + 1, problem)
    return ChainVerification(True, checked)
