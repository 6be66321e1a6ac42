"""The timeline of a request: everything for the legal team, only what happened in the open for the
officer, and what the officer changed on resubmission."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import RequestRevision
from casework.selectors import LEGAL_TEAM, timeline_of
from casework.services import message_post, note_add
from requests_app.services import legal_request_update
from tests.casework.conftest import QUESTION, question_asked
from tests.conftest import SHARED_PER_MODULE
from workflow.services import do_decide, do_message_post, do_propose, do_submit

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]


@pytest.fixture
def answered_request(officer_a, analyst, reviewer, in_review_factory, django_capture_on_commit_callbacks):
    """A request that went the whole way: a question, an answer, a resubmission, a note, a
    proposal sent back, a second proposal approved, a signed letter."""
    legal_request = question_asked(in_review_factory(officer_a), analyst)
    do_message_post(legal_request=legal_request, actor=officer_a, body="Page 2 is attached now.")
    legal_request_update(legal_request=legal_request, actor=officer_a, data={"case_number": "2026-CR-0042-B"})
    with django_capture_on_commit_callbacks(execute=True):
        do_submit(legal_request=legal_request, actor=officer_a)
    note_add(legal_request=legal_request, author=analyst, body="NOTE-MARKER the order is genuine")
    do_propose(
        legal_request=legal_request, actor=analyst, decision="disclose", categories=["ip_addresses"], reason="first"
    )
    do_decide(legal_request=legal_request, actor=reviewer, approve=False, comment="Narrow the dates.")
    do_propose(
        legal_request=legal_request, actor=analyst, decision="disclose", categories=["ip_addresses"], reason="RSN"
    )
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(legal_request=legal_request, actor=reviewer, approve=True)
    legal_request.refresh_from_db()
    return legal_request


def test_the_legal_team_sees_every_step_with_who_did_it(answered_request, analyst, reviewer, officer_a):
    events = timeline_of(legal_request=answered_request, reader=analyst)

    kinds = {event.kind for event in events}
    assert {
        "state",
        "document",
        "check",
        "question",
        "message",
        "revision",
        "note",
        "proposal",
        "decision",
        "letter",
    } <= kinds
    titles = [event.title for event in events]
    assert titles.index("Submitted") < titles.index("Question to the officer") < titles.index("Message")
    assert titles.index("Message") < titles.index("Resubmitted with the answer") < titles.index("Signed letter issued")
    assert "Proposal sent back" in titles and "Proposal approved" in titles
    actors = {event.title: event.actor for event in events}
    assert actors["Proposal approved"] == reviewer.username
    assert actors["Question to the officer"] == analyst.username
    assert actors["Message"] == officer_a.username
    assert [event.at for event in events] == sorted(event.at for event in events)


def test_what_the_officer_changed_on_resubmission_is_shown_field_by_field(answered_request, analyst):
    [revision] = [
        e for e in timeline_of(legal_request=answered_request, reader=analyst) if e.title == "Changed on resubmission"
    ]

    assert {"field": "case_number", "label": "Case number", "before": "2026-CR-0042", "after": "2026-CR-0042-B"} in (
        revision.changes
    )


def test_a_resubmission_that_changed_nothing_records_no_revision(
    officer_a, analyst, in_review_factory, django_capture_on_commit_callbacks
):
    legal_request = question_asked(in_review_factory(officer_a), analyst)
    revisions_before = RequestRevision.objects.filter(legal_request=legal_request).count()

    with django_capture_on_commit_callbacks(execute=True):
        do_submit(legal_request=legal_request, actor=officer_a)

    assert RequestRevision.objects.filter(legal_request=legal_request).count() == revisions_before
    titles = [e.title for e in timeline_of(legal_request=legal_request, reader=analyst)]
    assert "Changed on resubmission" not in titles


def test_the_officer_sees_only_what_happened_in_the_open(answered_request, officer_a, analyst, reviewer):
    events = timeline_of(legal_request=answered_request, reader=officer_a)

    shown = " ".join(f"{e.title} {e.actor} {e.text}" for e in events)
    assert {e.kind for e in events} <= {"state", "document", "question", "message", "revision", "letter"}
    assert analyst.username not in shown and reviewer.username not in shown
    assert "NOTE-MARKER" not in shown and "RSN" not in shown and "Narrow the dates" not in shown
    assert "Pending approval" not in shown and "sent back" not in shown
    assert QUESTION in shown and "Signed letter issued" in shown
    assert {e.actor for e in events if e.kind == "question"} == {LEGAL_TEAM}


def test_the_timeline_reads_each_source_once_however_long_it_is(officer_a, analyst, in_review_factory):
    legal_request = in_review_factory(officer_a)
    message_post(legal_request=legal_request, author=officer_a, body="one")
    timeline_of(legal_request=legal_request, reader=analyst)  # the reader's roles, read once and kept

    with CaptureQueriesContext(connection) as short:
        timeline_of(legal_request=legal_request, reader=analyst)
    for number in range(12):
        message_post(legal_request=legal_request, author=officer_a, body=f"more {number}")
        note_add(legal_request=legal_request, author=analyst, body=f"note {number}")
    with CaptureQueriesContext(connection) as long:
        events = timeline_of(legal_request=legal_request, reader=analyst)

    assert len(events) > 25
    assert len(long.captured_queries) == len(short.captured_queries) == 4  # trail, messages, notes, revisions
