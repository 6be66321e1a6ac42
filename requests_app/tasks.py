"""Celery tasks of requests_app: thin, each runs one service."""

from __future__ import annotations

from celery import shared_task

from requests_app.auth import throttled_logins_audit
from requests_app.officers import officers_reverify_remind


@shared_task(name="requests_app.throttled_logins_audit")
def throttled_logins_audit_task() -> int:
    """One audit entry per closed window of throttled log-ins (beat: every minute)."""
    return throttled_logins_audit()


@shared_task(name="requests_app.officers_reverify_remind")
def officers_reverify_remind_task() -> int:
    """E-mail officers whose verification is about to lapse a re-confirmation link (beat: daily)."""
    return officers_reverify_remind()
