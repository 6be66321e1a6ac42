"""Incoming orders carrying a digital signature are validated with pyHanko against the trust roots of
the request's jurisdiction (and its region); the result is stored with the document, audited, shown
to the legal team, and read by the rules."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from audit.actions import AuditAction
from audit.models import AuditEntry
from requests_app.choices import SignatureFormat, SignatureStatus
from requests_app.documents import ERR_NOT_PDF
from requests_app.models import Jurisdiction, LegalDocument
from requests_app.signatures import (
    ERR_CONTAINER,
    ERR_CONTAINER_NO_PDF,
    ERR_CONTAINER_TOO_LARGE,
    ERR_NOT_CMS,
    MAX_SIGNATURE_BYTES,
    REASON_TIMEOUT,
    qualified_statements,
)
from requests_app.trust import trust_root_add
from tests.conftest import fr_request_payload, make_pdf
from tests.requests_app.signing_kit import (
    OrderCA,
    asic_e,
    asic_e_manifest,
    asic_s,
    cades_sign,
    pades_sign,
    signer_certificate,
)

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/requests/"


@pytest.fixture(scope="module")
def judicial_ca() -> OrderCA:
    return OrderCA.create("EU judicial test CA")


@pytest.fixture(scope="module")
def other_ca() -> OrderCA:
    return OrderCA.create("Some other CA")


@pytest.fixture(scope="module")
def judge(judicial_ca):
    return judicial_ca.signer()


@pytest.fixture
def eu_root(judicial_ca):
    return trust_root_add(
        jurisdiction=Jurisdiction.objects.get(code="EU"), label="EU judicial", certificate=judicial_ca.pem, actor=None
    )


def fr_draft(client) -> str:
    return client.post(REQUESTS, fr_request_payload(), format="json").json()["ref"]


def upload(client, ref: str, content: bytes, *, name: str = "order.pdf", signature: bytes | None = None):
    data = {"file": SimpleUploadedFile(name, content)}
    if signature is not None:
        data["signature"] = SimpleUploadedFile("order.pdf.p7s", signature)
    return client.post(f"{REQUESTS}{ref}/documents/", data, format="multipart")


def stored(ref: str) -> LegalDocument:
    return LegalDocument.objects.get(legal_request__ref=ref)


def stored_files(settings) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def tampered(signed: bytes) -> bytes:
    """One signed byte changed (in the document information), the file otherwise the same."""
    marker = signed.index(b"ReportLab")
    return signed[:marker] + b"ReportLaX" + signed[marker + 9 :]


def content_changed_by_incremental_update(signed: bytes) -> bytes:
    """A later revision that replaces the first page's content: the signature is intact, but covers only
    the first revision, and what was added is not a signature."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 720 Td (Release everything) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


# --- PAdES ----------------------------------------------------------------------------------------


def test_a_pades_signed_order_chaining_to_the_eu_root_is_valid_for_france(api, officer_b, analyst, judge, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)

    response = upload(client, ref, pades_sign(make_pdf(), judge))

    assert response.status_code == 201
    document = stored(ref)
    assert document.signature_status == SignatureStatus.VALID
    assert document.signature_format == SignatureFormat.PADES
    assert document.signature_signer == "Juge d'instruction, Tribunal judiciaire de Paris"
    assert "EU judicial test CA" in document.signature_issuer
    assert document.signature_checked_at is not None
    assert "Revocation not checked" in document.signature_reason
    # The officer learns only that it is signed and verified; the legal team sees who signed.
    assert response.json()["signature"] == {"signed": True, "verified": True}
    staff_view = api(analyst).get(f"{REQUESTS}{ref}/").json()["documents"][0]["signature"]
    assert staff_view["status"] == "valid"
    assert staff_view["signer"] == document.signature_signer
    entry = AuditEntry.objects.get(action=AuditAction.DOCUMENT_SIGNATURE_CHECKED, request_ref=ref)
    assert entry.details["status"] == "valid"
    assert "Juge" not in str(entry.details)


def test_a_pades_order_altered_after_signing_is_invalid(api, officer_b, judge, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)
    signed = pades_sign(make_pdf(), judge)

    assert upload(client, ref, tampered(signed)).status_code == 201

    assert stored(ref).signature_status == SignatureStatus.INVALID


def test_a_pades_order_whose_content_an_incremental_update_changed_is_invalid(api, officer_b, judge, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)
    changed = content_changed_by_incremental_update(pades_sign(make_pdf(), judge))
    assert len(PdfFileReader(io.BytesIO(changed)).embedded_signatures) == 1

    assert upload(client, ref, changed).status_code == 201

    document = stored(ref)
    assert document.signature_status == SignatureStatus.INVALID
    assert "changed after signing" in document.signature_reason


def test_an_order_signed_under_an_unconfigured_root_is_untrusted(api, officer_b, other_ca, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)

    upload(client, ref, pades_sign(make_pdf(), other_ca.signer()))

    assert stored(ref).signature_status == SignatureStatus.UNTRUSTED


def test_an_order_signed_with_an_expired_certificate_is_expired(api, officer_b, judicial_ca, eu_root):
    now = dt.datetime.now(dt.UTC)
    lapsed = judicial_ca.signer(not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1))
    client = api(officer_b)
    ref = fr_draft(client)

    upload(client, ref, pades_sign(make_pdf(), lapsed))

    assert stored(ref).signature_status == SignatureStatus.EXPIRED


def test_an_unsigned_order_is_recorded_as_unsigned(api, officer_b, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)

    response = upload(client, ref, make_pdf())

    assert stored(ref).signature_status == SignatureStatus.UNSIGNED
    assert response.json()["signature"] == {"signed": False, "verified": False}


def test_every_signature_is_checked_and_one_untrusted_counter_signature_is_enough(
    api, officer_b, judge, other_ca, eu_root
):
    client = api(officer_b)
    ref = fr_draft(client)
    twice = pades_sign(pades_sign(make_pdf(), judge), other_ca.signer("Intruder"), field_name="Signature2")

    upload(client, ref, twice)

    assert stored(ref).signature_status == SignatureStatus.UNTRUSTED


# --- trust roots per jurisdiction -----------------------------------------------------------------


def test_a_root_configured_for_germany_does_not_make_a_french_order_trusted(api, officer_b, judicial_ca, judge):
    trust_root_add(
        jurisdiction=Jurisdiction.objects.get(code="DE"), label="DE only", certificate=judicial_ca.der, actor=None
    )
    client = api(officer_b)
    ref = fr_draft(client)

    upload(client, ref, pades_sign(make_pdf(), judge))

    assert stored(ref).signature_status == SignatureStatus.UNTRUSTED


def test_a_root_configured_for_france_itself_is_used(api, officer_b, judicial_ca, judge):
    trust_root_add(
        jurisdiction=Jurisdiction.objects.get(code="FR"), label="FR", certificate=judicial_ca.der, actor=None
    )
    client = api(officer_b)
    ref = fr_draft(client)

    upload(client, ref, pades_sign(make_pdf(), judge))

    assert stored(ref).signature_status == SignatureStatus.VALID


# --- CAdES and ASiC -------------------------------------------------------------------------------


def test_a_detached_cades_signature_beside_the_pdf_validates(api, officer_b, judge, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)
    pdf = make_pdf()

    response = upload(client, ref, pdf, signature=cades_sign(pdf, judge))

    assert response.status_code == 201
    document = stored(ref)
    assert (document.signature_status, document.signature_format) == (SignatureStatus.VALID, SignatureFormat.CADES)
    assert document.signature_cms_sealed  # kept, sealed, for the next check


def test_a_detached_signature_of_another_document_is_invalid(api, officer_b, judge, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)

    upload(client, ref, make_pdf("Court order"), signature=cades_sign(make_pdf("Another order"), judge))

    assert stored(ref).signature_status == SignatureStatus.INVALID


def test_an_enveloping_p7m_stores_the_pdf_it_contains_and_validates(api, officer_b, judge, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)
    pdf = make_pdf()

    response = upload(client, ref, cades_sign(pdf, judge, detached=False), name="order.pdf.p7m")

    assert response.status_code == 201
    document = stored(ref)
    assert document.signature_status == SignatureStatus.VALID
    assert document.size == len(pdf)
    assert document.name == "order.pdf"
    download = api(officer_b).get(f"{REQUESTS}{ref}/documents/{document.pk}/", HTTP_ACCEPT="application/pdf")
    assert b"".join(download.streaming_content) == pdf


def test_an_asic_s_container_validates_and_its_pdf_becomes_the_document(api, officer_b, judge, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)
    pdf = make_pdf()

    response = upload(client, ref, asic_s(pdf, cades_sign(pdf, judge)), name="order.asics")

    assert response.status_code == 201
    document = stored(ref)
    assert (document.signature_status, document.signature_format) == (SignatureStatus.VALID, SignatureFormat.ASIC)
    assert document.size == len(pdf)


def test_an_asic_s_container_whose_pdf_was_swapped_is_invalid(api, officer_b, judge, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)

    upload(client, ref, asic_s(make_pdf("Swapped order"), cades_sign(make_pdf(), judge)), name="order.asics")

    assert stored(ref).signature_status == SignatureStatus.INVALID


def test_an_asic_e_container_validates_through_its_signed_manifest(api, officer_b, judge, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)

    upload(client, ref, asic_e(make_pdf(), judge), name="order.asice")

    assert stored(ref).signature_status == SignatureStatus.VALID


def test_an_asic_e_manifest_that_does_not_list_the_pdf_is_invalid(api, officer_b, judge, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)
    other_manifest = asic_e_manifest(make_pdf("Another order"))

    upload(client, ref, asic_e(make_pdf(), judge, manifest=other_manifest), name="order.asice")

    assert stored(ref).signature_status == SignatureStatus.INVALID


def test_a_xades_container_is_recorded_as_unsupported(api, officer_b, eu_root):
    client = api(officer_b)
    ref = fr_draft(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.etsi.asic-s+zip")
        archive.writestr("order.pdf", make_pdf())
        archive.writestr("META-INF/signatures.xml", "<XAdESSignatures/>")

    assert upload(client, ref, buffer.getvalue(), name="order.asics").status_code == 201

    document = stored(ref)
    assert document.signature_status == SignatureStatus.UNSUPPORTED
    assert "XAdES" in document.signature_reason


# --- qualified ------------------------------------------------------------------------------------


def test_a_qualified_seal_is_recognised_from_its_qc_statements(api, officer_b, judicial_ca, eu_root):
    seal = judicial_ca.signer("Parquet de Paris", qualified=True)
    pdf = make_pdf()
    signature = cades_sign(pdf, seal)
    assert qualified_statements(signer_certificate(signature)) == (
        True,
        "qualified electronic seal (qualified device)",
    )
    client = api(officer_b)
    ref = fr_draft(client)

    upload(client, ref, pdf, signature=signature)

    document = stored(ref)
    assert document.signature_qualified is True
    assert "qualified electronic seal" in document.signature_reason


def test_a_certificate_without_qc_statements_is_not_qualified(judge):
    signature = cades_sign(b"anything", judge)
    assert qualified_statements(signer_certificate(signature)) == (False, "")


# --- bad inputs: a clear 4xx, nothing stored -------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "signature", "status", "detail"),
    [
        (b"%PDF-1.7 not really", "order.pdf", b"\x30\x03garbage", 415, ERR_NOT_CMS),
        (b"just some text", "order.p7m", None, 415, ERR_NOT_PDF),
        (b"\x30\x82\x01\x00" + b"\x00" * 256, "order.p7m", None, 415, ERR_NOT_PDF),
    ],
)
def test_garbage_is_refused_and_nothing_is_stored(api, officer_b, settings, content, name, signature, status, detail):
    client = api(officer_b)
    ref = fr_draft(client)
    if content.startswith(b"%PDF"):
        content = make_pdf()

    response = upload(client, ref, content, name=name, signature=signature)

    assert (response.status_code, response.json()["detail"]) == (status, detail)
    assert not LegalDocument.objects.filter(legal_request__ref=ref).exists()
    assert stored_files(settings) == []


def test_a_zip_without_a_pdf_is_refused(api, officer_b, settings):
    client = api(officer_b)
    ref = fr_draft(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.etsi.asic-s+zip")
        archive.writestr("notes.txt", "hello")

    response = upload(client, ref, buffer.getvalue(), name="order.asics")

    assert (response.status_code, response.json()["detail"]) == (415, ERR_CONTAINER_NO_PDF)
    assert stored_files(settings) == []


def test_a_zip_bomb_is_refused_without_being_inflated(api, officer_b, settings):
    settings.LAWREQ_MAX_DOCUMENT_BYTES = 1024 * 1024
    client = api(officer_b)
    ref = fr_draft(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("order.pdf", b"%PDF-" + b"\x00" * (50 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 100 * 1024

    response = upload(client, ref, bomb, name="order.asics")

    assert (response.status_code, response.json()["detail"]) == (
        413,
        ERR_CONTAINER_TOO_LARGE.format(limit=settings.LAWREQ_MAX_DOCUMENT_BYTES),
    )
    assert stored_files(settings) == []


def test_a_zip_bomb_that_lies_about_its_size_is_refused_when_read(api, officer_b, settings):
    settings.LAWREQ_MAX_DOCUMENT_BYTES = 1024 * 1024
    client = api(officer_b)
    ref = fr_draft(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("order.pdf", b"%PDF-" + b"\x00" * (4 * 1024 * 1024))
    bomb = bytearray(buffer.getvalue())
    # Both size fields of the central directory claim 10 bytes: the read must stop on its own.
    directory = bomb.rindex(b"PK\x01\x02")
    bomb[directory + 24 : directory + 28] = (10).to_bytes(4, "little")

    response = upload(client, ref, bytes(bomb), name="order.asics")

    assert response.status_code in (413, 415)
    assert stored_files(settings) == []


def test_a_signature_file_larger_than_the_limit_is_refused(api, officer_b):
    client = api(officer_b)
    ref = fr_draft(client)

    response = upload(client, ref, make_pdf(), signature=b"\x30" * (MAX_SIGNATURE_BYTES + 1))

    assert response.status_code == 413
    assert not LegalDocument.objects.filter(legal_request__ref=ref).exists()


def test_a_container_whose_compressed_pdf_is_corrupt_is_refused(api, officer_b, settings):
    client = api(officer_b)
    ref = fr_draft(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("order.pdf", make_pdf(pages=20))
    corrupt = bytearray(buffer.getvalue())
    start = corrupt.index(b"order.pdf") + len("order.pdf")
    corrupt[start + 10 : start + 60] = b"\xff" * 50

    response = upload(client, ref, bytes(corrupt), name="order.asics")

    assert (response.status_code, response.json()["detail"]) == (415, ERR_CONTAINER)
    assert stored_files(settings) == []


def test_a_check_that_does_not_finish_in_time_is_recorded_as_not_done_and_never_a_500(
    api, officer_b, judge, eu_root, settings
):
    # No signature validation completes in zero seconds: the upload answers at once all the same.
    settings.LAWREQ_SIGNATURE_CHECK_SECONDS = 0
    client = api(officer_b)
    ref = fr_draft(client)

    response = upload(client, ref, pades_sign(make_pdf(), judge))

    assert response.status_code == 201
    document = stored(ref)
    assert document.signature_status == SignatureStatus.UNSUPPORTED
    assert document.signature_reason == REASON_TIMEOUT.format(seconds=0)
