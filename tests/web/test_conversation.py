"""The conversation, the internal notes, the timeline and the notifications on the web pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.models import InternalNote, Message
from casework.services import ERR_DRAFT, note_add
from notifications.models import Event, Notification
from notifications.services import notify
from requests_app.states import State
from tests.casework.conftest import QUESTION, question_asked
from tests.conftest import SHARED_PER_MODULE
from tests.letters.conftest import pdf_text
from web.views.conversation import MSG_SENT_AND_SUBMITTED
from workflow.services import do_decide, do_message_post, do_propose

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]

NOTE_MARKER = "NOTE-7f3a-never-for-officers"


def url(legal_request, name: str) -> str:
    return reverse(name, kwargs={"ref": legal_request.ref})


def test_officer_answers_the_question_in_words_and_submits_again(
    client_for, officer_a, analyst, request_a, django_capture_on_commit_callbacks
):
    legal_request = question_asked(request_a, analyst)
    officer = client_for(officer_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(
            url(legal_request, "web:portal-message"),
            {"body": "The order names acc-1001 only.", "resubmit": "1"},
            follow=True,
        )

    assert response.status_code == 200
    assert str(MSG_SENT_AND_SUBMITTED) in response.content.decode()
    legal_request.refresh_from_db()
    assert legal_request.state == State.IN_REVIEW
    staff_page = client_for(analyst).get(url(legal_request, "web:staff-detail")).content.decode()
    assert staff_page.count("The order names acc-1001 only.") == 2  # in the conversation and the timeline
    assert QUESTION in staff_page and "Resubmitted with the answer" in staff_page


def test_the_officers_page_names_the_legal_team_never_a_staff_member(client_for, officer_a, analyst, request_a):
    do_message_post(legal_request=request_a, actor=analyst, body="Please confirm the period.")

    page = client_for(officer_a).get(url(request_a, "web:portal-detail")).content.decode()

    assert "Please confirm the period." in page and "Legal team" in page
    assert analyst.username not in page


def test_an_empty_message_is_refused_next_to_the_field(client_for, officer_a, request_a):
    response = client_for(officer_a).post(url(request_a, "web:portal-message"), {"body": "   "})

    assert response.status_code == 400
    assert "has-error" in response.content.decode()
    assert not Message.objects.filter(legal_request=request_a).exists()


def test_the_service_refusal_shows_on_the_field(client_for, officer_a, draft_factory):
    draft = draft_factory(officer_a)

    response = client_for(officer_a).post(url(draft, "web:portal-message"), {"body": "hello"})

    assert response.status_code == 409
    assert ERR_DRAFT in response.content.decode()
    assert not Message.objects.filter(legal_request=draft).exists()


def test_another_agencys_officer_cannot_write(client_for, officer_b, request_a):
    response = client_for(officer_b).post(url(request_a, "web:portal-message"), {"body": "hello"})

    assert response.status_code == 404
    assert not Message.objects.exists()


def test_the_analyst_writes_to_the_officer_and_adds_a_note(client_for, analyst, request_a):
    analyst_client = client_for(analyst)

    message = analyst_client.post(url(request_a, "web:staff-message"), {"body": "Is page 2 coming?"})
    note = analyst_client.post(url(request_a, "web:staff-note"), {"body": "Chase on Friday."})
    bad_note = analyst_client.post(url(request_a, "web:staff-note"), {"body": ""})

    assert message.status_code == note.status_code == 302
    assert bad_note.status_code == 400
    page = analyst_client.get(url(request_a, "web:staff-detail")).content.decode()
    assert "Is page 2 coming?" in page and "Chase on Friday." in page and analyst.username in page


def test_an_officer_cannot_post_a_note(client_for, officer_a, request_a):
    response = client_for(officer_a).post(url(request_a, "web:staff-note"), {"body": "sneaky"})

    assert response.status_code == 403
    assert not InternalNote.objects.exists()


def test_a_note_never_reaches_an_officer_in_any_page_api_answer_or_letter(
    client_for, api, officer_a, analyst, reviewer, request_a, django_capture_on_commit_callbacks
):
    # given a note on every stage a page differs: needs information (editable), then answered
    legal_request = question_asked(request_a, analyst)
    note_add(legal_request=legal_request, author=analyst, body=f"{NOTE_MARKER} (asked)")
    officer_pages = [
        reverse("web:portal"),
        url(legal_request, "web:portal-detail"),
        url(legal_request, "web:portal-edit"),
        reverse("web:notifications"),
    ]
    officer_api = [
        "/api/v1/requests/",
        f"/api/v1/requests/{legal_request.ref}/",
        f"/api/v1/requests/{legal_request.ref}/messages/",
        f"/api/v1/requests/{legal_request.ref}/notes/",
        "/api/v1/notifications/",
    ]
    officer, officer_api_client = client_for(officer_a), api(officer_a)

    def everything_the_officer_reads() -> str:
        pages = [officer.get(path) for path in officer_pages]
        answers = [officer_api_client.get(path) for path in officer_api]
        assert all(r.status_code == 200 for r in pages), [r.status_code for r in pages]
        return " ".join(r.content.decode() for r in pages + answers)

    assert NOTE_MARKER not in everything_the_officer_reads()

    # when the request is answered
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(url(legal_request, "web:portal-submit"))
    legal_request.refresh_from_db()
    note_add(legal_request=legal_request, author=analyst, body=f"{NOTE_MARKER} (decided)")
    do_propose(legal_request=legal_request, actor=analyst, decision="disclose", categories=["ip_addresses"])
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(legal_request=legal_request, actor=reviewer, approve=True)
    officer_pages.remove(url(legal_request, "web:portal-edit"))  # not correctable any more
    letter = officer.get(url(legal_request, "web:portal-response"))

    # then
    assert letter.status_code == 200
    assert NOTE_MARKER not in pdf_text(letter.content)
    assert NOTE_MARKER not in everything_the_officer_reads()
    assert NOTE_MARKER in client_for(analyst).get(url(legal_request, "web:staff-detail")).content.decode()


def test_the_header_counts_unread_notifications_and_opening_one_marks_it_read(client_for, officer_a, request_a):
    [notification_id] = notify(
        event=Event.QUESTION_ASKED, legal_request=request_a, recipients=[officer_a], occurrence="web:1"
    )
    officer = client_for(officer_a)

    portal = officer.get(reverse("web:portal")).content.decode()
    listing = officer.get(reverse("web:notifications")).content.decode()
    opened = officer.post(reverse("web:notification-open", kwargs={"notification_id": notification_id}))

    assert 'aria-label="1 unread"' in portal
    assert request_a.ref in listing and str(Event.QUESTION_ASKED.label) in listing
    assert opened.status_code == 302 and opened["Location"] == url(request_a, "web:portal-detail")
    assert Notification.objects.get(pk=notification_id).read
    assert "unread" not in officer.get(reverse("web:portal")).content.decode()


def test_nobody_opens_anyone_elses_notification(client_for, officer_b, officer_a, request_a):
    [notification_id] = notify(
        event=Event.QUESTION_ASKED, legal_request=request_a, recipients=[officer_a], occurrence="web:2"
    )

    response = client_for(officer_b).post(reverse("web:notification-open", kwargs={"notification_id": notification_id}))

    assert response.status_code == 404
    assert not Notification.objects.get(pk=notification_id).read


def test_the_question_stays_on_the_officers_page_after_resubmission(
    client_for, officer_a, analyst, request_a, django_capture_on_commit_callbacks
):
    legal_request = question_asked(request_a, analyst)
    officer = client_for(officer_a)

    with django_capture_on_commit_callbacks(execute=True):
        officer.post(url(legal_request, "web:portal-submit"))

    legal_request.refresh_from_db()
    assert legal_request.state == State.IN_REVIEW
    page = officer.get(url(legal_request, "web:portal-detail")).content.decode()
    assert QUESTION in page and 'id="timeline"' in page


def test_seeing_a_request_or_its_letter_marks_the_readers_notifications_about_it_read(
    client_for, officer_a, analyst, reviewer, pending_approval_request, django_capture_on_commit_callbacks
):
    legal_request = pending_approval_request

    def unread(user) -> int:
        return Notification.objects.filter(recipient=user, legal_request=legal_request, read_at__isnull=True).count()

    notify(event=Event.MESSAGE_RECEIVED, legal_request=legal_request, recipients=[officer_a], occurrence="seen:1")
    notify(event=Event.MESSAGE_RECEIVED, legal_request=legal_request, recipients=[analyst], occurrence="seen:2")
    analysts_unread = unread(analyst)
    assert unread(officer_a) and analysts_unread

    client_for(officer_a).get(url(legal_request, "web:portal-detail"))
    assert unread(officer_a) == 0 and unread(analyst) == analysts_unread  # only the reader's own

    client_for(analyst).get(url(legal_request, "web:staff-detail"))
    assert unread(analyst) == 0

    with django_capture_on_commit_callbacks(execute=True):
        do_decide(legal_request=legal_request, actor=reviewer, approve=True)  # the officer is told: answered
    assert unread(officer_a) == 1
    letter = client_for(officer_a).get(url(legal_request, "web:portal-response"))
    assert letter.status_code == 200 and unread(officer_a) == 0


def test_an_answer_sent_with_the_resubmission_tells_the_legal_team_once(
    client_for, officer_a, analyst, request_a, django_capture_on_commit_callbacks
):
    legal_request = question_asked(request_a, analyst)
    messages_before = Message.objects.filter(legal_request=legal_request).count()
    told_before = set(Notification.objects.filter(recipient=analyst).values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=False):
        client_for(officer_a).post(
            url(legal_request, "web:portal-message"), {"body": "Here is the signed order.", "resubmit": "1"}
        )

    told_now = Notification.objects.filter(recipient=analyst).exclude(pk__in=told_before)
    assert [n.event for n in told_now] == [Event.REQUEST_RESUBMITTED]
    assert Message.objects.filter(legal_request=legal_request).count() == messages_before + 1
