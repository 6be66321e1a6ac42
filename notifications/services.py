"""Write services of notifications: record them (once per event and recipient), mark them read,
and send their e-mails after commit.

An e-mail names the request's reference, the event and a link, nothing else: no personal data, no
internal text, whatever the event. The reader logs in to see more."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from lawreq.errors import NotFound
from lawreq.links import public_url
from lawreq.roles import is_legal_staff
from notifications import tasks
from notifications.models import Event, Notification
from notifications.recipients import officer_deciders
from requests_app.models import LegalRequest, Officer

ERR_NOT_FOUND = "No such notification."
OFFICERS_SUBJECT = "officers"

EMAIL_SUBJECT = "[lawreq] {ref}: {event}"
EMAIL_BODY = (
    "{event}.\n\n"
    "Request: {ref}\n"
    "Open it: {link}\n\n"
    "This e-mail carries no details of the request: log in to lawreq to read them.\n"
)


@transaction.atomic
def notify(
    *,
    event: Event,
    legal_request: LegalRequest | None,
    recipients: Iterable,
    occurrence: str,
    actor=None,
    officer: Officer | None = None,
) -> list[int]:
    """Tell ``recipients`` (except ``actor``, who knows) of ``event``; the e-mails go after commit.

    ``occurrence`` names what happened; notifying the same occurrence again changes nothing and
    sends nothing. Returns the ids of the notifications recorded now."""
    recipient_ids = sorted({user.pk for user in recipients} - ({actor.pk} if actor is not None else set()))
    if not recipient_ids:
        return []
    already = set(
        Notification.objects.filter(event=event, occurrence=occurrence, recipient_id__in=recipient_ids).values_list(
            "recipient_id", flat=True
        )
    )
    # ignore_conflicts: a concurrent run that recorded the same one first wins, and this one sends nothing.
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk, event=event, legal_request=legal_request, officer=officer, occurrence=occurrence
            )
            for pk in recipient_ids
            if pk not in already
        ],
        ignore_conflicts=True,
    )
    new_ids = list(
        Notification.objects.filter(
            event=event, occurrence=occurrence, recipient_id__in=set(recipient_ids) - already, emailed_at__isnull=True
        ).values_list("id", flat=True)
    )
    for notification_id in new_ids:
        transaction.on_commit(lambda pk=notification_id: tasks.send_notification_email.delay(pk), robust=True)
    return new_ids


def notification_path(notification: Notification) -> str:
    """The page a notification opens: its request's (the reader's own kind of page), or the officers
    awaiting approval."""
    if notification.legal_request is None:
        return reverse("web:officers-pending")
    page = "web:staff-detail" if is_legal_staff(notification.recipient) else "web:portal-detail"
    return reverse(page, kwargs={"ref": notification.legal_request.ref})


def _link(notification: Notification) -> str:
    return public_url(notification_path(notification))


def officer_awaiting_approval_notify(*, officer: Officer) -> list[int]:
    """Tell whoever may approve officers that one confirmed their address and awaits approval: once
    per confirmation (a re-verification is a new one)."""
    confirmed = officer.email_confirmed_at.isoformat() if officer.email_confirmed_at else ""
    return notify(
        event=Event.OFFICER_AWAITING_APPROVAL,
        legal_request=None,
        officer=officer,
        recipients=officer_deciders().exclude(pk=officer.user_id),
        occurrence=f"officer:{officer.pk}:{confirmed}"[:64],
    )


def notification_email_send(*, notification_id: int) -> bool:
    """Send the notification's e-mail once: the row is claimed before sending, so a retried or
    duplicated task sends nothing more. Returns whether this call sent it."""
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient", "legal_request").get(pk=notification_id)
    address = notification.recipient.email
    if not address:
        return False
    with translation.override("en"):  # the e-mail is English, as its subject and body
        event = str(Event(notification.event).label)
    ref = notification.legal_request.ref if notification.legal_request else OFFICERS_SUBJECT
    try:
        send_mail(
            subject=EMAIL_SUBJECT.format(ref=ref, event=event),
            message=EMAIL_BODY.format(event=event, ref=ref, link=_link(notification)),
            from_email=None,
            recipient_list=[address],
        )
    except Exception:
        # Not sent: release the claim so the task's retry can send it.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; anyone else's is not found."""
    notification = (
        Notification.objects.filter(pk=notification_id, recipient=user).select_related("legal_request").first()
    )
    if notification is None:
        raise NotFound(ERR_NOT_FOUND)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_read_for_request(*, user, legal_request: LegalRequest) -> int:
    """The reader has seen the request (its page, its letter): their notifications about it are read.
    Returns how many were unread; anyone else's are untouched."""
    return Notification.objects.filter(recipient=user, legal_request=legal_request, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
