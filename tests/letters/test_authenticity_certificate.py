"""The certificate of authenticity of business records (FRE 902(11), 902(13)) a letter carries when the
officer asked for it: the hashes it prints are those of the files embedded in the signed PDF (read here
with pypdf, printed text read with poppler's pdftotext), recorded on the response, and shown by /verify/."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from demo.letter_samples import sample_letter_content, sample_rejection_content
from letters.certificate import (
    DECLARATION_OUTSIDE_US,
    DECLARATION_WITHIN_US,
    DIFFERS,
    ERR_EXECUTION_PLACE,
    ERR_NO_CUSTODIAN,
    MATCH,
    MISSING,
    WHY_NO_CERTIFICATE,
    certificate_check,
)
from letters.content import LetterKind
from letters.exports import IP_EVENTS_CSV, PHONE_NUMBERS_CSV, RECORDS_JSON
from letters.models import Response
from letters.rendering import ENGLISH_COPY_NAME, letter_render
from letters.verification import PROBLEM_BROKEN_SIGNATURE, PROBLEM_NOT_ISSUED
from tests.letters.conftest import attachments, issued_pdf_of, pdf_text, pdfsig
from tests.letters.test_verification import upload, verify_command
from workflow.services import do_issue_response

pytestmark = pytest.mark.django_db

CUSTODIAN = "Custodian of Records, Trust and Safety Legal Response"
DECLARANT = "Jordan Q. Declarant"
OUTSIDE_US = "under the laws of the United States of America"
TITLE = "Certificate of authenticity of business records"
RECORD_FILES = {IP_EVENTS_CSV, PHONE_NUMBERS_CSV, RECORDS_JSON}
SHA256 = re.compile(r"\b[0-9a-f]{64}\b")


@pytest.fixture(autouse=True)
def custodian(settings):
    settings.LAWREQ_RECORDS_CUSTODIAN = CUSTODIAN


@pytest.fixture
def certified_request(decided_factory, officer_a, account):
    return decided_factory(officer_a, authenticity_certificate=True)


def issue(legal_request) -> tuple[Response, bytes]:
    response = do_issue_response(legal_request_id=legal_request.pk)
    assert response.status == "stored"
    return response, issued_pdf_of(response)


def certificate_page(pdf: bytes) -> tuple[int, str]:
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    for number in range(1, pages + 1):
        text = pdf_text(pdf, first=number, last=number)
        if TITLE in text:
            return number, text
    raise AssertionError("no certificate page")


def printed_hashes(text: str) -> dict[str, str]:
    """File name → SHA-256 as the certificate's table prints them (one row per file)."""
    rows = {}
    for line in text.splitlines():
        digest = SHA256.search(line)
        name = next((name for name in RECORD_FILES if name in line), None)
        if digest and name:
            rows[name] = digest.group(0)
    return rows


def test_the_certificate_hashes_are_those_of_the_embedded_files_and_recorded(certified_request, tmp_path):
    response, pdf = issue(certified_request)

    embedded = {name: hashlib.sha256(data).hexdigest() for name, data in attachments(pdf).items()}
    assert set(embedded) == RECORD_FILES
    page, text = certificate_page(pdf)
    assert printed_hashes(text) == embedded
    assert CUSTODIAN in text and certified_request.ref in text and "Example Messaging Platform" in text
    assert "902(11)" in text and "902(13)" in text and "803(6)(A)" in text
    assert "under penalty of perjury under the laws of the United States of America" in text
    assert "true and correct" in text
    assert {f["name"]: f["sha256"] for f in response.certificate["files"]} == embedded
    assert response.certificate["custodian"] == CUSTODIAN
    assert response.certificate["ref"] == certified_request.ref
    # the certificate is on its own page, after the letter's signature statement, inside the signed file
    assert page > 1 and "signed electronically" not in pdf_text(pdf, first=page, last=page).split(TITLE)[0]
    report = pdfsig(pdf, tmp_path)
    assert "Signature is Valid." in report and "Total document signed" in report


def single_spaced(text: str) -> str:
    return " ".join(text.split())


def test_a_declaration_executed_outside_the_united_states_takes_the_form_of_1746_1(settings, certified_request):
    settings.LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US = False

    response, pdf = issue(certified_request)

    text = single_spaced(certificate_page(pdf)[1])
    assert f"{DECLARATION_OUTSIDE_US} Executed on" in text
    assert "28 U.S.C. § 1746(1)" in text and "1746(2)" not in text
    assert response.certificate["executed_in_us"] is False


def test_a_declaration_executed_within_the_united_states_takes_the_form_of_1746_2(
    settings, certified_request, tmp_path
):
    settings.LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US = True

    response, pdf = issue(certified_request)

    text = single_spaced(certificate_page(pdf)[1])
    assert f"{DECLARATION_WITHIN_US} Executed on" in text
    assert OUTSIDE_US not in text
    assert "28 U.S.C. § 1746(2)" in text and "1746(1)" not in text
    assert response.certificate["executed_in_us"] is True
    report = pdfsig(pdf, tmp_path)
    assert "Signature is Valid." in report and "Total document signed" in report


def test_a_named_declarant_signs_with_the_custodians_function(settings, certified_request):
    settings.LAWREQ_RECORDS_CUSTODIAN_NAME = DECLARANT

    response, pdf = issue(certified_request)

    text = single_spaced(certificate_page(pdf)[1])
    assert f"The undersigned, {DECLARANT}, acting as {CUSTODIAN} of Example Messaging Platform" in text
    assert f"{DECLARANT}, {CUSTODIAN}, for Example Messaging Platform" in text
    assert response.certificate["declarant"] == DECLARANT and response.certificate["custodian"] == CUSTODIAN


def test_without_a_named_declarant_the_certificate_names_the_function_only(settings, certified_request):
    settings.LAWREQ_RECORDS_CUSTODIAN_NAME = ""

    response, pdf = issue(certified_request)

    text = single_spaced(certificate_page(pdf)[1])
    assert f"The undersigned, acting as {CUSTODIAN}" in text and "Declarant" not in text
    assert response.certificate["declarant"] == ""


def test_the_rendering_refuses_a_certificate_without_a_place_of_execution():
    content = sample_letter_content(
        authenticity_certificate=True, records_custodian=CUSTODIAN, records_custodian_executed_in_us=None
    )

    with pytest.raises(ImproperlyConfigured, match=re.escape(ERR_EXECUTION_PLACE)):
        letter_render(content)


def test_the_certificate_never_names_a_member_of_staff(certified_request, analyst, reviewer):
    _response, pdf = issue(certified_request)

    _page, text = certificate_page(pdf)
    for user in (analyst, reviewer):
        assert user.username not in text
        assert not user.get_full_name() or user.get_full_name() not in text


def test_the_issuance_is_audited_with_the_certified_hashes(certified_request):
    from audit.models import AuditEntry

    response, _pdf = issue(certified_request)

    entry = AuditEntry.objects.filter(action="response.issued", request_ref=certified_request.ref).get()
    assert entry.details["authenticity_certificate"]["files"] == {
        f["name"]: f["sha256"] for f in response.certificate["files"]
    }
    assert entry.details["authenticity_certificate"]["declaration"] == "28 U.S.C. § 1746(1)"


def test_a_streamed_letter_certifies_the_streamed_attachments(settings, certified_request, tmp_path):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = 1

    response, pdf = issue(certified_request)

    assert "too many to print" in pdf_text(pdf)  # the streamed path
    embedded = {name: hashlib.sha256(data).hexdigest() for name, data in attachments(pdf).items()}
    assert set(embedded) == RECORD_FILES
    _page, text = certificate_page(pdf)
    assert printed_hashes(text) == embedded
    assert {f["name"]: f["sha256"] for f in response.certificate["files"]} == embedded
    report = pdfsig(pdf, tmp_path)
    assert "Signature is Valid." in report and "Total document signed" in report


def test_no_certificate_unless_asked_for(approved_request):
    response, pdf = issue(approved_request)

    assert response.certificate is None
    assert TITLE not in pdf_text(pdf)


def test_a_rejection_letter_carries_no_certificate_and_the_staff_page_says_why(
    decided_factory, officer_a, account, client, analyst
):
    legal_request = decided_factory(officer_a, decision="reject", authenticity_certificate=True)

    response, pdf = issue(legal_request)

    assert response.kind == LetterKind.REJECTION
    assert response.certificate is None and TITLE not in pdf_text(pdf)
    client.force_login(analyst)
    page = client.get(reverse("web:staff-detail", kwargs={"ref": legal_request.ref})).content.decode()
    assert 'id="letter-no-certificate"' in page and WHY_NO_CERTIFICATE[LetterKind.REJECTION] in page


def test_a_letter_without_records_carries_no_certificate(decided_factory, officer_a):
    legal_request = decided_factory(officer_a, authenticity_certificate=True)  # no account matches its targets

    response, pdf = issue(legal_request)

    assert response.kind == LetterKind.NO_RECORDS
    assert response.certificate is None and TITLE not in pdf_text(pdf)


def test_the_rendering_refuses_a_certificate_without_a_custodian():
    content = sample_letter_content(authenticity_certificate=True, records_custodian=" ")

    with pytest.raises(ImproperlyConfigured, match=re.escape(ERR_NO_CUSTODIAN)):
        letter_render(content)


def test_a_rejection_content_renders_without_a_certificate():
    rendered = letter_render(sample_rejection_content(authenticity_certificate=True, records_custodian=CUSTODIAN))

    assert rendered.certificate is None and TITLE not in pdf_text(rendered.pdf)


def test_a_french_letter_carries_the_certificate_in_english_in_both_copies():
    content = sample_letter_content(authenticity_certificate=True, records_custodian=CUSTODIAN, language="fr")

    rendered = letter_render(content)

    _page, text = certificate_page(rendered.pdf)
    embedded = attachments(rendered.pdf)
    assert ENGLISH_COPY_NAME in embedded and RECORDS_JSON in embedded
    expected = {name: hashlib.sha256(data).hexdigest() for name, data in embedded.items() if name != ENGLISH_COPY_NAME}
    assert printed_hashes(text) == expected
    assert "under penalty of perjury under the laws of the United States of America" in text
    _english_page, english_text = certificate_page(embedded[ENGLISH_COPY_NAME])
    assert printed_hashes(english_text) == expected


# /verify/, the API and verify_response


def test_verify_shows_the_certificate_and_a_match_for_each_hash(client, certified_request, tmp_path):
    response, pdf = issue(certified_request)

    html = client.post("/verify/", upload(pdf)).content.decode()

    assert 'data-valid="true"' in html and 'id="certificate"' in html and CUSTODIAN in html
    for file in response.certificate["files"]:
        assert file["name"] in html and html.count(file["sha256"]) == 2  # stated and recomputed
    assert html.count('data-status="match"') == len(RECORD_FILES) and 'data-status="differs"' not in html
    body = client.post("/api/v1/responses/verify/", upload(pdf)).json()
    assert body["certificate"]["custodian"] == CUSTODIAN and body["certificate"]["ref"] == certified_request.ref
    assert {f["name"]: f["status"] for f in body["certificate"]["files"]} == dict.fromkeys(RECORD_FILES, "match")
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    code, out = verify_command(path)
    assert code == 0 and CUSTODIAN in out and out.count(": match") == len(RECORD_FILES)


def test_verify_names_the_declarant_and_the_paragraph_of_the_declaration(settings, client, certified_request, tmp_path):
    settings.LAWREQ_RECORDS_CUSTODIAN_NAME = DECLARANT
    settings.LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US = True
    _response, pdf = issue(certified_request)

    html = client.post("/verify/", upload(pdf)).content.decode()
    body = client.post("/api/v1/responses/verify/", upload(pdf)).json()
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    code, out = verify_command(path)

    assert f"Declared by {DECLARANT}." in html and "in the form of 28 U.S.C. § 1746(2)." in html
    assert body["certificate"]["declarant"] == DECLARANT
    assert body["certificate"]["declaration"] == "28 U.S.C. § 1746(2)"
    assert code == 0 and f"by {DECLARANT}, {CUSTODIAN}" in out and "(declaration: 28 U.S.C. § 1746(2))" in out


def test_verify_reports_a_letter_whose_attachment_was_swapped_as_invalid(client, certified_request):
    _response, pdf = issue(certified_request)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.attachments  # noqa: B018  (loads the name tree)
    writer.add_attachment(RECORDS_JSON, b'{"ref":"forged","targets":[]}')
    swapped = io.BytesIO()
    writer.write(swapped)

    html = client.post("/verify/", upload(swapped.getvalue())).content.decode()
    body = client.post("/api/v1/responses/verify/", upload(swapped.getvalue())).json()

    assert 'data-valid="false"' in html and 'id="certificate"' not in html
    assert body["valid"] is False and body["certificate"] is None
    assert {PROBLEM_BROKEN_SIGNATURE, PROBLEM_NOT_ISSUED} & set(body["problems"])


def test_verify_shows_no_certificate_for_a_letter_without_one(client, approved_request):
    _response, pdf = issue(approved_request)

    body = client.post("/api/v1/responses/verify/", upload(pdf)).json()
    html = client.post("/verify/", upload(pdf)).content.decode()

    assert body["valid"] is True and body["certificate"] is None
    assert 'id="certificate"' not in html


def test_a_stated_hash_that_is_not_the_attachments_is_reported_as_differing():
    rendered = letter_render(sample_letter_content(authenticity_certificate=True, records_custodian=CUSTODIAN))
    record = rendered.certificate.as_record()
    record["files"][0]["sha256"] = "0" * 64
    record["files"].append({"name": "gone.csv", "size": 1, "sha256": "1" * 64})

    check = certificate_check(record, rendered.pdf)

    assert [f.status for f in check.files] == [DIFFERS] + [MATCH] * (len(record["files"]) - 2) + [MISSING]
    assert not check.all_match
