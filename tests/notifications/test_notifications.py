"""Who is told of what, once, and what their e-mail carries (reference, event and link only)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from lawreq.links import DEVELOPMENT_PUBLIC_URL
from notifications.models import Event, Notification
from notifications.services import (
    EMAIL_SUBJECT,
    notification_email_send,
    notifications_mark_read_for_request,
    notify,
)
from requests_app.services import legal_request_assign
from tests.casework.conftest import QUESTION
from tests.conftest import SHARED_PER_MODULE, submitted_create
from workflow.services import do_decide, do_message_post, do_propose, do_submit

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]


def told(event: Event, legal_request) -> set[str]:
    return set(
        Notification.objects.filter(event=event, legal_request=legal_request).values_list(
            "recipient__username", flat=True
        )
    )


def test_officer_is_told_of_a_question_by_an_email_without_its_text(
    officer_a, needs_info_factory, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        legal_request = needs_info_factory(officer_a)

    assert told(Event.QUESTION_ASKED, legal_request) == {officer_a.username}
    [email] = [m for m in mail.outbox if officer_a.email in m.to]
    assert email.subject == EMAIL_SUBJECT.format(ref=legal_request.ref, event=Event.QUESTION_ASKED.label)
    assert f"Open it: {DEVELOPMENT_PUBLIC_URL}/portal/{legal_request.ref}/" in email.body
    assert QUESTION not in email.body
    for target in ("someone", "555-0199", "5550199", legal_request.case_number):
        assert target not in email.body, target


def test_the_legal_team_is_told_of_a_new_request(officer_a, analyst, reviewer, shipped_rules):
    legal_request = submitted_create(officer_a)

    assert told(Event.REQUEST_RECEIVED, legal_request) == {analyst.username}


def test_messages_notify_the_other_side_never_the_writer(
    officer_a, officer_b, analyst, in_review_factory, django_capture_on_commit_callbacks
):
    legal_request = in_review_factory(officer_a)

    with django_capture_on_commit_callbacks(execute=True):
        do_message_post(legal_request=legal_request, actor=officer_a, body="Any news? +33 6 12 34 56 78")
        do_message_post(legal_request=legal_request, actor=analyst, body="Working on it.")

    assert told(Event.MESSAGE_RECEIVED, legal_request) == {analyst.username, officer_a.username}
    assert Notification.objects.filter(event=Event.MESSAGE_RECEIVED).count() == 2
    assert officer_b.username not in told(Event.MESSAGE_RECEIVED, legal_request)
    bodies = " ".join(m.subject + m.body for m in mail.outbox)
    assert "+33" not in bodies and "Working on it" not in bodies


def test_the_assignee_is_told_of_the_officers_message(officer_a, analyst, reviewer, in_review_factory):
    legal_request = in_review_factory(officer_a)
    legal_request_assign(legal_request=legal_request, actor=analyst, assignee=reviewer)

    do_message_post(legal_request=legal_request, actor=officer_a, body="The case number changed.")

    assert reviewer.username in told(Event.MESSAGE_RECEIVED, legal_request)


def test_a_proposal_awaits_the_approval_of_reviewers_other_than_its_proposer(
    officer_a, analyst, reviewer, second_reviewer, in_review_factory
):
    legal_request = in_review_factory(officer_a)

    do_propose(legal_request=legal_request, actor=analyst, decision="disclose", categories=["ip_addresses"])

    assert told(Event.PROPOSAL_AWAITING_APPROVAL, legal_request) == {reviewer.username, second_reviewer.username}


def test_a_sent_back_proposal_is_told_to_its_proposer(officer_a, analyst, reviewer, in_review_factory):
    legal_request = in_review_factory(officer_a)
    do_propose(legal_request=legal_request, actor=analyst, decision="disclose", categories=["ip_addresses"])

    do_decide(legal_request=legal_request, actor=reviewer, approve=False, comment="Narrow it.")

    assert told(Event.PROPOSAL_SENT_BACK, legal_request) == {analyst.username}


def test_the_officer_is_told_when_answered(
    officer_a, analyst, reviewer, in_review_factory, django_capture_on_commit_callbacks
):
    legal_request = in_review_factory(officer_a)
    do_propose(legal_request=legal_request, actor=analyst, decision="disclose", categories=["ip_addresses"])

    with django_capture_on_commit_callbacks(execute=True):
        do_decide(legal_request=legal_request, actor=reviewer, approve=True)  # the letter is issued after commit

    assert told(Event.ANSWERED, legal_request) == {officer_a.username}


def test_a_resubmission_is_told_to_who_asked(
    officer_a, analyst, needs_info_factory, django_capture_on_commit_callbacks
):
    legal_request = needs_info_factory(officer_a)

    with django_capture_on_commit_callbacks(execute=False):
        do_submit(legal_request=legal_request, actor=officer_a)

    assert told(Event.REQUEST_RESUBMITTED, legal_request) == {analyst.username}


def test_an_event_is_notified_and_emailed_once_however_often_it_is_raised(
    officer_a, analyst, in_review_factory, django_capture_on_commit_callbacks
):
    legal_request = in_review_factory(officer_a)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = notify(event=Event.ANSWERED, legal_request=legal_request, recipients=[officer_a], occurrence="x:1")
        again = notify(event=Event.ANSWERED, legal_request=legal_request, recipients=[officer_a], occurrence="x:1")
    resent = notification_email_send(notification_id=first[0])

    assert len(first) == 1 and again == [] and resent is False
    assert Notification.objects.filter(event=Event.ANSWERED, recipient=officer_a).count() == 1
    assert len(mail.outbox) == 1


def test_no_email_leaves_before_commit_nor_after_a_rollback(
    officer_a, in_review_factory, django_capture_on_commit_callbacks
):
    legal_request = in_review_factory(officer_a)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify(event=Event.ANSWERED, legal_request=legal_request, recipients=[officer_a], occurrence="y:1")
                assert mail.outbox == []
                raise RuntimeError("the step failed")
        except RuntimeError:
            pass

    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.filter(occurrence="y:1").exists()


# The API


def test_api_lists_the_callers_own_newest_first(api, officer_a, officer_b, analyst, in_review_factory):
    legal_request = in_review_factory(officer_a)
    notify(event=Event.QUESTION_ASKED, legal_request=legal_request, recipients=[officer_a], occurrence="q:1")
    notify(event=Event.ANSWERED, legal_request=legal_request, recipients=[officer_a], occurrence="r:1")

    mine = api(officer_a).get("/api/v1/notifications/")
    theirs = api(officer_b).get("/api/v1/notifications/")

    assert mine.status_code == 200
    assert [(n["event"], n["ref"], n["read"]) for n in mine.json()["results"]] == [
        ("answered", legal_request.ref, False),
        ("question_asked", legal_request.ref, False),
    ]
    assert set(mine.json()["results"][0]) == {"id", "event", "ref", "created_at", "read"}
    assert theirs.json()["results"] == []


def test_api_marks_one_read_and_refuses_anyone_elses(api, officer_a, officer_b, in_review_factory):
    legal_request = in_review_factory(officer_a)
    [notification_id] = notify(
        event=Event.ANSWERED, legal_request=legal_request, recipients=[officer_a], occurrence="r:2"
    )

    theirs = api(officer_b).post(f"/api/v1/notifications/{notification_id}/read/")
    mine = api(officer_a).post(f"/api/v1/notifications/{notification_id}/read/")
    huge = api(officer_a).post(f"/api/v1/notifications/{10**30}/read/")

    assert theirs.status_code == huge.status_code == 404
    assert mine.status_code == 200 and mine.json()["read"] is True


def test_api_marks_all_read(api, officer_a, in_review_factory):
    legal_request = in_review_factory(officer_a)
    notify(event=Event.ANSWERED, legal_request=legal_request, recipients=[officer_a], occurrence="r:3")
    notify(event=Event.QUESTION_ASKED, legal_request=legal_request, recipients=[officer_a], occurrence="q:3")

    response = api(officer_a).post("/api/v1/notifications/read/")

    assert response.json() == {"marked_read": 2}
    assert not Notification.objects.filter(recipient=officer_a, read_at__isnull=True).exists()


def test_api_needs_a_login(api):
    assert api().get("/api/v1/notifications/").status_code == 401


def test_seeing_a_request_marks_only_the_readers_notifications_about_it_read(officer_a, analyst, in_review_factory):
    legal_request, other_request = in_review_factory(officer_a), in_review_factory(officer_a)
    [mine] = notify(event=Event.ANSWERED, legal_request=legal_request, recipients=[officer_a], occurrence="r:1")
    [elsewhere] = notify(event=Event.ANSWERED, legal_request=other_request, recipients=[officer_a], occurrence="r:2")
    [theirs] = notify(event=Event.MESSAGE_RECEIVED, legal_request=legal_request, recipients=[analyst], occurrence="r:3")

    marked = notifications_mark_read_for_request(user=officer_a, legal_request=legal_request)
    again = notifications_mark_read_for_request(user=officer_a, legal_request=legal_request)

    assert (marked, again) == (1, 0)
    read = dict(Notification.objects.values_list("pk", "read_at"))
    assert read[mine] is not None and read[elsewhere] is None and read[theirs] is None


def test_the_links_in_e_mails_are_on_the_public_address(
    settings, officer_a, analyst, in_review_factory, django_capture_on_commit_callbacks
):
    settings.LAWREQ_PUBLIC_URL = "https://lawreq.example.org/"
    legal_request = in_review_factory(officer_a)

    with django_capture_on_commit_callbacks(execute=True):
        do_message_post(legal_request=legal_request, actor=officer_a, body="Any news?")

    [email] = [m for m in mail.outbox if analyst.email in m.to and legal_request.ref in m.subject]
    assert f"Open it: https://lawreq.example.org/queue/{legal_request.ref}/" in email.body
