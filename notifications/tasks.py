"""The e-mail of a notification, sent by a worker after the step that raised it committed."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from notifications import services


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
