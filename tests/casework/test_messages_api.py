"""The conversation between the agency and the legal team, through the API: who may read and write,
what an officer sees of the legal team, bad input, the audit trail, the question after resubmission."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from audit.actions import AuditAction
from audit.models import AuditEntry
from audit.services import audit_hash_identifier
from casework.models import Message
from casework.selectors import LEGAL_TEAM, timeline_of
from casework.services import ERR_BODY_CONTROL, ERR_BODY_EMPTY, ERR_DRAFT, MAX_BODY_CHARS
from requests_app.states import State
from tests.casework.conftest import QUESTION
from tests.conftest import SHARED_PER_MODULE

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]


def url(legal_request) -> str:
    return f"/api/v1/requests/{legal_request.ref}/messages/"


def test_officer_and_legal_team_write_and_read_oldest_first(api, officer_a, analyst, in_review_factory):
    legal_request = in_review_factory(officer_a)

    first = api(officer_a).post(url(legal_request), {"body": "The order covers both accounts."}, format="json")
    second = api(analyst).post(url(legal_request), {"body": "Thank you, noted."}, format="json")

    assert first.status_code == second.status_code == 201
    assert set(first.json()) == {"id", "author_role", "author", "body", "created_at"}
    as_staff = api(analyst).get(url(legal_request)).json()
    assert [m["body"] for m in as_staff] == ["The order covers both accounts.", "Thank you, noted."]
    assert [(m["author_role"], m["author"]) for m in as_staff] == [
        ("officer", officer_a.username),
        ("analyst", analyst.username),
    ]


def test_officer_sees_the_legal_teams_function_never_a_staff_username(api, officer_a, analyst, in_review_factory):
    legal_request = in_review_factory(officer_a)
    api(analyst).post(url(legal_request), {"body": "Please confirm the date range."}, format="json")

    response = api(officer_a).get(url(legal_request))

    assert response.status_code == 200
    [message] = response.json()
    assert (message["author_role"], message["author"]) == ("legal_team", LEGAL_TEAM)
    assert analyst.username not in response.content.decode()


def test_an_officer_who_also_holds_a_staff_role_reads_their_own_request_as_its_requester(
    api, officer_a, analyst, in_review_factory
):
    # given: the officer who filed the request also holds the analyst role
    legal_request = in_review_factory(officer_a)
    api(analyst).post(url(legal_request), {"body": "Please confirm the date range."}, format="json")
    officer_a.groups.add(Group.objects.get(name="analyst"))
    requester = get_user_model().objects.get(pk=officer_a.pk)

    # when
    response = api(requester).get(url(legal_request))
    timeline = timeline_of(legal_request=legal_request, reader=requester)

    # then: the legal team's function, never a staff username or an internal step
    [message] = response.json()
    assert (message["author_role"], message["author"]) == ("legal_team", LEGAL_TEAM)
    assert analyst.username not in response.content.decode()
    assert analyst.username not in {event.actor for event in timeline}


def test_officer_of_another_agency_gets_404_and_writes_nothing(api, officer_a, officer_b, analyst, in_review_factory):
    legal_request = in_review_factory(officer_a)
    api(analyst).post(url(legal_request), {"body": "Internal to agency A's case."}, format="json")

    read = api(officer_b).get(url(legal_request))
    write = api(officer_b).post(url(legal_request), {"body": "Hello"}, format="json")

    assert read.status_code == write.status_code == 404
    assert Message.objects.filter(legal_request=legal_request).count() == 1


def test_auditor_has_no_access_to_the_conversation(api, officer_a, auditor, in_review_factory):
    legal_request = in_review_factory(officer_a)

    read = api(auditor).get(url(legal_request))
    write = api(auditor).post(url(legal_request), {"body": "Hello"}, format="json")

    assert read.status_code == write.status_code == 403
    assert not Message.objects.filter(legal_request=legal_request).exists()


def test_anonymous_gets_401(api, officer_a, in_review_factory):
    legal_request = in_review_factory(officer_a)

    assert api().get(url(legal_request)).status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": "   \n "}, "body"),
        ({"body": 5}, "body"),
        ({"body": ["a"]}, "body"),
        ({"body": None}, "body"),
        ({"body": "x" * (MAX_BODY_CHARS + 1)}, "body"),
        ({"body": "a\x00b"}, "body"),
        ({"body": "colour \x1b[31mred"}, "body"),
        ({"body": "fine", "author": "admin"}, "author"),
    ],
)
def test_bad_input_is_400_and_stores_nothing(api, officer_a, in_review_factory, payload, field):
    legal_request = in_review_factory(officer_a)

    response = api(officer_a).post(url(legal_request), payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Message.objects.filter(legal_request=legal_request).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.MESSAGE_POSTED, request_ref=legal_request.ref).exists()


def test_body_that_is_not_json_object_is_400(api, officer_a, in_review_factory):
    legal_request = in_review_factory(officer_a)

    response = api(officer_a).post(url(legal_request), ["body"], format="json")

    assert response.status_code == 400


def test_control_characters_are_refused_with_the_services_message(officer_a, in_review_factory):
    from casework.services import message_post
    from lawreq.errors import InvalidInput

    legal_request = in_review_factory(officer_a)

    with pytest.raises(InvalidInput) as refused:
        message_post(legal_request=legal_request, author=officer_a, body="bell \x07")
    with pytest.raises(InvalidInput) as empty:
        message_post(legal_request=legal_request, author=officer_a, body=" ")

    assert refused.value.message == ERR_BODY_CONTROL
    assert empty.value.message == ERR_BODY_EMPTY


def test_a_draft_has_no_conversation_yet(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a)

    response = api(officer_a).post(url(legal_request), {"body": "Hello"}, format="json")

    assert response.status_code == 409
    assert response.json()["detail"] == ERR_DRAFT


def test_every_message_is_audited_with_a_keyed_hash_and_length_never_the_text(api, officer_a, in_review_factory):
    legal_request = in_review_factory(officer_a)
    body = "The suspect also used +1 202 555 0123."

    message_id = api(officer_a).post(url(legal_request), {"body": body}, format="json").json()["id"]

    entry = AuditEntry.objects.get(action=AuditAction.MESSAGE_POSTED, request_ref=legal_request.ref)
    assert entry.actor_username == officer_a.username
    assert entry.details == {
        "id": message_id,
        "kind": "message",
        "author_role": "officer",
        "length": len(body),
        "body": audit_hash_identifier(body),
    }
    assert "202 555 0123" not in str(entry.details)


def test_message_bodies_are_sealed_at_rest(api, officer_a, in_review_factory):
    legal_request = in_review_factory(officer_a)

    api(officer_a).post(url(legal_request), {"body": "plaintext-marker-7731"}, format="json")

    stored = bytes(Message.objects.get(legal_request=legal_request).body_sealed)
    assert stored and b"plaintext-marker-7731" not in stored


def test_reading_the_conversation_is_audited(api, officer_a, analyst, in_review_factory):
    legal_request = in_review_factory(officer_a)

    api(analyst).get(url(legal_request))

    viewed = AuditEntry.objects.filter(action=AuditAction.REQUEST_VIEWED, request_ref=legal_request.ref)
    assert [entry.details["via"] for entry in viewed] == ["api:messages"]


def test_the_question_stays_in_the_conversation_after_the_officer_answers_and_resubmits(
    api, officer_a, needs_info_factory
):
    legal_request = needs_info_factory(officer_a)
    officer = api(officer_a)

    officer.post(url(legal_request), {"body": "The order names acc-1001; page 2 attached."}, format="json")
    submitted = officer.post(f"/api/v1/requests/{legal_request.ref}/submit/", format="json")

    assert submitted.status_code == 200
    legal_request.refresh_from_db()
    assert legal_request.state != State.NEEDS_INFO
    thread = officer.get(url(legal_request)).json()
    assert [(m["author"], m["body"]) for m in thread] == [
        (LEGAL_TEAM, QUESTION),
        (officer_a.username, "The order names acc-1001; page 2 attached."),
    ]


def test_the_automatic_checks_question_is_in_the_conversation_signed_by_the_legal_team(
    api, officer_a, analyst, shipped_rules
):
    from notifications.models import Event, Notification
    from tests.conftest import submitted_create
    from workflow.services import CHECKS_QUESTION

    # given a subpoena without its case number: the checks ask the officer for it
    legal_request = submitted_create(officer_a, case_number="")
    assert legal_request.state == State.NEEDS_INFO

    as_officer = api(officer_a).get(url(legal_request)).json()
    as_staff = api(analyst).get(url(legal_request)).json()

    assert [m["author"] for m in as_officer] == [LEGAL_TEAM]
    # the request keeps what is missing; the conversation asks without repeating it
    assert as_officer[0]["body"] == CHECKS_QUESTION and "case number" in legal_request.info_requested
    assert [(m["author_role"], m["author"]) for m in as_staff] == [("system", "Automatic message")]
    assert Notification.objects.filter(event=Event.QUESTION_ASKED, recipient=officer_a).count() == 1
