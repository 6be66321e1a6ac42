"""The legal team's internal notes through the API: staff only, audited without their text."""

from __future__ import annotations

import pytest

from audit.actions import AuditAction
from audit.models import AuditEntry
from audit.services import audit_hash_identifier
from casework.models import InternalNote
from casework.services import MAX_BODY_CHARS
from tests.conftest import SHARED_PER_MODULE

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]


def url(legal_request) -> str:
    return f"/api/v1/requests/{legal_request.ref}/notes/"


def test_analyst_writes_a_note_the_reviewer_reads(api, officer_a, analyst, reviewer, in_review_factory):
    legal_request = in_review_factory(officer_a)

    created = api(analyst).post(url(legal_request), {"body": "Agency called; order looks genuine."}, format="json")
    notes = api(reviewer).get(url(legal_request))

    assert created.status_code == 201
    assert set(created.json()) == {"id", "author_role", "author", "body", "created_at"}
    assert notes.status_code == 200
    assert [(n["author_role"], n["author"], n["body"]) for n in notes.json()] == [
        ("analyst", analyst.username, "Agency called; order looks genuine.")
    ]


@pytest.mark.parametrize("who", ["officer_a", "officer_b", "auditor"])
def test_anyone_outside_the_legal_team_gets_404_and_writes_nothing(
    request, api, officer_a, analyst, in_review_factory, who
):
    legal_request = in_review_factory(officer_a)
    api(analyst).post(url(legal_request), {"body": "Staff only."}, format="json")
    user = request.getfixturevalue(who)

    read = api(user).get(url(legal_request))
    write = api(user).post(url(legal_request), {"body": "Let me in"}, format="json")

    assert read.status_code == write.status_code == 404
    assert "Staff only." not in read.content.decode()
    assert InternalNote.objects.filter(legal_request=legal_request).count() == 1


@pytest.mark.parametrize(
    "payload", [{}, {"body": ""}, {"body": 1}, {"body": "x" * (MAX_BODY_CHARS + 1)}, {"body": "\x00"}]
)
def test_bad_note_is_400_and_stores_nothing(api, officer_a, analyst, in_review_factory, payload):
    legal_request = in_review_factory(officer_a)

    response = api(analyst).post(url(legal_request), payload, format="json")

    assert response.status_code == 400
    assert not InternalNote.objects.exists()


def test_a_note_is_audited_with_a_keyed_hash_and_length(api, officer_a, analyst, in_review_factory):
    legal_request = in_review_factory(officer_a)
    body = "Suspect's brother is a known informant."

    api(analyst).post(url(legal_request), {"body": body}, format="json")

    entry = AuditEntry.objects.get(action=AuditAction.NOTE_ADDED, request_ref=legal_request.ref)
    assert entry.details["length"] == len(body)
    assert entry.details["body"] == audit_hash_identifier(body)
    assert "informant" not in str(entry.details)
    assert b"informant" not in bytes(InternalNote.objects.get().body_sealed)
