"""The response clock: it stops while the officer is asked for information and starts again when
they resubmit, the deadline moving later by the time it stood still. Each pause and resume is in the
audit trail with the deadline before and after, so the SLA report can be recounted from the trail."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_record
from requests_app.models import LegalRequest


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment else None


def clock_pause(*, legal_request: LegalRequest, actor=None) -> bool:
    """Stop the request's clock (it has a deadline and runs); returns whether it was stopped now."""
    with transaction.atomic():
        locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
        if locked.due_at is None or locked.clock_paused_at is not None:
            return False
        locked.clock_paused_at = timezone.now()
        locked.save(update_fields=["clock_paused_at", "updated_at"])
        audit_record(
            action=AuditAction.CLOCK_PAUSED,
            actor=actor,
            obj=locked,
            request_ref=locked.ref,
            details={"due_at": _iso(locked.due_at), "paused_at": _iso(locked.clock_paused_at)},
        )
    legal_request.refresh_from_db()
    return True


def clock_resume(*, legal_request: LegalRequest, actor=None) -> bool:
    """Start a stopped clock again: the deadline moves later by the pause. Returns whether it ran again now."""
    with transaction.atomic():
        locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
        if locked.clock_paused_at is None:
            return False
        now = timezone.now()
        paused = max(now - locked.clock_paused_at, dt.timedelta(0))
        old_due = locked.due_at
        locked.due_at = old_due + paused
        locked.clock_paused_seconds += int(paused.total_seconds())
        locked.clock_paused_at = None
        locked.save(update_fields=["due_at", "clock_paused_at", "clock_paused_seconds", "updated_at"])
        audit_record(
            action=AuditAction.CLOCK_RESUMED,
            actor=actor,
            obj=locked,
            request_ref=locked.ref,
            details={
                "old_due_at": _iso(old_due),
                "new_due_at": _iso(locked.due_at),
                "paused_seconds": int(paused.total_seconds()),
            },
        )
    legal_request.refresh_from_db()
    return True


def time_allowed(legal_request: LegalRequest) -> dt.timedelta | None:
    """The running time the rules allow: from receipt to the deadline, pauses not counted."""
    if legal_request.received_at is None or legal_request.due_at is None:
        return None
    return legal_request.due_at - legal_request.received_at - dt.timedelta(seconds=legal_request.clock_paused_seconds)


def fraction_reached_at(legal_request: LegalRequest, fraction: float) -> dt.datetime | None:
    """When ``fraction`` of the allowed time will have run (pauses so far taken into account)."""
    allowed = time_allowed(legal_request)
    if allowed is None:
        return None
    return legal_request.due_at - allowed * (1 - fraction)
