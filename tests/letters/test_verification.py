"""Anyone can check a letter: on the public page, through the API and with `verify_response`."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from demo.letter_samples import sample_letter_content
from letters.rendering import letter_render
from letters.signing import pdf_sign
from letters.verification import (
    PROBLEM_BROKEN_SIGNATURE,
    PROBLEM_NOT_ISSUED,
    PROBLEM_NOT_PDF,
    PROBLEM_NOT_WHOLE_FILE,
    PROBLEM_UNTRUSTED_SIGNER,
)
from tests.letters.conftest import SHARED_LETTER_PER_MODULE, append_incremental_update, flip_byte

pytestmark = [pytest.mark.django_db, SHARED_LETTER_PER_MODULE]

PERSONAL_DATA = ["198.51.100.23", "203.0.113.77", "2001:db8:85a3::8a2e:370:7334", "+12025550199", "someone", "acc-1"]


def upload(pdf: bytes, name: str = "letter.pdf") -> dict:
    return {"file": SimpleUploadedFile(name, pdf, content_type="application/pdf")}


def verify_command(path) -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_response", str(path), stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_the_page_says_a_genuine_letter_is_valid_and_names_only_its_reference(
    client, shared_issued_pdf, shared_issued_request
):
    page = client.get("/verify/")
    assert page.status_code == 200

    reply = client.post("/verify/", upload(shared_issued_pdf))

    html = reply.content.decode()
    assert reply.status_code == 200
    assert 'data-valid="true"' in html and shared_issued_request.ref in html
    for value in PERSONAL_DATA + [shared_issued_request.case_number, shared_issued_request.agency.name]:
        assert value not in html


@pytest.mark.parametrize(
    ("spoil", "problem"),
    [
        (flip_byte, PROBLEM_BROKEN_SIGNATURE),
        (append_incremental_update, PROBLEM_NOT_WHOLE_FILE),
        (lambda pdf: b"plain text, not a PDF", PROBLEM_NOT_PDF),
    ],
)
def test_the_page_says_a_tampered_letter_is_not_valid(client, shared_issued_pdf, shared_issued_request, spoil, problem):
    reply = client.post("/verify/", upload(spoil(shared_issued_pdf)))

    html = reply.content.decode()
    assert 'data-valid="false"' in html and problem in html
    assert shared_issued_request.ref not in html


def test_the_page_says_a_foreign_signed_letter_is_not_valid(client, sign_as_foreigner):
    foreign = sign_as_foreigner(letter_render(sample_letter_content(events=5)).pdf)

    html = client.post("/verify/", upload(foreign)).content.decode()

    assert 'data-valid="false"' in html and PROBLEM_UNTRUSTED_SIGNER in html and PROBLEM_NOT_ISSUED in html


def test_a_letter_signed_with_our_key_but_never_issued_is_not_valid(client, shared_issued_response):
    forged = pdf_sign(letter_render(sample_letter_content(events=5)).pdf, reason="Response to LR-2026-000042")

    html = client.post("/verify/", upload(forged)).content.decode()

    assert 'data-valid="false"' in html and PROBLEM_NOT_ISSUED in html
    assert PROBLEM_BROKEN_SIGNATURE not in html


def test_the_page_without_a_file_asks_for_one(client):
    reply = client.post("/verify/", {})

    assert reply.status_code == 400 and "verification-result" not in reply.content.decode()


def test_the_api_answers_in_json(client, shared_issued_pdf, shared_issued_request):
    valid = client.post("/api/v1/responses/verify/", upload(shared_issued_pdf)).json()
    tampered = client.post("/api/v1/responses/verify/", upload(flip_byte(shared_issued_pdf))).json()

    assert valid["valid"] is True and valid["reference"] == shared_issued_request.ref and valid["problems"] == []
    assert tampered["valid"] is False and tampered["reference"] == ""
    assert PROBLEM_BROKEN_SIGNATURE in tampered["problems"]


def test_the_api_refuses_a_request_without_a_file(client):
    assert client.post("/api/v1/responses/verify/", {}).status_code == 400


def test_uploads_above_the_limit_are_refused(client, settings, shared_issued_pdf):
    settings.LAWREQ_MAX_VERIFY_BYTES = 1000

    assert client.post("/api/v1/responses/verify/", upload(shared_issued_pdf)).status_code == 413
    assert client.post("/verify/", upload(shared_issued_pdf)).status_code == 413


def test_verify_response_exits_0_for_a_genuine_letter(tmp_path, shared_issued_pdf, shared_issued_request):
    path = tmp_path / "genuine.pdf"
    path.write_bytes(shared_issued_pdf)

    code, output = verify_command(path)

    assert code == 0 and f"VALID: response to {shared_issued_request.ref}" in output


@pytest.mark.parametrize("spoil", [flip_byte, append_incremental_update])
def test_verify_response_exits_1_for_a_tampered_letter(tmp_path, shared_issued_pdf, spoil):
    path = tmp_path / "tampered.pdf"
    path.write_bytes(spoil(shared_issued_pdf))

    code, output = verify_command(path)

    assert code == 1 and "NOT VALID" in output


def test_verify_response_exits_1_for_a_foreign_signed_letter(tmp_path, sign_as_foreigner):
    path = tmp_path / "foreign.pdf"
    path.write_bytes(sign_as_foreigner(letter_render(sample_letter_content(events=5)).pdf))

    code, output = verify_command(path)

    assert code == 1 and PROBLEM_UNTRUSTED_SIGNER in output


def test_verify_response_reports_a_missing_file(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=re.escape("Cannot read")):
        call_command("verify_response", str(tmp_path / "nope.pdf"))


def test_checks_are_rate_limited_per_address(client, monkeypatch):
    from letters.api import VerificationThrottle

    monkeypatch.setattr(VerificationThrottle, "rate", "2/min")
    for _ in range(2):
        assert client.post("/verify/", upload(b"%PDF-1.7")).status_code == 200
    assert client.post("/verify/", upload(b"%PDF-1.7")).status_code == 429
    assert client.post("/api/v1/responses/verify/", upload(b"%PDF-1.7")).status_code == 429
