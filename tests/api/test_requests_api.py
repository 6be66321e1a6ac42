"""The officer side of the REST API: intake, permissions, idempotency and every bad input."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.actions import AuditAction
from audit.models import AuditEntry
from requests_app.models import LegalRequest
from requests_app.states import State
from tests.conftest import fr_request_payload, make_pdf, us_request_payload

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/requests/"


def _snapshot_db() -> tuple:
    return (
        LegalRequest.objects.count(),
        list(LegalRequest.objects.values_list("ref", "state")),
        AuditEntry.objects.filter(action__startswith="request.").count(),
    )


# --- creating ------------------------------------------------------------------------------------


def test_officer_creates_a_draft_shaped_like_the_contract(api, officer_a):
    response = api(officer_a).post(REQUESTS, us_request_payload(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft" and body["outcome"] is None
    assert body["ref"].startswith("LR-")
    assert body["issuing_authority"] == {"type": "court", "name": "U.S. District Court, D. Springfield"}
    assert body["targets"][0]["value"] == "@someone"
    assert body["targets"][1]["value"] == "+12025550199"
    for field in (
        "jurisdiction",
        "process_type",
        "emergency",
        "emergency_justification",
        "case_number",
        "offense",
        "issued_at",
        "nondisclosure_until",
        "date_from",
        "date_to",
        "categories",
        "documents",
        "received_at",
        "due_at",
        "rejection_reasons",
    ):
        assert field in body


def test_same_idempotency_key_and_body_returns_the_same_request(api, officer_a):
    client = api(officer_a)
    first = client.post(REQUESTS, us_request_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(REQUESTS, us_request_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["ref"] == again.json()["ref"]
    assert LegalRequest.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_a_conflict(api, officer_a):
    client = api(officer_a)
    client.post(REQUESTS, us_request_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    response = client.post(REQUESTS, us_request_payload(case_number="other"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 409
    assert LegalRequest.objects.count() == 1


def test_idempotency_keys_are_per_user(api, officer_a, officer_b):
    api(officer_a).post(REQUESTS, us_request_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    response = api(officer_b).post(REQUESTS, fr_request_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 201
    assert LegalRequest.objects.count() == 2


BAD_BODIES = {
    "json-array": [us_request_payload()],
    "wrong-type-boolean": us_request_payload(emergency="yes"),
    "wrong-type-string": us_request_payload(case_number=123),
    "wrong-type-list": us_request_payload(categories="ip_addresses"),
    "unknown-process-type": us_request_payload(process_type="telepathy"),
    "unknown-category": us_request_payload(categories=["dna"]),
    "unknown-target-type": us_request_payload(targets=[{"type": "email", "value": "a@b.c"}]),
    "unknown-jurisdiction": us_request_payload(jurisdiction="XX"),
    "regional-layer-as-jurisdiction": us_request_payload(jurisdiction="EU"),
    "unknown-field": {**us_request_payload(), "catgories": ["ip_addresses"]},
    "backwards-date-range": us_request_payload(date_from="2026-11-01", date_to="2026-10-01"),
    "date-not-a-date": us_request_payload(date_from="yesterday"),
    "impossible-date": us_request_payload(date_to="2026-02-30"),
    "phone-that-is-not-one": us_request_payload(targets=[{"type": "phone", "value": "+1 555"}]),
    "no-targets": us_request_payload(targets=[]),
    "ten-thousand-targets": us_request_payload(
        targets=[{"type": "account_id", "value": f"acct{i}"} for i in range(10_000)]
    ),
    "hundred-kb-string": us_request_payload(offense="x" * 100_000),
    "nul-byte": us_request_payload(case_number="abc\x00def"),
    "bad-username": us_request_payload(targets=[{"type": "username", "value": "@; DROP TABLE"}]),
    "no-categories": us_request_payload(categories=[]),
    "duplicate-categories": us_request_payload(categories=["ip_addresses", "ip_addresses"]),
    "negative-sentence": us_request_payload(offense_max_sentence_years=-1),
    "null-body-field": us_request_payload(process_type=None),
    "authority-wrong-shape": us_request_payload(issuing_authority="judge"),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_input_is_a_clear_400_and_changes_nothing(api, officer_a, body):
    before = _snapshot_db()

    response = api(officer_a).post(REQUESTS, body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()  # a message naming what is wrong
    assert _snapshot_db() == before


def test_malformed_json_is_a_400(api, officer_a):
    response = api(officer_a).post(REQUESTS, data='{"jurisdiction": "US",', content_type="application/json")
    assert response.status_code == 400
    assert not LegalRequest.objects.exists()


def test_non_json_body_is_a_415(api, officer_a):
    response = api(officer_a).post(REQUESTS, data="jurisdiction=US", content_type="text/plain")
    assert response.status_code == 415


def test_oversized_json_body_is_refused_before_parsing(api, officer_a):
    body = json.dumps(us_request_payload(offense="x" * 2_000_000))
    response = api(officer_a).post(REQUESTS, data=body, content_type="application/json")
    assert response.status_code == 413
    assert not LegalRequest.objects.exists()


def test_phone_error_names_the_target(api, officer_a):
    response = api(officer_a).post(
        REQUESTS, us_request_payload(targets=[{"type": "phone", "value": "not a phone"}]), format="json"
    )
    assert response.status_code == 400
    assert "targets[0].value" in response.json()


# --- documents -----------------------------------------------------------------------------------


def _upload(client, ref: str, content: bytes, name: str = "order.pdf"):
    return client.post(f"{REQUESTS}{ref}/documents/", {"file": SimpleUploadedFile(name, content)}, format="multipart")


def test_officer_uploads_a_pdf_and_sees_its_hash(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a, with_document=False)

    response = _upload(api(officer_a), legal_request.ref, make_pdf())

    assert response.status_code == 201, response.content
    assert len(response.json()["sha256"]) == 64


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, make_pdf()[:200], b""],
    ids=["png-named-pdf", "truncated-pdf", "empty"],
)
def test_upload_that_is_not_a_pdf_is_a_415(api, officer_a, draft_factory, content):
    legal_request = draft_factory(officer_a, with_document=False)
    response = _upload(api(officer_a), legal_request.ref, content)
    assert response.status_code == 415
    assert not legal_request.documents.exists()


def test_sixty_megabyte_upload_is_a_413(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a, with_document=False)
    response = _upload(api(officer_a), legal_request.ref, b"%PDF-1.7\n" + b"0" * (60 * 1024 * 1024))
    assert response.status_code == 413
    assert not legal_request.documents.exists()


def test_upload_without_a_file_is_a_400(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a, with_document=False)
    response = api(officer_a).post(f"{REQUESTS}{legal_request.ref}/documents/", {}, format="multipart")
    assert response.status_code == 400


def test_document_download_is_an_attachment_and_audited(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a)
    document = legal_request.documents.get()

    response = api(officer_a).get(f"{REQUESTS}{legal_request.ref}/documents/{document.pk}/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(action=AuditAction.DOCUMENT_DOWNLOADED, request_ref=legal_request.ref).exists()


# --- submit, withdraw ----------------------------------------------------------------------------


def test_submit_without_a_document_is_a_409(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a, with_document=False)
    response = api(officer_a).post(f"{REQUESTS}{legal_request.ref}/submit/")
    assert response.status_code == 409
    legal_request.refresh_from_db()
    assert legal_request.state == State.DRAFT


def test_submit_moves_to_received_and_validation_runs(
    api, officer_a, draft_factory, django_capture_on_commit_callbacks
):
    legal_request = draft_factory(officer_a)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api(officer_a).post(f"{REQUESTS}{legal_request.ref}/submit/")

    assert response.status_code == 200, response.content
    legal_request.refresh_from_db()
    assert legal_request.received_at is not None and legal_request.due_at is not None
    # Validation is enqueued after commit and runs eagerly here: the request has left "received".
    assert len(callbacks) == 1
    assert legal_request.state in {State.IN_REVIEW, State.NEEDS_INFO}


def test_submit_twice_is_a_409(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a)
    client = api(officer_a)
    client.post(f"{REQUESTS}{legal_request.ref}/submit/")
    response = client.post(f"{REQUESTS}{legal_request.ref}/submit/")
    assert response.status_code == 409


def test_withdraw_after_a_response_is_a_409(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a)
    LegalRequest.objects.filter(pk=legal_request.pk).update(state=State.RESPONDED)
    response = api(officer_a).post(f"{REQUESTS}{legal_request.ref}/withdraw/", {}, format="json")
    assert response.status_code == 409


def test_officer_withdraws_an_open_request(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a)
    response = api(officer_a).post(f"{REQUESTS}{legal_request.ref}/withdraw/", {"reason": "Case closed"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"


def test_officer_corrects_a_draft(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a)
    response = api(officer_a).patch(f"{REQUESTS}{legal_request.ref}/", {"case_number": "NEW-1"}, format="json")
    assert response.status_code == 200
    assert response.json()["case_number"] == "NEW-1"


def test_correction_with_backwards_dates_changes_nothing(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a)
    response = api(officer_a).patch(f"{REQUESTS}{legal_request.ref}/", {"date_from": "2026-12-01"}, format="json")
    assert response.status_code == 400
    legal_request.refresh_from_db()
    assert str(legal_request.date_from) == "2026-10-01"


# --- authentication --------------------------------------------------------------------------------


def test_anonymous_calls_are_401(api):
    assert api().get(REQUESTS).status_code == 401
    assert api().post(REQUESTS, us_request_payload(), format="json").status_code == 401


def test_bad_token_is_401(api):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(REQUESTS).status_code == 401


def test_correcting_the_targets_replaces_them(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a)
    response = api(officer_a).patch(
        f"{REQUESTS}{legal_request.ref}/", {"targets": [{"type": "account_id", "value": "acct-9"}]}, format="json"
    )
    assert response.status_code == 200
    assert [(t["type"], t["value"]) for t in response.json()["targets"]] == [("account_id", "acct-9")]


def test_the_legal_hold_is_the_legal_teams_an_officer_sees_null(api, officer_a, reviewer, in_review_factory):
    from requests_app.models import LegalRequest

    legal_request = in_review_factory(officer_a)
    LegalRequest.objects.filter(pk=legal_request.pk).update(legal_hold=True)

    officers = api(officer_a).get(f"{REQUESTS}{legal_request.ref}/").json()
    staffs = api(reviewer).get(f"{REQUESTS}{legal_request.ref}/").json()

    assert officers["legal_hold"] is None
    assert staffs["legal_hold"] is True
