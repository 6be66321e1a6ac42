"""PAdES signatures checked by two independent validators: poppler's pdfsig and pyHanko."""

from __future__ import annotations

import io
import re

import pytest
from cryptography import x509
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from demo.letter_samples import sample_letter_content
from letters.keys import ERR_KEYS_IN_REPOSITORY, dev_ca_cert_path, signing_key_init
from letters.rendering import letter_render
from letters.signing import ERR_BAD_SIGNING_KEY, asn1_certificates, pdf_sign, signer_forget, signer_load, trust_roots
from letters.verification import (
    PROBLEM_BAD_TIMESTAMP,
    PROBLEM_BROKEN_SIGNATURE,
    PROBLEM_NO_SIGNATURE,
    PROBLEM_NOT_PDF,
    PROBLEM_NOT_WHOLE_FILE,
    PROBLEM_SEVERAL_SIGNATURES,
    PROBLEM_UNTRUSTED_SIGNER,
    pdf_signature_check,
)
from tests.letters.conftest import append_incremental_update, flip_byte, pdf_text, pdfsig, signing_with


@pytest.fixture(scope="module")
def unsigned_letter() -> bytes:
    return letter_render(sample_letter_content(events=40)).pdf


@pytest.fixture(scope="module")
def signed_letter(unsigned_letter, signing_keys_dir) -> bytes:
    """Signed once for the module (bytes: no test can change it), with the key every letter test uses."""
    with override_settings(**signing_with(signing_keys_dir)):
        signer_forget()
        try:
            return pdf_sign(unsigned_letter, reason="Response to LR-2026-000042")
        finally:
            signer_forget()


def pyhanko_status(pdf: bytes, roots=None):
    signature = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[0]
    context = ValidationContext(
        trust_roots=asn1_certificates(roots if roots is not None else trust_roots()),
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    return validate_pdf_signature(signature, signer_validation_context=context, ts_validation_context=context)


def test_pdfsig_reports_a_valid_pades_signature_over_the_whole_document(signed_letter, tmp_path):
    report = pdfsig(signed_letter, tmp_path)

    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Signing Hash Algorithm: SHA-256" in report


def test_pyhanko_agrees_the_signature_is_intact_trusted_and_covers_the_file(signed_letter):
    status = pyhanko_status(signed_letter)

    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.bottom_line
    assert pdf_signature_check(signed_letter).ok


def test_signing_keeps_the_letter_readable(signed_letter, unsigned_letter):
    assert pdf_text(signed_letter) == pdf_text(unsigned_letter)


def test_a_flipped_byte_breaks_the_signature_for_both_validators(signed_letter, tmp_path):
    tampered = flip_byte(signed_letter)

    assert "Signature Validation: Digest Mismatch." in pdfsig(tampered, tmp_path)
    status = pyhanko_status(tampered)
    assert not (status.intact and status.valid)
    assert PROBLEM_BROKEN_SIGNATURE in pdf_signature_check(tampered).problems


def test_an_appended_incremental_update_is_reported_by_both_validators(signed_letter, tmp_path):
    updated = append_incremental_update(signed_letter)

    report = pdfsig(updated, tmp_path)
    assert "Not total document signed" in report
    status = pyhanko_status(updated)
    assert status.coverage != SignatureCoverageLevel.ENTIRE_FILE
    assert not status.bottom_line  # a certifying signature that allows no change
    assert pdf_signature_check(updated).problems == (PROBLEM_NOT_WHOLE_FILE,)


def test_a_letter_signed_under_another_ca_is_not_ours(unsigned_letter, sign_as_foreigner, tmp_path):
    foreign = sign_as_foreigner(unsigned_letter)

    assert "Signature is Valid." in pdfsig(foreign, tmp_path)  # cryptographically fine...
    assert not pyhanko_status(foreign).trusted  # ...but not by one of our certificates
    assert pdf_signature_check(foreign).problems == (PROBLEM_UNTRUSTED_SIGNER,)


def test_our_certifying_signature_forbids_any_later_signature(signed_letter, foreign_p12):
    signer = signers.SimpleSigner.load_pkcs12(str(foreign_p12), passphrase=b"foreign")
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_letter))

    with pytest.raises(SigningError, match="forbids all changes"):
        signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="Countersignature"), signer=signer)


def test_a_file_with_two_signatures_is_not_one_of_our_letters(unsigned_letter, foreign_p12):
    signer = signers.SimpleSigner.load_pkcs12(str(foreign_p12), passphrase=b"foreign")
    pdf = unsigned_letter
    for field in ("First", "Second"):
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        pdf = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name=field), signer=signer).getvalue()

    assert pdf_signature_check(pdf).problems == (PROBLEM_SEVERAL_SIGNATURES,)


@pytest.mark.parametrize(("data", "problem"), [(b"not a pdf at all", PROBLEM_NOT_PDF), (b"%PDF-1.7\n%%EOF", None)])
def test_garbage_is_answered_with_a_problem_not_an_exception(data, problem):
    problems = pdf_signature_check(data).problems
    assert problems and (problem is None or problems == (problem,))


def test_an_unsigned_letter_has_no_signature(unsigned_letter):
    assert pdf_signature_check(unsigned_letter).problems == (PROBLEM_NO_SIGNATURE,)


def test_with_a_timestamp_authority_the_signature_is_pades_b_t(
    settings, unsigned_letter, timestamp_authority, tmp_path
):
    # given
    settings.LAWREQ_TIMESTAMP_URL = timestamp_authority.url
    settings.LAWREQ_SIGNING_TRUST_ROOTS = str(timestamp_authority.root_pem)
    seen = len(timestamp_authority.requests)

    # when
    signed = pdf_sign(unsigned_letter, reason="Response to LR-2026-000042")

    # then
    assert len(timestamp_authority.requests) == seen + 1
    status = pyhanko_status(signed)
    assert status.bottom_line and status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid and status.timestamp_validity.trusted
    check = pdf_signature_check(signed)
    assert check.ok and check.timestamped
    assert "Signature is Valid." in pdfsig(signed, tmp_path)


def test_a_timestamp_from_an_unknown_authority_is_not_accepted(settings, unsigned_letter, timestamp_authority):
    settings.LAWREQ_TIMESTAMP_URL = timestamp_authority.url  # its root is not among our trust roots

    signed = pdf_sign(unsigned_letter, reason="Response")

    assert PROBLEM_BAD_TIMESTAMP in pdf_signature_check(signed).problems


def test_the_signer_is_loaded_once_and_reloaded_when_the_key_file_changes(settings, tmp_path):
    first = signer_load()
    assert signer_load() is first

    settings.LAWREQ_KEYS_DIR = tmp_path
    settings.LAWREQ_SIGNING_P12 = str(tmp_path / "signing.p12")
    signing_key_init()

    assert signer_load() is not first


def test_signing_key_init_is_idempotent_and_force_keeps_the_ca(settings, tmp_path):
    settings.LAWREQ_KEYS_DIR = tmp_path
    settings.LAWREQ_SIGNING_P12 = str(tmp_path / "signing.p12")

    created = signing_key_init()
    again = signing_key_init()
    rotated = signing_key_init(force=True)

    assert created.created and not again.created and rotated.created
    assert again.fingerprint_sha256 == created.fingerprint_sha256 != rotated.fingerprint_sha256
    ca = x509.load_pem_x509_certificate(dev_ca_cert_path().read_bytes())
    assert {cert.subject for cert in trust_roots()} == {ca.subject}
    assert (tmp_path / "signing.p12").stat().st_mode & 0o077 == 0


def test_signing_keys_are_never_written_into_the_source_tree(settings):
    settings.LAWREQ_KEYS_DIR = settings.BASE_DIR / "letters"
    settings.LAWREQ_SIGNING_P12 = str(settings.BASE_DIR / "letters" / "signing.p12")

    with pytest.raises(ImproperlyConfigured, match=re.escape(ERR_KEYS_IN_REPOSITORY.split("(")[0])):
        signing_key_init()
    assert not (settings.BASE_DIR / "letters" / "signing.p12").exists()


def test_a_wrong_passphrase_is_a_configuration_error(settings):
    settings.LAWREQ_SIGNING_PASSPHRASE = "not the passphrase"

    with pytest.raises(ImproperlyConfigured, match=re.escape(ERR_BAD_SIGNING_KEY.split("{")[0])):
        signer_load()


def test_the_signature_carries_the_pades_baseline_attributes(signed_letter):
    signature = PdfFileReader(io.BytesIO(signed_letter), strict=False).embedded_signatures[0]

    signed_attributes = {attr["type"].native for attr in signature.signer_info["signed_attrs"]}

    assert signed_attributes == {"content_type", "message_digest", "signing_certificate_v2"}  # no signing-time
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert "/M" in signature.sig_object
    signing_certificate = next(
        attr for attr in signature.signer_info["signed_attrs"] if attr["type"].native == "signing_certificate_v2"
    )
    assert signing_certificate["values"][0]["certs"][0]["cert_hash"].native == signature.signer_cert.sha256
