"""Is this PDF a response this system issued, unaltered?

Four checks, all of which must hold:
1. exactly one signature, cryptographically intact and valid;
2. it covers the whole file (nothing appended after signing, not even an incremental update);
3. its certificate chains to one of our trust roots (``letters.signing.trust_roots``) and, when a
   timestamp is present, the timestamp is valid too;
4. the file's SHA-256 is the one recorded for a stored response, signed by the certificate recorded
   with it.

The answer names the request reference only when every check holds, and never any personal data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass

from cryptography import x509
from django.utils.translation import gettext_noop
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from letters.certificate import CertificateCheck
from letters.signing import asn1_certificates, certificate_fingerprint, is_internal_report_certificate, trust_roots

logger = logging.getLogger(__name__)

# In English in the API; the public verification page prints them in the visitor's language.

PROBLEM_NOT_PDF = gettext_noop("The file is not a readable PDF.")
PROBLEM_NO_SIGNATURE = gettext_noop("The file carries no signature.")
PROBLEM_SEVERAL_SIGNATURES = gettext_noop("The file carries more than one signature; our responses carry exactly one.")
PROBLEM_BROKEN_SIGNATURE = gettext_noop("The signature does not match the file: it was altered after signing.")
PROBLEM_NOT_WHOLE_FILE = gettext_noop("The signature does not cover the whole file: content was added after signing.")
PROBLEM_UNTRUSTED_SIGNER = gettext_noop("The signature was not made with one of our certificates.")
PROBLEM_BAD_TIMESTAMP = gettext_noop("The signature's timestamp is not valid.")
PROBLEM_NOT_ISSUED = gettext_noop("This exact file is not a response issued by this system.")
PROBLEM_INTERNAL_REPORT = gettext_noop(
    "The file is one of this system's internal reports, signed with the reports' certificate: it is not a response."
)


@dataclass(frozen=True)
class SignatureCheck:
    """What the file itself proves, before any look-up in our records."""

    problems: tuple[str, ...]
    sha256: str
    signer_fingerprint: str = ""
    signer_subject: str = ""
    signed_at: dt.datetime | None = None
    timestamped: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Verification:
    valid: bool
    problems: tuple[str, ...]
    reference: str = ""
    issued_at: dt.datetime | None = None
    signer_subject: str = ""
    timestamped: bool = False
    # The certificate of authenticity the letter carries, its hashes checked against the attachments
    # of the uploaded file; None when it carries none.
    certificate: CertificateCheck | None = None


def pdf_signature_check(pdf: bytes) -> SignatureCheck:
    """Checks 1 to 3. Never raises on hostile input: every failure becomes a problem."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # any parse failure of an uploaded file means "not a PDF"
        return SignatureCheck(problems=(PROBLEM_NOT_PDF,), sha256=sha256)
    if not signatures:
        return SignatureCheck(problems=(PROBLEM_NO_SIGNATURE,), sha256=sha256)
    if len(signatures) > 1:
        return SignatureCheck(problems=(PROBLEM_SEVERAL_SIGNATURES,), sha256=sha256)
    roots = asn1_certificates(trust_roots())
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(signatures[0], signer_validation_context=context, ts_validation_context=context)
    except (PdfError, ValueError, KeyError, TypeError, AttributeError):
        return SignatureCheck(problems=(PROBLEM_BROKEN_SIGNATURE,), sha256=sha256)
    except Exception:  # a validator bug must turn neither into "valid" nor into a 500
        logger.exception("signature validation failed unexpectedly")
        return SignatureCheck(problems=(PROBLEM_BROKEN_SIGNATURE,), sha256=sha256)

    signer_cert = x509.load_der_x509_certificate(status.signing_cert.dump())
    if is_internal_report_certificate(signer_cert):
        # Whatever else holds: an internal report is never taken for a response.
        return SignatureCheck(
            problems=(PROBLEM_INTERNAL_REPORT,),
            sha256=sha256,
            signer_fingerprint=certificate_fingerprint(signer_cert),
            signer_subject=signer_cert.subject.rfc4514_string(),
        )
    problems = []
    if not (status.intact and status.valid):
        problems.append(PROBLEM_BROKEN_SIGNATURE)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        problems.append(PROBLEM_NOT_WHOLE_FILE)
    if not status.trusted:
        problems.append(PROBLEM_UNTRUSTED_SIGNER)
    timestamp = status.timestamp_validity
    if timestamp is not None and not (timestamp.intact and timestamp.valid and timestamp.trusted):
        problems.append(PROBLEM_BAD_TIMESTAMP)
    return SignatureCheck(
        problems=tuple(problems),
        sha256=sha256,
        signer_fingerprint=certificate_fingerprint(signer_cert),
        signer_subject=signer_cert.subject.rfc4514_string(),
        signed_at=timestamp.timestamp if timestamp is not None else status.signer_reported_dt,
        timestamped=timestamp is not None,
    )
