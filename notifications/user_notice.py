"""Notice to the users whose data was disclosed, and the orders and rules that withhold it.

After a response that disclosed data, ``user_notice_schedule`` decides: notice is ``pending`` (due
now), ``withheld`` by a non-disclosure order (due when it lapses) or by the rules (for good, the
rule's citation recorded), or ``not_required`` (nothing was disclosed). ``user_notices_send`` (beat)
gives every notice that is due, each exactly once: the request row is claimed with a conditional
update before the notifier runs, in one transaction.

The notifier is pluggable (``LAWREQ_USER_NOTIFIER``, a dotted path): ``LogNotifier`` logs the
request's reference and an opaque id, never personal data; ``EmailNotifier`` e-mails the account's
address when the platform's records have one.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from audit.actions import AuditAction
from audit.services import audit_hash_identifier, audit_record
from requests_app.choices import Outcome, UserNoticeStatus
from requests_app.models import LegalRequest
from rules.selectors import user_notice_rule
from subscribers.models import Account

logger = logging.getLogger(__name__)

REASON_ORDER = "A non-disclosure order bars notice until {until}."
REASON_RULE = "The rules give no notice for this request: {rule} ({citation})."
REASON_EMERGENCY = (
    "An emergency disclosure: notice is withheld until {until} (LAWREQ_EMERGENCY_NOTICE_DELAY_DAYS, {days} days), "
    "so that telling the user does not endanger the person at risk nor the investigation."
)
DISCLOSED = (Outcome.DISCLOSED, Outcome.PARTIALLY_DISCLOSED)

NOTICE_SUBJECT = "{platform}: a request for your account's data was answered"
NOTICE_BODY = (
    "A law-enforcement authority requested data about your {platform} account. After a legal review, "
    "we answered the request on {date} (our reference {ref}).\n\n"
    "We tell you because the law allows it. We cannot give you the authority's documents; you may ask "
    "the authority about its procedure.\n"
)


class UserNotifier(Protocol):
    def notify(self, *, ref: str, notice_id: str, account_id: str, responded_at: dt.datetime) -> None:
        """Tell the user of account ``account_id`` that request ``ref`` was answered with their data."""


class LogNotifier:
    """For a platform that sends notices itself: the log names the reference and an opaque id only."""

    def notify(self, *, ref: str, notice_id: str, account_id: str, responded_at: dt.datetime) -> None:
        logger.info("user notice due: request %s, notice %s", ref, notice_id)


class EmailNotifier:
    """E-mails the account's address, when the platform's records hold one."""

    def notify(self, *, ref: str, notice_id: str, account_id: str, responded_at: dt.datetime) -> None:
        email = Account.objects.filter(account_id=account_id).values_list("email", flat=True).first()
        if not email:
            logger.info("user notice %s of request %s: the account has no e-mail address", notice_id, ref)
            return
        platform = settings.LAWREQ_PLATFORM_NAME
        send_mail(
            NOTICE_SUBJECT.format(platform=platform),
            NOTICE_BODY.format(platform=platform, date=f"{responded_at:%Y-%m-%d}", ref=ref),
            None,
            [email],
        )


def user_notifier() -> UserNotifier:
    return import_string(settings.LAWREQ_USER_NOTIFIER)()


def _order_lapses_at(until: dt.date) -> dt.datetime:
    """An order "until" a day bars notice through that day (UTC): notice is due the day after."""
    return dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


@transaction.atomic
def user_notice_schedule(*, legal_request: LegalRequest) -> LegalRequest:
    """Decide, once the request is answered, whether and when the affected users are told; audited.
    Called after the response is issued; a second call changes nothing."""
    locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
    if locked.user_notice_status != UserNoticeStatus.PENDING or locked.user_notice_due_at is not None:
        return locked
    now = timezone.now()
    status, due_at, reason, withheld_by = UserNoticeStatus.PENDING, now, "", None
    if locked.outcome not in DISCLOSED:
        status, due_at = UserNoticeStatus.NOT_REQUIRED, None
    else:
        rule = user_notice_rule(legal_request=locked)
        if not rule.given:
            status, due_at = UserNoticeStatus.WITHHELD, None
            reason, withheld_by = REASON_RULE.format(rule=rule.rule, citation=rule.citation), "rule"
        else:
            # Withheld until the latest of what bars it for a time: an order, an emergency's delay.
            for until, why, by in _temporary_bars(locked, now):
                if until > due_at:
                    status, due_at, reason, withheld_by = UserNoticeStatus.WITHHELD, until, why, by
    locked.user_notice_status, locked.user_notice_due_at, locked.user_notice_reason = status, due_at, reason
    locked.save(update_fields=["user_notice_status", "user_notice_due_at", "user_notice_reason", "updated_at"])
    audit_record(
        action=AuditAction.USER_NOTICE_SCHEDULED,
        obj=locked,
        request_ref=locked.ref,
        details={
            "status": status,
            "due_at": due_at.isoformat() if due_at else None,
            "withheld_by": withheld_by,
        },
    )
    return locked


def _temporary_bars(legal_request: LegalRequest, now: dt.datetime) -> list[tuple[dt.datetime, str, str]]:
    """What withholds notice for a time: (until, reason, by)."""
    bars = []
    if legal_request.nondisclosure_until is not None:
        until = _order_lapses_at(legal_request.nondisclosure_until)
        bars.append((until, REASON_ORDER.format(until=legal_request.nondisclosure_until.isoformat()), "order"))
    days = settings.LAWREQ_EMERGENCY_NOTICE_DELAY_DAYS
    if legal_request.is_emergency and days > 0:
        until = (legal_request.responded_at or now) + dt.timedelta(days=days)
        bars.append((until, REASON_EMERGENCY.format(until=f"{until:%Y-%m-%d}", days=days), "emergency"))
    return bars


def _due(now: dt.datetime):
    """Notices due now: pending ones, and those withheld for a time (an order, an emergency) that has
    lapsed; notice the rules withhold has no due time and is never given."""
    return LegalRequest.objects.filter(
        Q(user_notice_status=UserNoticeStatus.PENDING) | Q(user_notice_status=UserNoticeStatus.WITHHELD),
        user_notice_due_at__isnull=False,
        user_notice_due_at__lte=now,
        user_notice_sent_at__isnull=True,
    )


def _affected_accounts(legal_request: LegalRequest) -> list[str]:
    snapshot = getattr(legal_request, "disclosure_snapshot", None)
    if snapshot is None:
        return []
    entries = snapshot.targets.filter(found=True).select_related("target").order_by("target_id")
    return sorted({entry.target.account_id for entry in entries if entry.target.account_id})


def user_notice_send(*, legal_request_id: int, now: dt.datetime | None = None) -> bool:
    """Give one due notice: claim the row (a concurrent or repeated run finds it taken), tell each
    affected account, record it. False when it was not due or already given."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = (
            _due(now)
            .filter(pk=legal_request_id)
            .update(user_notice_status=UserNoticeStatus.SENT, user_notice_sent_at=now)
        )
        if not claimed:
            return False
        legal_request = LegalRequest.objects.select_related("disclosure_snapshot").get(pk=legal_request_id)
        accounts = _affected_accounts(legal_request)
        notifier = user_notifier()
        for account_id in accounts:
            notifier.notify(
                ref=legal_request.ref,
                notice_id=audit_hash_identifier(f"{legal_request.ref}:{account_id}"),
                account_id=account_id,
                responded_at=legal_request.responded_at or now,
            )
        audit_record(
            action=AuditAction.USER_NOTICE_SENT,
            obj=legal_request,
            request_ref=legal_request.ref,
            details={"accounts": len(accounts), "notifier": settings.LAWREQ_USER_NOTIFIER},
        )
    return True


def user_notices_send(*, now: dt.datetime | None = None) -> int:
    """Give every notice that is due (beat); returns how many were given."""
    now = now or timezone.now()
    return sum(
        user_notice_send(legal_request_id=pk, now=now) for pk in _due(now).order_by("pk").values_list("pk", flat=True)
    )
