"""Deadlines that pause, remind and escalate, and the analysts' daily digest, under a simulated clock.

Each beat task runs twice at every moment: what it sends the first time it must not send again."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from audit.actions import AuditAction
from lawreq.links import DEVELOPMENT_PUBLIC_URL
from notifications import tasks
from notifications.deadlines import DIGEST_SUBJECT
from notifications.models import AnalystDigest, DeadlineAlert, Event, Notification
from requests_app.services import legal_request_assign
from requests_app.states import State
from tests.casework.conftest import question_asked
from tests.conftest import SHARED_PER_MODULE, api_client
from workflow.services import do_submit

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def told(event: Event, legal_request) -> list[str]:
    return sorted(
        Notification.objects.filter(event=event, legal_request=legal_request).values_list(
            "recipient__username", flat=True
        )
    )


def beat_twice(moment: dt.datetime, task=tasks.deadline_alerts) -> list[int]:
    """The beat task run twice at ``moment`` (a beat delivered twice): what each run sent."""
    with time_machine.travel(moment, tick=False):
        return [task.delay().get(), task.delay().get()]


def resubmit(legal_request, officer) -> None:
    with TestCase.captureOnCommitCallbacks(execute=False):  # the validation is not the point here
        do_submit(legal_request=legal_request, actor=officer)
    legal_request.refresh_from_db()


@pytest.fixture
def request_at_t0(officer_a, in_review_factory):
    with time_machine.travel(T0, tick=False):
        return in_review_factory(officer_a)


def test_the_clock_stops_while_the_officer_is_asked_and_the_deadline_moves_by_the_pause(
    officer_a, analyst, request_at_t0, audit_trail
):
    legal_request = request_at_t0
    due = legal_request.due_at
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        question_asked(legal_request, analyst)
    assert legal_request.state == State.NEEDS_INFO and legal_request.clock_paused
    audit_trail.assert_recorded(AuditAction.CLOCK_PAUSED, request_ref=legal_request.ref, due_at=due.isoformat())

    pause = dt.timedelta(days=40)  # longer than the time allowed: waiting for the officer is not lateness
    with time_machine.travel(T0 + dt.timedelta(hours=1) + pause, tick=False):
        assert not legal_request.is_overdue
        page = api_client(officer_a).get("/api/v1/requests/", {"overdue": "true"}).json()
        assert legal_request.ref not in [item["ref"] for item in page["results"]]
        detail = api_client(officer_a).get(f"/api/v1/requests/{legal_request.ref}/").json()
        assert detail["clock_paused"] is True and detail["overdue"] is False
        resubmit(legal_request, officer_a)

    assert legal_request.due_at == due + pause
    assert not legal_request.clock_paused and legal_request.clock_paused_seconds == pause.total_seconds()
    audit_trail.assert_recorded(
        AuditAction.CLOCK_RESUMED,
        request_ref=legal_request.ref,
        old_due_at=due.isoformat(),
        new_due_at=(due + pause).isoformat(),
        paused_seconds=int(pause.total_seconds()),
    )


def test_the_pages_say_the_clock_is_paused(officer_a, analyst, request_at_t0, client_for):
    question_asked(request_at_t0, analyst)
    for user, page in ((analyst, "web:staff-detail"), (officer_a, "web:portal-detail")):
        html = client_for(user).get(reverse(page, kwargs={"ref": request_at_t0.ref})).content.decode()
        assert "clock paused since" in html, page
    queue = client_for(analyst).get(reverse("web:queue")).content.decode()
    assert "clock paused" in queue
    staff_page = client_for(analyst).get(reverse("web:staff-detail", kwargs={"ref": request_at_t0.ref}))
    assert "Clock paused while the officer is asked" in staff_page.content.decode()


def test_reminders_at_half_and_four_fifths_then_escalation_each_sent_once(
    analyst, reviewer, second_reviewer, request_at_t0, audit_trail, django_capture_on_commit_callbacks, client_for
):
    legal_request = request_at_t0
    allowed = legal_request.due_at - legal_request.received_at
    received = legal_request.received_at

    with django_capture_on_commit_callbacks(execute=True):
        assert beat_twice(received + allowed * 0.49) == [0, 0]
        assert beat_twice(received + allowed * 0.5) == [1, 0]
        assert told(Event.DEADLINE_REMINDER, legal_request) == [analyst.username]
        assert beat_twice(received + allowed * 0.79) == [0, 0]
        assert beat_twice(received + allowed * 0.8) == [1, 0]
        assert told(Event.DEADLINE_REMINDER, legal_request) == [analyst.username] * 2
        assert beat_twice(legal_request.due_at - dt.timedelta(seconds=1)) == [0, 0]
        assert beat_twice(legal_request.due_at + dt.timedelta(minutes=10)) == [1, 0]
        assert beat_twice(legal_request.due_at + dt.timedelta(days=3)) == [0, 0]

    assert told(Event.DEADLINE_OVERDUE, legal_request) == sorted(
        [analyst.username, reviewer.username, second_reviewer.username]
    )
    assert sorted(DeadlineAlert.objects.filter(legal_request=legal_request).values_list("kind", flat=True)) == [
        "overdue",
        "reminder:50",
        "reminder:80",
    ]
    assert [e.details["percent"] for e in audit_trail.entries(AuditAction.DEADLINE_REMINDED)] == [50, 80]
    assert len(audit_trail.entries(AuditAction.DEADLINE_ESCALATED)) == 1
    subjects = [m.subject for m in mail.outbox if legal_request.ref in m.subject]
    assert subjects.count(f"[lawreq] {legal_request.ref}: {Event.DEADLINE_REMINDER.label}") == 2
    assert subjects.count(f"[lawreq] {legal_request.ref}: {Event.DEADLINE_OVERDUE.label}") == 3
    for email in (m for m in mail.outbox if legal_request.ref in m.subject):
        assert f"Open it: {DEVELOPMENT_PUBLIC_URL}/queue/{legal_request.ref}/" in email.body

    page = client_for(analyst).get(reverse("web:staff-detail", kwargs={"ref": legal_request.ref})).content.decode()
    assert "Reminder: 50 % of the time allowed has run" in page
    assert "Reminder: 80 % of the time allowed has run" in page
    assert "Overdue: escalated to the reviewers" in page


def test_a_missed_beat_sends_only_the_most_advanced_alert(analyst, request_at_t0):
    assert beat_twice(request_at_t0.due_at + dt.timedelta(hours=1)) == [1, 0]
    assert told(Event.DEADLINE_REMINDER, request_at_t0) == []
    assert analyst.username in told(Event.DEADLINE_OVERDUE, request_at_t0)
    assert DeadlineAlert.objects.filter(legal_request=request_at_t0).count() == 3


def test_a_paused_request_is_neither_reminded_nor_escalated(officer_a, analyst, request_at_t0):
    legal_request = request_at_t0
    allowed = legal_request.due_at - legal_request.received_at
    with time_machine.travel(T0 + allowed * 0.4, tick=False):
        question_asked(legal_request, analyst)
    assert beat_twice(legal_request.due_at + dt.timedelta(days=5)) == [0, 0]

    # Back after 10 days: 40 % had run, so half the time comes 10 % of it after the resubmission.
    back = T0 + allowed * 0.4 + dt.timedelta(days=10)
    with time_machine.travel(back, tick=False):
        resubmit(legal_request, officer_a)
    assert beat_twice(back + allowed * 0.09) == [0, 0]
    assert beat_twice(back + allowed * 0.11) == [1, 0]
    assert told(Event.DEADLINE_OVERDUE, legal_request) == []


def test_the_daily_digest_is_sent_once_a_day_to_each_analyst(
    officer_a, analyst, request_at_t0, in_review_factory, django_capture_on_commit_callbacks
):
    legal_request_assign(legal_request=request_at_t0, actor=analyst, assignee=analyst)
    with time_machine.travel(T0, tick=False):
        unassigned = in_review_factory(officer_a)
    late = unassigned.due_at + dt.timedelta(hours=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert beat_twice(late, tasks.analyst_digests) == [1, 0]
        assert beat_twice(late + dt.timedelta(hours=3), tasks.analyst_digests) == [0, 0]
        assert beat_twice(late + dt.timedelta(days=1), tasks.analyst_digests) == [1, 0]

    digests = AnalystDigest.objects.filter(recipient=analyst).order_by("day")
    assert [d.day for d in digests] == [late.date(), late.date() + dt.timedelta(days=1)]
    assert digests[0].assigned_refs == [request_at_t0.ref]
    assert digests[0].unassigned_overdue_refs == [unassigned.ref]
    emails = [m for m in mail.outbox if m.subject.startswith(DIGEST_SUBJECT.format(day="")[:-1])]
    assert len(emails) == 2 and emails[0].to == [analyst.email]
    assert request_at_t0.ref in emails[0].body and unassigned.ref in emails[0].body
    assert f"- {request_at_t0.ref}: {DEVELOPMENT_PUBLIC_URL}/queue/{request_at_t0.ref}/" in emails[0].body
    for personal in ("someone", "555-0199", "5550199", request_at_t0.case_number):
        assert personal not in emails[0].body
