"""Incoming orders' digital signatures: unpacked from what the officer uploads and validated offline
with pyHanko (the library that signs our letters) against the trust roots of the request's
jurisdiction and of the regions above it.

Accepted uploads, each holding exactly one PDF, which becomes the stored document:
- a PDF, signed inside (PAdES) or not, optionally with a detached CAdES signature (``.p7s``) beside it;
- an enveloping CAdES signature (``.p7m``) whose signed content is the PDF;
- an ASiC-S or ASiC-E container (e-CODEX), a zip with the PDF and ``META-INF/*.p7s`` (CAdES);
  XAdES signatures (``META-INF/*signatures*.xml``) are recorded as unsupported.

Validation never fetches anything: revocation is not checked unless the signature embeds it.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import datetime as dt
import hashlib
import io
import logging
import lzma
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from xml.etree import ElementTree

from asn1crypto import cms, pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.qualified_asn1 import QcStatements
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from lawreq.errors import PayloadTooLarge, UnsupportedMediaType
from requests_app.choices import SignatureFormat, SignatureStatus
from requests_app.documents import ERR_NOT_PDF, PDF_MAGIC, check_document_size, max_document_bytes

logger = logging.getLogger(__name__)

ERR_SIGNATURE_TOO_LARGE = "The signature file is larger than the limit of {limit} bytes."
ERR_NOT_CMS = "The signature file is not a CMS (PKCS #7) signature (.p7s)."
ERR_SIGNATURE_WITHOUT_PDF = "A detached signature (.p7s) is accepted only beside the PDF it signs."
ERR_P7M_NOT_PDF = "The signed file (.p7m) does not contain a PDF."
ERR_CONTAINER = "The container cannot be read as an ASiC (zip) container."
ERR_CONTAINER_MIMETYPE = "The container's mimetype is not that of an ASiC container."
ERR_CONTAINER_NO_PDF = "The container holds no PDF document."
ERR_CONTAINER_SEVERAL_PDFS = "The container holds more than one PDF: send one order per container."
ERR_CONTAINER_TOO_LARGE = "The container's files are larger than the limit of {limit} bytes."
ERR_CONTAINER_ENTRIES = "The container holds more than {limit} files."

REASON_UNSIGNED = "The document carries no digital signature."
REASON_VALID = "The signature is intact, covers the whole document and chains to a configured trust root."
REASON_OFFLINE = " Revocation not checked (offline) unless embedded in the signature."
REASON_BROKEN = "The signature does not match the document: it was altered after signing, or the signature is broken."
REASON_NOT_WHOLE = "The signature does not cover the whole document: content was changed after signing."
REASON_REVOKED = "The signing certificate is revoked."
REASON_UNTRUSTED = "The signing certificate chains to no trust root configured for this jurisdiction."
REASON_EXPIRED = "The signing certificate (or one above it) has expired or is not yet valid."
REASON_XADES = "XAdES signatures are not supported; the container's signature could not be checked."
REASON_ASIC_MANIFEST = "The container's manifest does not list the PDF with its digest."
REASON_TOO_MANY = "The document carries more than {limit} signatures; they were not checked."
REASON_UNREADABLE = "The signature could not be read."
REASON_TIMEOUT = "The signature could not be checked within {seconds} seconds; run the checks again later."

ASIC_MIMETYPES = frozenset({"application/vnd.etsi.asic-s+zip", "application/vnd.etsi.asic-e+zip"})
ZIP_MAGIC = b"PK\x03\x04"
MAX_SIGNATURE_BYTES = 1024 * 1024
MAX_CONTAINER_ENTRIES = 32
# Each signature costs a full validation: a document with more is not checked (bounded time).
MAX_SIGNATURES = 8
_CHECKS = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="signature-check")
EXPIRY_INDICATIONS = frozenset(
    {
        AdESIndeterminate.EXPIRED,
        AdESIndeterminate.NOT_YET_VALID,
        AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
        AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
    }
)
# Worst first: a document with several signatures takes the worst outcome.
SEVERITY = (
    SignatureStatus.INVALID,
    SignatureStatus.EXPIRED,
    SignatureStatus.UNTRUSTED,
    SignatureStatus.UNSUPPORTED,
    SignatureStatus.VALID,
    SignatureStatus.UNSIGNED,
)
QC_COMPLIANCE = "0.4.0.1862.1.1"
QC_SSCD = "0.4.0.1862.1.4"
QC_TYPE = "0.4.0.1862.1.6"
QC_TYPES = {"0.4.0.1862.1.6.1": "esign", "0.4.0.1862.1.6.2": "eseal", "0.4.0.1862.1.6.3": "web"}
QC_STATEMENTS_OID = "1.3.6.1.5.5.7.1.3"
ASIC_NS = "http://uri.etsi.org/02918/v1.2.1#"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"


@dataclass(frozen=True)
class IncomingDocument:
    """The PDF that becomes the stored document, and the CAdES signature that came with it, if any."""

    upload: UploadedFile
    signature_format: str = ""
    # DER. Without content when it signs the PDF itself; with the ASiC-E manifest it signs, which
    # lists the PDF's digest, as its content.
    cms: bytes | None = None
    # A signature is there but cannot be checked (XAdES).
    unsupported_reason: str = ""


@dataclass(frozen=True)
class SignatureResult:
    status: str
    signature_format: str = ""
    signer: str = ""
    issuer: str = ""
    qualified: bool = False
    signed_at: dt.datetime | None = None
    reason: str = REASON_UNSIGNED
    checked_at: dt.datetime = field(default_factory=timezone.now)
    # False when the check was abandoned for taking too long.
    completed: bool = True


# --- unpacking ---------------------------------------------------------------------------------


def _read_bounded(upload: UploadedFile, limit: int) -> bytes:
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    return data


def _load_cms(data: bytes) -> cms.ContentInfo:
    """A CMS SignedData, DER or PEM; refused with 415 when it is anything else."""
    try:
        if pem.detect(data):
            _type, _headers, data = pem.unarmor(data)
        info = cms.ContentInfo.load(data, strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("not signed data")
        signed = info["content"]
        if not len(signed["signer_infos"]):
            raise ValueError("no signer")
        signed["encap_content_info"].native  # noqa: B018 - parses every part now, not during validation
        signed["signer_infos"].native  # noqa: B018
        _with_content(info, None)
        return info
    except Exception as exc:  # hostile files make asn1crypto raise almost any exception type
        logger.info("rejected an unreadable CMS signature: %s", type(exc).__name__)
        raise UnsupportedMediaType(ERR_NOT_CMS) from None


def _with_content(info: cms.ContentInfo, content: bytes | None) -> bytes:
    """The same SignedData with ``content`` (None: detached) as its encapsulated content, DER."""
    signed = cms.SignedData.load(info["content"].untag().dump())
    content_type = signed["encap_content_info"]["content_type"].native
    encapsulated = {"content_type": content_type} | ({"content": content} if content is not None else {})
    signed["encap_content_info"] = encapsulated
    return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()


def _pdf_upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(PurePosixPath(name).name or "document.pdf", data, content_type="application/pdf")


def _unpack_p7m(data: bytes, name: str) -> IncomingDocument:
    info = _load_cms(data)
    content = info["content"]["encap_content_info"]["content"]
    pdf = content.native if content.native is not None else b""
    if not isinstance(pdf, bytes) or not pdf.startswith(PDF_MAGIC):
        raise UnsupportedMediaType(ERR_P7M_NOT_PDF)
    check_document_size(len(pdf))
    stem = name[: -len(".p7m")] if name.lower().endswith(".p7m") else name
    return IncomingDocument(
        upload=_pdf_upload(stem, pdf), signature_format=SignatureFormat.CADES, cms=_with_content(info, None)
    )


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    # The sizes in the zip's directory are claims: the read itself is bounded (zip bombs).
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(ERR_CONTAINER_TOO_LARGE.format(limit=limit))
    return data


def _unpack_asic(data: bytes) -> IncomingDocument:
    limit = max_document_bytes()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise UnsupportedMediaType(ERR_CONTAINER) from None
    if len(entries) > MAX_CONTAINER_ENTRIES:
        raise UnsupportedMediaType(ERR_CONTAINER_ENTRIES.format(limit=MAX_CONTAINER_ENTRIES))
    if sum(entry.file_size for entry in entries) > limit:
        raise PayloadTooLarge(ERR_CONTAINER_TOO_LARGE.format(limit=limit))
    try:
        by_name = {entry.filename: entry for entry in entries if not entry.is_dir()}
        if "mimetype" in by_name:
            mimetype = _zip_member(archive, by_name["mimetype"], 200).decode("ascii", "replace").strip()
            if mimetype not in ASIC_MIMETYPES:
                raise UnsupportedMediaType(ERR_CONTAINER_MIMETYPE)
        data_objects = [name for name in by_name if name != "mimetype" and not name.startswith("META-INF/")]
        pdfs = [name for name in data_objects if name.lower().endswith(".pdf")]
        if not pdfs:
            raise UnsupportedMediaType(ERR_CONTAINER_NO_PDF)
        if len(pdfs) > 1:
            raise UnsupportedMediaType(ERR_CONTAINER_SEVERAL_PDFS)
        pdf = _zip_member(archive, by_name[pdfs[0]], limit)
        if not pdf.startswith(PDF_MAGIC):
            raise UnsupportedMediaType(ERR_CONTAINER_NO_PDF)
        meta = sorted(name for name in by_name if name.startswith("META-INF/"))
        cades = [name for name in meta if name.lower().endswith(".p7s")]
        xades = [name for name in meta if "signature" in name.lower() and name.lower().endswith(".xml")]
        upload = _pdf_upload(pdfs[0], pdf)
        if cades:
            info = _load_cms(_zip_member(archive, by_name[cades[0]], MAX_SIGNATURE_BYTES))
            manifests = [name for name in meta if PurePosixPath(name).name.startswith("ASiCManifest")]
            manifest = _zip_member(archive, by_name[manifests[0]], MAX_SIGNATURE_BYTES) if manifests else None
            return IncomingDocument(
                upload=upload, signature_format=SignatureFormat.ASIC, cms=_with_content(info, manifest)
            )
        if xades:
            return IncomingDocument(
                upload=upload, signature_format=SignatureFormat.ASIC, unsupported_reason=REASON_XADES
            )
        return IncomingDocument(upload=upload)
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        RuntimeError,
        ValueError,
        OSError,
        EOFError,
        NotImplementedError,
    ):
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression method;
        # zlib, lzma (and bz2's OSError): a corrupt compressed member.
        raise UnsupportedMediaType(ERR_CONTAINER) from None


def incoming_document_unpack(upload: UploadedFile, *, signature: UploadedFile | None = None) -> IncomingDocument:
    """What the officer sent, as the PDF to store and the signature to check. Sizes are checked
    before anything is parsed; anything that is neither a PDF nor a signed container of one is a 415."""
    check_document_size(upload.size)
    if signature is not None and (signature.size or 0) > MAX_SIGNATURE_BYTES:
        raise PayloadTooLarge(ERR_SIGNATURE_TOO_LARGE.format(limit=MAX_SIGNATURE_BYTES))
    head = _read_bounded(upload, len(PDF_MAGIC))
    if head.startswith(PDF_MAGIC):
        if signature is None:
            return IncomingDocument(upload=upload)
        info = _load_cms(_read_bounded(signature, MAX_SIGNATURE_BYTES))
        return IncomingDocument(upload=upload, signature_format=SignatureFormat.CADES, cms=_with_content(info, None))
    if signature is not None:
        raise UnsupportedMediaType(ERR_SIGNATURE_WITHOUT_PDF)
    if not upload.size:
        return IncomingDocument(upload=upload)  # inspect_pdf says it is empty
    data = _read_bounded(upload, max_document_bytes())
    if data.startswith(ZIP_MAGIC):
        return _unpack_asic(data)
    if data[:1] == b"0" or pem.detect(data):  # a DER SEQUENCE, or PEM armour
        try:
            return _unpack_p7m(data, upload.name or "")
        except UnsupportedMediaType:
            raise UnsupportedMediaType(ERR_NOT_PDF) from None
    raise UnsupportedMediaType(ERR_NOT_PDF)


# --- validation --------------------------------------------------------------------------------


def _name_of(name: asn1_x509.Name) -> str:
    parts = name.native
    shown = [parts.get("common_name"), parts.get("organization_name")]
    text = ", ".join(str(part if not isinstance(part, list) else part[0]) for part in shown if part)
    return (text or name.human_friendly)[:500]


def qualified_statements(certificate: asn1_x509.Certificate) -> tuple[bool, str]:
    """Whether the certificate declares itself EU qualified (QcCompliance), and what it is: an
    electronic seal or signature, on a secure device (QcSSCD). Read from its QCStatements
    (ETSI EN 319 412-5), not from an EU trusted list."""
    compliance = sscd = False
    kind = ""
    for extension in certificate["tbs_certificate"]["extensions"]:
        if extension["extn_id"].dotted != QC_STATEMENTS_OID:
            continue
        statements = QcStatements.load(extension["extn_value"].contents)
        for statement in statements:
            oid = statement["statement_id"].dotted
            if oid == QC_COMPLIANCE:
                compliance = True
            elif oid == QC_SSCD:
                sscd = True
            elif oid == QC_TYPE:
                kinds = [QC_TYPES.get(item.dotted, "") for item in statement["statement_info"]]
                kind = kinds[0] if len(kinds) == 1 else ""
    if not compliance:
        return False, ""
    what = {"eseal": "qualified electronic seal", "esign": "qualified electronic signature"}.get(kind, "qualified")
    return True, what + (" (qualified device)" if sscd else "")


def validation_context(roots: Iterable[asn1_x509.Certificate]) -> ValidationContext:
    return ValidationContext(trust_roots=list(roots), allow_fetching=False, revocation_mode="soft-fail")


def _status_of(status) -> tuple[str, str]:
    if not (status.intact and status.valid):
        return SignatureStatus.INVALID, REASON_BROKEN
    if status.revoked:
        return SignatureStatus.INVALID, REASON_REVOKED
    if not status.trusted:
        if status.trust_problem_indic in EXPIRY_INDICATIONS:
            return SignatureStatus.EXPIRED, REASON_EXPIRED
        return SignatureStatus.UNTRUSTED, REASON_UNTRUSTED
    return SignatureStatus.VALID, REASON_VALID


def _result(status, outcome: tuple[str, str], signature_format: str, signed_at) -> SignatureResult:
    state, reason = outcome
    certificate = status.signing_cert
    qualified, what = qualified_statements(certificate)
    if state == SignatureStatus.VALID:
        reason = f"{reason}{REASON_OFFLINE}" + (f" Signer's certificate: {what}." if qualified else "")
    return SignatureResult(
        status=state,
        signature_format=signature_format,
        signer=_name_of(certificate.subject),
        issuer=_name_of(certificate.issuer),
        qualified=qualified,
        signed_at=signed_at,
        reason=reason,
    )


def _worst(results: list[SignatureResult]) -> SignatureResult:
    return min(results, key=lambda result: SEVERITY.index(result.status))


def _pades_results(pdf: bytes, context: ValidationContext) -> list[SignatureResult]:
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception as exc:  # an unreadable PDF was refused by inspect_pdf; this is pyHanko's stricter view
        logger.info("signature look-up failed: %s", type(exc).__name__)
        return [
            SignatureResult(
                status=SignatureStatus.INVALID, signature_format=SignatureFormat.PADES, reason=REASON_UNREADABLE
            )
        ]
    if len(signatures) > MAX_SIGNATURES:
        reason = REASON_TOO_MANY.format(limit=MAX_SIGNATURES)
        return [
            SignatureResult(status=SignatureStatus.UNSUPPORTED, signature_format=SignatureFormat.PADES, reason=reason)
        ]
    results = []
    for signature in signatures:
        try:
            status = validate_pdf_signature(signature, signer_validation_context=context, ts_validation_context=context)
        except Exception as exc:  # a broken signature dictionary is a broken signature, never a 500
            logger.info("PAdES validation failed: %s", type(exc).__name__)
            results.append(
                SignatureResult(
                    status=SignatureStatus.INVALID, signature_format=SignatureFormat.PADES, reason=REASON_BROKEN
                )
            )
            continue
        outcome = _status_of(status)
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
            status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
            and status.modification_level is not None
            and status.modification_level <= ModificationLevel.FORM_FILLING
        )
        if outcome[0] == SignatureStatus.VALID and not whole:
            outcome = (SignatureStatus.INVALID, REASON_NOT_WHOLE)
        timestamp = status.timestamp_validity
        signed_at = timestamp.timestamp if timestamp is not None else status.signer_reported_dt
        results.append(_result(status, outcome, SignatureFormat.PADES, signed_at))
    return results


def _manifest_lists(manifest: bytes, pdf: bytes) -> bool:
    """ASiC-E: the signed manifest lists a data object with the PDF's SHA-256 or SHA-512 digest."""
    digests = {
        "http://www.w3.org/2001/04/xmlenc#sha256": hashlib.sha256(pdf).digest(),
        "http://www.w3.org/2001/04/xmlenc#sha512": hashlib.sha512(pdf).digest(),
    }
    if b"<!DOCTYPE" in manifest or b"<!ENTITY" in manifest:
        return False  # a manifest has no use for entities; refusing them avoids entity expansion
    try:
        root = ElementTree.fromstring(manifest)  # noqa: S314 - bounded in size, no DTD (above)
    except ElementTree.ParseError:
        return False
    for reference in root.iter(f"{{{ASIC_NS}}}DataObjectReference"):
        method = reference.find(f"{{{DSIG_NS}}}DigestMethod")
        value = reference.find(f"{{{DSIG_NS}}}DigestValue")
        expected = digests.get(method.get("Algorithm", "") if method is not None else "")
        if expected is not None and value is not None and value.text:
            try:
                if base64.b64decode(value.text.strip(), validate=True) == expected:
                    return True
            except ValueError:
                return False
    return False


def _cades_result(
    *, pdf: bytes, signature: bytes, signature_format: str, context: ValidationContext
) -> SignatureResult:
    """A CAdES signature over the PDF or, when it carries content, over that ASiC-E manifest, which
    must then list the PDF."""
    try:
        info = cms.ContentInfo.load(signature)
        manifest = info["content"]["encap_content_info"]["content"].native
        signed = cms.ContentInfo.load(_with_content(info, None))["content"]
        status = asyncio.run(
            async_validate_detached_cms(
                manifest if manifest is not None else pdf,
                signed,
                signer_validation_context=context,
                ts_validation_context=context,
            )
        )
    except Exception as exc:  # as for PAdES: a signature that cannot be validated is invalid, never a 500
        logger.info("CAdES validation failed: %s", type(exc).__name__)
        return SignatureResult(status=SignatureStatus.INVALID, signature_format=signature_format, reason=REASON_BROKEN)
    timestamp = status.timestamp_validity
    signed_at = timestamp.timestamp if timestamp is not None else status.signer_reported_dt
    result = _result(status, _status_of(status), signature_format, signed_at)
    if manifest is not None and result.status == SignatureStatus.VALID and not _manifest_lists(manifest, pdf):
        return replace(result, status=SignatureStatus.INVALID, reason=REASON_ASIC_MANIFEST)
    return result


def _all_signatures_check(
    *,
    pdf: bytes,
    roots: list[asn1_x509.Certificate],
    signature_format: str,
    cades: bytes | None,
    unsupported_reason: str,
) -> SignatureResult:
    context = validation_context(roots)
    results = _pades_results(pdf, context)
    if unsupported_reason:
        results.append(
            SignatureResult(
                status=SignatureStatus.UNSUPPORTED, signature_format=signature_format, reason=unsupported_reason
            )
        )
    if cades is not None:
        results.append(_cades_result(pdf=pdf, signature=cades, signature_format=signature_format, context=context))
    if not results:
        return SignatureResult(status=SignatureStatus.UNSIGNED)
    return _worst(results)


def document_signature_check(
    *,
    pdf: bytes,
    roots: Iterable[asn1_x509.Certificate],
    signature_format: str = "",
    cades: bytes | None = None,
    unsupported_reason: str = "",
) -> SignatureResult:
    """Every signature on the document (inside the PDF, and the CAdES one that came with it), validated
    against ``roots``; the worst outcome is the document's. Never raises on hostile input, and answers
    within ``LAWREQ_SIGNATURE_CHECK_SECONDS``: a check that takes longer is recorded as not done (a
    Python thread cannot be stopped; the small pool bounds how many such checks run at once)."""
    future = _CHECKS.submit(
        _all_signatures_check,
        pdf=pdf,
        roots=list(roots),
        signature_format=signature_format,
        cades=cades,
        unsupported_reason=unsupported_reason,
    )
    seconds = settings.LAWREQ_SIGNATURE_CHECK_SECONDS
    try:
        return future.result(timeout=seconds)
    except concurrent.futures.TimeoutError:
        future.cancel()
        logger.warning("a signature check took longer than %s s and was abandoned", seconds)
        reason = REASON_TIMEOUT.format(seconds=seconds)
        return SignatureResult(
            status=SignatureStatus.UNSUPPORTED, signature_format=signature_format, reason=reason, completed=False
        )


def trust_root_certificates(ders: Iterable[bytes]) -> list[asn1_x509.Certificate]:
    return [asn1_x509.Certificate.load(bytes(der)) for der in ders]
