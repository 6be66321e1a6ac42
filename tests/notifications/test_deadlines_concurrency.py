"""Two beats at once: the request one holds is skipped by the other, and however they interleave,
each alert is recorded and sent once (real transactions, so real row locks and unique indexes)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, transaction

from notifications.deadlines import deadline_alerts_send
from notifications.models import DeadlineAlert, Event, Notification
from requests_app.models import LegalRequest

BEATS = 4
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_beats_alert_once(officer_a, analyst, reviewer, in_review_factory):
    with time_machine.travel(T0, tick=False):
        legal_request = in_review_factory(officer_a)
    moment = legal_request.due_at + dt.timedelta(hours=1)

    holding, release = threading.Event(), threading.Event()

    def beat_in_the_middle_of_its_work() -> None:
        try:
            with transaction.atomic():
                LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=beat_in_the_middle_of_its_work)
    holder.start()
    assert holding.wait(timeout=30)
    try:
        assert deadline_alerts_send(now=moment) == 0  # skipped, not waited for
    finally:
        release.set()
        holder.join(timeout=30)

    start = threading.Barrier(BEATS)
    sent: list[int] = []
    errors: list[BaseException] = []

    def beat() -> None:
        try:
            start.wait(timeout=30)
            sent.append(deadline_alerts_send(now=moment))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(BEATS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert sorted(sent) == [0] * (BEATS - 1) + [1]
    assert DeadlineAlert.objects.filter(legal_request=legal_request).count() == 3
    recipients = list(
        Notification.objects.filter(event=Event.DEADLINE_OVERDUE, legal_request=legal_request).values_list(
            "recipient_id", flat=True
        )
    )
    assert sorted(recipients) == sorted({analyst.pk, reviewer.pk})
    assert deadline_alerts_send(now=moment + dt.timedelta(days=1)) == 0
