"""Who may fetch a response, and that every fetch is in the audit trail."""

from __future__ import annotations

import hashlib

import pytest

from audit.actions import AuditAction
from tests.letters.conftest import SHARED_LETTER_PER_MODULE

pytestmark = [pytest.mark.django_db, SHARED_LETTER_PER_MODULE]


def url(ref: str) -> str:
    return f"/api/v1/requests/{ref}/response.pdf"


def test_the_agencys_officer_downloads_the_signed_letter(
    api, officer_a, shared_issued_response, shared_issued_request, audit_trail
):
    reply = api(officer_a).get(url(shared_issued_request.ref))

    assert reply.status_code == 200
    assert reply["Content-Type"] == "application/pdf"
    assert reply["Content-Disposition"] == f'attachment; filename="{shared_issued_request.ref}-response.pdf"'
    assert hashlib.sha256(reply.content).hexdigest() == shared_issued_response.sha256
    audit_trail.assert_recorded(
        AuditAction.RESPONSE_DOWNLOADED,
        actor=officer_a,
        request_ref=shared_issued_request.ref,
        sha256=shared_issued_response.sha256,
        via="api",
    )


@pytest.mark.parametrize("staff", ["analyst", "reviewer"])
def test_the_legal_team_downloads_it_too(api, staff, request, shared_issued_response, shared_issued_request):
    user = request.getfixturevalue(staff)

    reply = api(user).get(url(shared_issued_request.ref))

    assert reply.status_code == 200 and hashlib.sha256(reply.content).hexdigest() == shared_issued_response.sha256


def test_another_agencys_officer_gets_404(api, officer_b, shared_issued_response, shared_issued_request, audit_trail):
    reply = api(officer_b).get(url(shared_issued_request.ref))

    assert reply.status_code == 404
    audit_trail.assert_not_recorded(AuditAction.RESPONSE_DOWNLOADED)


def test_an_auditor_may_not_download_disclosed_data(
    api, auditor, shared_issued_response, shared_issued_request, audit_trail
):
    reply = api(auditor).get(url(shared_issued_request.ref))

    assert reply.status_code == 403
    audit_trail.assert_not_recorded(AuditAction.RESPONSE_DOWNLOADED)


def test_without_credentials_the_answer_is_401(api, shared_issued_response, shared_issued_request):
    assert api().get(url(shared_issued_request.ref)).status_code == 401


def test_before_the_response_exists_the_answer_is_404(api, officer_a, approved_request):
    assert api(officer_a).get(url(approved_request.ref)).status_code == 404


def test_an_unknown_reference_is_404(api, officer_a, shared_issued_response):
    assert api(officer_a).get(url("LR-2026-999999")).status_code == 404
    assert api(officer_a).get(url("not-a-reference")).status_code == 404


def test_staff_preview_is_inline_and_audited_as_a_preview(
    client, analyst, shared_issued_response, shared_issued_request, audit_trail
):
    client.force_login(analyst)

    reply = client.get(f"/requests/{shared_issued_request.ref}/response/preview/")

    assert reply.status_code == 200
    assert reply["Content-Disposition"].startswith("inline;")
    assert hashlib.sha256(reply.content).hexdigest() == shared_issued_response.sha256
    audit_trail.assert_recorded(AuditAction.RESPONSE_PREVIEWED, actor=analyst, request_ref=shared_issued_request.ref)
    audit_trail.assert_not_recorded(AuditAction.RESPONSE_DOWNLOADED)


def test_officers_have_no_preview(client, officer_a, shared_issued_response, shared_issued_request):
    client.force_login(officer_a)

    assert client.get(f"/requests/{shared_issued_request.ref}/response/preview/").status_code == 403


def test_the_preview_asks_for_a_login(client, shared_issued_response, shared_issued_request):
    reply = client.get(f"/requests/{shared_issued_request.ref}/response/preview/")

    assert reply.status_code == 302 and "/accounts/login/" in reply["Location"]


def test_a_tampered_stored_letter_is_refused_and_the_refusal_audited(
    api, officer_a, issued_response, approved_request, audit_trail
):
    sealed = bytearray(issued_response.pdf_sealed)
    sealed[-1] ^= 0x01
    type(issued_response).objects.filter(pk=issued_response.pk).update(pdf_sealed=bytes(sealed))

    reply = api(officer_a).get(url(approved_request.ref))

    assert reply.status_code == 409
    audit_trail.assert_recorded(AuditAction.DECRYPTION_REFUSED, request_ref=approved_request.ref)
    audit_trail.assert_not_recorded(AuditAction.RESPONSE_DOWNLOADED)


def test_the_portal_link_works_with_the_officers_web_session(
    client, officer_a, shared_issued_response, shared_issued_request
):
    client.force_login(officer_a)

    reply = client.get(url(shared_issued_request.ref))

    assert reply.status_code == 200 and hashlib.sha256(reply.content).hexdigest() == shared_issued_response.sha256


@pytest.mark.parametrize("accept", ["application/pdf", "*/*", "application/pdf;q=1, application/json;q=0.1"])
def test_the_letter_downloads_with_any_accept_that_takes_a_pdf(
    api, officer_a, shared_issued_response, shared_issued_request, accept
):
    reply = api(officer_a).get(url(shared_issued_request.ref), HTTP_ACCEPT=accept)

    assert reply.status_code == 200
    assert reply["Content-Type"] == "application/pdf"
    assert hashlib.sha256(reply.content).hexdigest() == shared_issued_response.sha256


def test_a_refused_letter_download_with_accept_pdf_is_answered_in_json(api, officer_b, shared_issued_request):
    reply = api(officer_b).get(url(shared_issued_request.ref), HTTP_ACCEPT="application/pdf")

    assert reply.status_code == 404
    assert reply["Content-Type"] == "application/json"
    assert reply.json()["detail"]
