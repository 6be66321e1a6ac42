"""The notifications' Celery tasks: thin, they take ids and call the services.

E-mails of notifications and digests, webhook deliveries (retried with backoff), and the beat's
sweeps: deadline alerts, the analysts' digests, and webhook deliveries whose retry is due."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from notifications import deadlines, services, webhooks
from notifications.user_notice import user_notices_send

EMAIL_RETRY = {
    "acks_late": True,
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(name="notifications.send_email", **EMAIL_RETRY)
def send_notification_email(notification_id: int) -> bool:
    return services.notification_email_send(notification_id=notification_id)


@shared_task(name="notifications.send_digest_email", **EMAIL_RETRY)
def send_digest_email(digest_id: int) -> bool:
    return deadlines.digest_email_send(digest_id=digest_id)


@shared_task(name="notifications.deadline_alerts", acks_late=True)
def deadline_alerts() -> int:
    return deadlines.deadline_alerts_send()


@shared_task(name="notifications.analyst_digests", acks_late=True)
def analyst_digests() -> int:
    return deadlines.analyst_digests_send()


@shared_task(bind=True, name="notifications.deliver_webhook", acks_late=True, max_retries=16)
def deliver_webhook(self, delivery_id: int) -> bool:
    """One attempt; after a failure the task retries itself at the backoff's next time (run eagerly,
    it leaves the retry to the beat's ``webhook_retries`` instead of retrying at once)."""
    attempt = webhooks.webhook_deliver(delivery_id=delivery_id)
    if attempt.retry_in is not None and not self.request.is_eager and self.request.retries < self.max_retries:
        raise self.retry(countdown=attempt.retry_in)
    return attempt.delivered


@shared_task(name="notifications.webhook_retries", acks_late=True)
def webhook_retries() -> int:
    due = webhooks.webhooks_due()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)


@shared_task(name="notifications.user_notices_send")
def user_notices_send_task() -> int:
    """Give the user notices that are due, those whose order lapsed included (beat: hourly)."""
    return user_notices_send()
