"""Deadlines that remind and escalate, and the analysts' daily digest, run by Celery beat.

Each alert is a ``DeadlineAlert`` row, unique per request and kind; each digest an ``AnalystDigest``
row, unique per analyst and day. The row is written before anyone is told, in the same transaction,
so a beat that runs twice finds it and tells nobody again, and a second beat running at the same
time either skips the request another holds (``skip_locked``) or waits on the unique index and then
finds the row. A request whose clock is paused (waiting for the officer) is neither reminded nor late.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.links import public_page_url
from lawreq.roles import Role
from notifications import services, tasks
from notifications.models import AnalystDigest, DeadlineAlert, Event
from notifications.recipients import role_holders, staff_side
from requests_app.choices import ProcessType
from requests_app.deadlines import fraction_reached_at
from requests_app.models import LegalRequest
from requests_app.states import OPEN_STATES

OVERDUE = "overdue"
ENFORCING_WINDOW_ENDED = "enforcing_window"  # DeadlineAlert.kind: at most 20 characters
DIGEST_SUBJECT = "[lawreq] Your requests on {day}"
DIGEST_BODY = (
    "Open requests assigned to you ({assigned_count}):\n{assigned}\n\n"
    "Overdue requests nobody is assigned ({unassigned_count}):\n{unassigned}\n\n"
    "This e-mail carries no details of the requests: log in to lawreq to read them.\n"
)


def reminder_kind(fraction: float) -> str:
    return f"reminder:{round(fraction * 100)}"


def _running_clocks():
    return LegalRequest.objects.filter(
        state__in=OPEN_STATES, clock_paused_at__isnull=True, due_at__isnull=False, received_at__isnull=False
    )


def alerts_due(legal_request: LegalRequest, now: dt.datetime) -> list[str]:
    """The alert kinds the request has reached by ``now``, earliest first (the clock running)."""
    kinds = [
        reminder_kind(fraction)
        for fraction in settings.LAWREQ_DEADLINE_REMINDER_FRACTIONS
        if fraction_reached_at(legal_request, fraction) <= now
    ]
    if legal_request.due_at <= now:
        kinds.append(OVERDUE)
    return kinds


def deadline_alerts_send(*, now: dt.datetime | None = None) -> int:
    """Remind the legal team of deadlines approaching and escalate overdue requests to the reviewers,
    each once per request. Returns how many alerts were sent now."""
    now = now or timezone.now()
    candidates = list(
        _running_clocks()
        .exclude(pk__in=DeadlineAlert.objects.filter(kind=OVERDUE).values("legal_request"))
        .only("pk", "received_at", "due_at", "clock_paused_seconds")
    )
    recorded: dict[int, set[str]] = {}
    for legal_request_id, kind in DeadlineAlert.objects.filter(
        legal_request__in=[c.pk for c in candidates]
    ).values_list("legal_request_id", "kind"):
        recorded.setdefault(legal_request_id, set()).add(kind)
    sent = 0
    for candidate in candidates:
        pending = [kind for kind in alerts_due(candidate, now) if kind not in recorded.get(candidate.pk, set())]
        if pending:
            sent += _alert(legal_request_id=candidate.pk, kinds=pending, now=now)
    return sent + enforcing_window_alerts_send(now=now)


def _enforcing_windows_ended(now: dt.datetime):
    """Open requests whose enforcing authority's window (Regulation (EU) 2023/1543 Art. 10(2)) ended
    without a recorded decision, not yet told: the data held back may now go."""
    return (
        LegalRequest.objects.filter(
            state__in=OPEN_STATES, enforcing_window_ends_at__lte=now, enforcing_decision="", emergency=False
        )
        .exclude(process_type=ProcessType.EMERGENCY_DISCLOSURE)
        .exclude(pk__in=DeadlineAlert.objects.filter(kind=ENFORCING_WINDOW_ENDED).values("legal_request"))
    )


def enforcing_window_alerts_send(*, now: dt.datetime | None = None) -> int:
    """Tell the legal team, once per request, that the enforcing authority's window ended: the
    disclosure it held back may now be approved. Returns how many were sent now."""
    now = now or timezone.now()
    sent = 0
    for legal_request_id in _enforcing_windows_ended(now).values_list("pk", flat=True):
        with transaction.atomic():
            locked = (
                _enforcing_windows_ended(now)
                .select_for_update(skip_locked=True, of=("self",))
                .filter(pk=legal_request_id)
                .first()
            )
            if locked is None or not _record(locked, ENFORCING_WINDOW_ENDED):
                continue
            services.notify(
                event=Event.ENFORCING_WINDOW_ENDED,
                legal_request=locked,
                recipients=list(staff_side(locked)),
                occurrence=f"{ENFORCING_WINDOW_ENDED}:{locked.pk}",
            )
            audit_record(
                action=AuditAction.DEADLINE_REMINDED,
                obj=locked,
                request_ref=locked.ref,
                details={
                    "kind": ENFORCING_WINDOW_ENDED,
                    "enforcing_window_ends_at": locked.enforcing_window_ends_at.astimezone(dt.UTC).isoformat(),
                },
            )
        sent += 1
    return sent


def _alert(*, legal_request_id: int, kinds: list[str], now: dt.datetime) -> int:
    """Record the request's alerts reached and send the most advanced one (a reminder that a beat
    missed is not sent late next to the escalation that supersedes it)."""
    with transaction.atomic():
        locked = _running_clocks().select_for_update(skip_locked=True, of=("self",)).filter(pk=legal_request_id).first()
        if locked is None:
            return 0  # another beat holds it, or it moved on (paused, answered) meanwhile
        kinds = alerts_due(locked, now)  # under the lock: its deadline may have moved since the scan
        new = [kind for kind in kinds if _record(locked, kind)]
        if not new:
            return 0
        kind = new[-1]
        due_at = locked.due_at.astimezone(dt.UTC).isoformat()
        if kind == OVERDUE:
            recipients = [*role_holders(Role.REVIEWER).exclude(pk=locked.created_by_id), *staff_side(locked)]
            event, action, details = Event.DEADLINE_OVERDUE, AuditAction.DEADLINE_ESCALATED, {"due_at": due_at}
        else:
            recipients = list(staff_side(locked))
            percent = int(kind.rpartition(":")[2])
            event, action = Event.DEADLINE_REMINDER, AuditAction.DEADLINE_REMINDED
            details = {"due_at": due_at, "percent": percent}
        services.notify(event=event, legal_request=locked, recipients=recipients, occurrence=f"{kind}:{locked.pk}")
        audit_record(action=action, obj=locked, request_ref=locked.ref, details=details)
    return 1


def _record(legal_request: LegalRequest, kind: str) -> bool:
    """Whether this call recorded the alert (False: it was recorded before, by this beat or another)."""
    try:
        with transaction.atomic():
            DeadlineAlert.objects.create(legal_request=legal_request, kind=kind)
    except IntegrityError:
        return False
    return True


# The daily digest


def _detail_link(ref: str) -> str:
    return public_page_url("web:staff-detail", ref=ref)


def analyst_digests_send(*, now: dt.datetime | None = None) -> int:
    """Each analyst's digest of the day, once: their assigned open requests and the overdue ones
    nobody is assigned. An analyst with nothing to list gets none. Returns how many were recorded."""
    now = now or timezone.now()
    day = now.astimezone(dt.UTC).date()
    unassigned_overdue = list(
        _running_clocks().filter(assignee__isnull=True, due_at__lt=now).order_by("due_at").values_list("ref", flat=True)
    )
    recorded = 0
    for analyst in role_holders(Role.ANALYST).distinct().order_by("pk"):
        assigned = list(
            LegalRequest.objects.filter(assignee=analyst, state__in=OPEN_STATES)
            .order_by("due_at")
            .values_list("ref", flat=True)
        )
        own_filings = set(LegalRequest.objects.filter(created_by=analyst).values_list("ref", flat=True))
        unassigned = [ref for ref in unassigned_overdue if ref not in own_filings]
        if not assigned and not unassigned:
            continue
        try:
            with transaction.atomic():
                digest = AnalystDigest.objects.create(
                    recipient=analyst, day=day, assigned_refs=assigned, unassigned_overdue_refs=unassigned
                )
                transaction.on_commit(lambda pk=digest.pk: tasks.send_digest_email.delay(pk), robust=True)
        except IntegrityError:
            continue  # already sent today
        recorded += 1
    return recorded


def digest_email_send(*, digest_id: int) -> bool:
    """Send the digest's e-mail once (claimed before sending, released if sending fails)."""
    claimed = AnalystDigest.objects.filter(pk=digest_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    digest = AnalystDigest.objects.select_related("recipient").get(pk=digest_id)
    if not digest.recipient.email:
        return False

    def lines(refs: list[str]) -> str:
        return "\n".join(f"- {ref}: {_detail_link(ref)}" for ref in refs) or "- none"

    try:
        send_mail(
            subject=DIGEST_SUBJECT.format(day=digest.day.isoformat()),
            message=DIGEST_BODY.format(
                assigned_count=len(digest.assigned_refs),
                assigned=lines(digest.assigned_refs),
                unassigned_count=len(digest.unassigned_overdue_refs),
                unassigned=lines(digest.unassigned_overdue_refs),
            ),
            from_email=None,
            recipient_list=[digest.recipient.email],
        )
    except Exception:
        AnalystDigest.objects.filter(pk=digest_id).update(emailed_at=None)
        raise
    return True
