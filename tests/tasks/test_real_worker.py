"""Once through a real Celery worker over Redis: submission is validated in the background."""

from __future__ import annotations

import time

import pytest

from requests_app.states import State
from workflow.services import do_submit


@pytest.mark.django_db(transaction=True)
def test_submission_is_validated_by_a_real_worker(celery_redis_worker, draft_factory, officer_a):
    legal_request = draft_factory(officer_a)

    do_submit(legal_request=legal_request, actor=officer_a)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        legal_request.refresh_from_db()
        if legal_request.state != State.RECEIVED:
            break
        time.sleep(0.1)
    assert legal_request.state in {State.IN_REVIEW, State.NEEDS_INFO}


@pytest.mark.django_db(transaction=True)
def test_a_notification_email_is_sent_by_a_real_worker_after_commit(
    celery_redis_worker, draft_factory, officer_a, analyst
):
    from django.core import mail

    from notifications.models import Notification

    legal_request = draft_factory(officer_a)

    do_submit(legal_request=legal_request, actor=officer_a)  # the analysts are told of a new request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not mail.outbox:
        time.sleep(0.1)
    [email] = mail.outbox
    assert email.to == [analyst.email] and legal_request.ref in email.subject
    assert Notification.objects.get(recipient=analyst).emailed_at is not None
