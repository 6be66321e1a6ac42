"""Retention: what was disclosed and what was stored goes after a configurable period, unless held.

- disclosed snapshots (``disclosure``): their sealed fields are destroyed ``LAWREQ_RETAIN_SNAPSHOTS_DAYS``
  after they were frozen (``snapshot_shred``, reason ``retention``);
- letters (``Response``): the sealed PDF's bytes go ``LAWREQ_RETAIN_LETTERS_DAYS`` after it was
  issued. The row stays, with its SHA-256 and signer, and the trail keeps ``response.issued`` with the
  same digest: a purged letter still verifies as ours (``response_verify``), it can no longer be
  downloaded (410);
- the legal documents of a closed request (sealed streams on disk): deleted from storage, not only
  marked, the same period after the request was closed; the row keeps their name and digest.

Nothing is purged while the request has a legal hold (``legal_request_legal_hold_set``) or an active
preservation hold (its own, as a preservation order, or that of the preservation it belongs to).
Each purge is audited (``retention.purged``: kind, age, digest). ``purge_expired`` runs from the
command of the same name and from beat; it first records the preservation holds that lapsed
without an extension (``preservation_holds_expire``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_batch, audit_record
from disclosure.models import DisclosureSnapshot
from disclosure.services import snapshot_shred
from letters.models import Response, ResponseStatus
from requests_app.models import LegalDocument, LegalRequest
from requests_app.states import State
from subscribers.selectors import holds_in_force
from subscribers.services import preservation_holds_expire

logger = logging.getLogger(__name__)

KIND_SNAPSHOT = "snapshot"
KIND_LETTER = "letter"
KIND_DOCUMENT = "document"
SHRED_REASON_RETENTION = "retention"
CLOSED_STATES = (State.RESPONDED, State.REJECTED, State.WITHDRAWN)


@dataclass(frozen=True)
class Expired:
    ref: str
    kind: str
    age_days: int
    object_id: int


def _held_requests(now: dt.datetime) -> QuerySet[LegalRequest]:
    """Requests nothing may be purged of: a legal hold, or an active preservation hold on the
    request or on the preservation order it belongs to."""
    preserving = holds_in_force(now=now).values("legal_request_id")
    return LegalRequest.objects.filter(
        Q(legal_hold=True) | Q(pk__in=preserving) | Q(preservation_of_id__in=preserving)
    ).values("pk")


def _age(moment: dt.datetime, now: dt.datetime) -> int:
    return (now - moment).days


def expired_items(*, now: dt.datetime | None = None) -> list[Expired]:
    """What the retention periods let go at ``now``, oldest first per kind."""
    now = now or timezone.now()
    held = _held_requests(now)
    snapshot_cutoff = now - dt.timedelta(days=settings.LAWREQ_RETAIN_SNAPSHOTS_DAYS)
    letter_cutoff = now - dt.timedelta(days=settings.LAWREQ_RETAIN_LETTERS_DAYS)
    items: list[Expired] = []
    snapshots = (
        DisclosureSnapshot.objects.filter(shredded_at__isnull=True, frozen_at__lt=snapshot_cutoff)
        .exclude(legal_request_id__in=held)
        .values_list("pk", "legal_request__ref", "frozen_at")
        .order_by("frozen_at", "pk")
    )
    items += [Expired(ref, KIND_SNAPSHOT, _age(at, now), pk) for pk, ref, at in snapshots]
    letters = (
        Response.objects.filter(status=ResponseStatus.STORED, purged_at__isnull=True, stored_at__lt=letter_cutoff)
        .exclude(legal_request_id__in=held)
        .values_list("pk", "legal_request__ref", "stored_at")
        .order_by("stored_at", "pk")
    )
    items += [Expired(ref, KIND_LETTER, _age(at, now), pk) for pk, ref, at in letters]
    documents = (
        LegalDocument.objects.annotate(closed_at=Coalesce("legal_request__responded_at", "legal_request__updated_at"))
        .filter(purged_at__isnull=True, legal_request__state__in=CLOSED_STATES, closed_at__lt=letter_cutoff)
        .exclude(legal_request_id__in=held)
        .values_list("pk", "legal_request__ref", "closed_at")
        .order_by("closed_at", "pk")
    )
    items += [Expired(ref, KIND_DOCUMENT, _age(at, now), pk) for pk, ref, at in documents]
    return items


def purge_expired(*, now: dt.datetime | None = None, dry_run: bool = False, actor=None) -> list[Expired]:
    """Purge what ``expired_items`` lists (or only list it, ``dry_run``); each item in its own
    transaction, checked again under a row lock, so a hold placed meanwhile wins. Returns what went."""
    now = now or timezone.now()
    items = expired_items(now=now)
    if dry_run:
        return items
    preservation_holds_expire(now=now)
    purged = [item for item in items if _purge_one(item, now=now, actor=actor)]
    _sweep_deleted_documents()
    return purged


def _purge_one(item: Expired, *, now: dt.datetime, actor) -> bool:
    with transaction.atomic(), audit_batch():
        legal_request = LegalRequest.objects.select_for_update().get(ref=item.ref)
        if _held_requests(now).filter(pk=legal_request.pk).exists():
            return False
        details: dict = {"kind": item.kind, "age_days": item.age_days}
        if item.kind == KIND_SNAPSHOT:
            snapshot = snapshot_shred(legal_request=legal_request, actor=actor, reason=SHRED_REASON_RETENTION)
            details["snapshot_id"] = snapshot.pk if snapshot else None
        elif item.kind == KIND_LETTER:
            response = Response.objects.select_for_update().get(pk=item.object_id)
            if response.purged_at is not None:
                return False
            # The bytes go; the digest and the signer stay, for verification.
            Response.objects.filter(pk=response.pk).update(pdf_sealed=b"", purged_at=now)
            details.update(response_id=response.pk, sha256=response.sha256)
        else:
            document = LegalDocument.objects.select_for_update().get(pk=item.object_id)
            if document.purged_at is not None:
                return False
            LegalDocument.objects.filter(pk=document.pk).update(purged_at=now)
            name = document.file.name
            transaction.on_commit(lambda: _delete_file(name))
            details.update(document_id=document.pk, sha256=document.sha256)
        audit_record(
            action=AuditAction.RETENTION_PURGED,
            actor=actor,
            obj=legal_request,
            request_ref=legal_request.ref,
            details=details,
        )
    return True


def _delete_file(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def _sweep_deleted_documents() -> None:
    """Files of purged documents still on disk (a worker lost between the commit and the deletion)."""
    for name in LegalDocument.objects.filter(purged_at__isnull=False).values_list("file", flat=True):
        _delete_file(name)
