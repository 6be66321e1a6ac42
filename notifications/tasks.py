"""The e-mail of a notification, sent by a worker after the step that raised it committed."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from notifications import services
from notifications.user_notice import user_notices_send


@shared_task(
    name="notifications.send_email",
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_notification_email(notification_id: int) -> bool:
    return services.notification_email_send(notification_id=notification_id)


@shared_task(name="notifications.user_notices_send")
def user_notices_send_task() -> int:
    """Give the user notices that are due, those whose order lapsed included (beat: hourly)."""
    return user_notices_send()
