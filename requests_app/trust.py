"""Trust roots for incoming orders' signatures, and the services that check a stored document's
signature against them (on upload, and again whenever the rules are run: roots may have changed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.errors import Conflict, DomainError, InvalidInput, NotFound
from requests_app.choices import SignatureStatus
from requests_app.models import Jurisdiction, LegalDocument, LegalRequest, TrustRoot
from requests_app.signatures import IncomingDocument, SignatureResult, document_signature_check, trust_root_certificates
from vault.crypto import seal, unseal
from vault.streams import unseal_stream

logger = logging.getLogger(__name__)

ERR_CERTIFICATE = "The file is not an X.509 certificate (PEM or DER)."
ERR_NOT_CA = "The certificate is not a certification authority's (basicConstraints CA:TRUE): it cannot be a root."
ERR_DUPLICATE_ROOT = "This certificate is already a trust root of {jurisdiction}."
ERR_NO_JURISDICTION = "No jurisdiction '{code}'."
ERR_NO_ROOT = "No trust root #{id}."
ERR_LABEL = "Give the trust root a label."
# The demo's development CA (``demo.signed_orders``); production mode refuses it (``requests_app.checks``).
DEMO_TRUST_ROOT_CN = "EU judicial test CA (lawreq demo)"


@dataclass(frozen=True)
class ParsedCertificate:
    der: bytes
    fingerprint_sha256: str
    subject: str
    not_valid_before: dt.datetime
    not_valid_after: dt.datetime


def certificate_parse(data: bytes) -> ParsedCertificate:
    """A CA certificate, PEM or DER; a 400 for anything else."""
    try:
        certificate = (
            x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)
        )
        subject = certificate.subject.rfc4514_string()
    except ValueError:
        raise InvalidInput(ERR_CERTIFICATE, field="certificate") from None
    try:
        is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except (x509.ExtensionNotFound, ValueError):
        is_ca = False
    if not is_ca:
        raise InvalidInput(ERR_NOT_CA, field="certificate")
    der = certificate.public_bytes(serialization.Encoding.DER)
    return ParsedCertificate(
        der=der,
        fingerprint_sha256=hashlib.sha256(der).hexdigest(),
        subject=subject[:500],
        not_valid_before=certificate.not_valid_before_utc,
        not_valid_after=certificate.not_valid_after_utc,
    )


def jurisdiction_get(code: str) -> Jurisdiction:
    jurisdiction = Jurisdiction.objects.filter(code__iexact=code.strip()).first()
    if jurisdiction is None:
        raise InvalidInput(ERR_NO_JURISDICTION.format(code=code), field="jurisdiction")
    return jurisdiction


def trust_root_new(*, jurisdiction: Jurisdiction, label: str, certificate: bytes, actor) -> TrustRoot:
    """An unsaved root, checked: the service below and the admin's form both make roots with it."""
    if not label.strip():
        raise InvalidInput(ERR_LABEL, field="label")
    parsed = certificate_parse(certificate)
    if TrustRoot.objects.filter(jurisdiction=jurisdiction, fingerprint_sha256=parsed.fingerprint_sha256).exists():
        raise Conflict(ERR_DUPLICATE_ROOT.format(jurisdiction=jurisdiction.code))
    return TrustRoot(
        jurisdiction=jurisdiction,
        label=label.strip()[:200],
        certificate_der=parsed.der,
        fingerprint_sha256=parsed.fingerprint_sha256,
        subject=parsed.subject,
        not_valid_before=parsed.not_valid_before,
        not_valid_after=parsed.not_valid_after,
        added_by=actor if actor is not None and actor.is_authenticated else None,
    )


@transaction.atomic
def trust_root_add(*, jurisdiction: Jurisdiction, label: str, certificate: bytes, actor) -> TrustRoot:
    root = trust_root_new(jurisdiction=jurisdiction, label=label, certificate=certificate, actor=actor)
    root.save()
    audit_record(action=AuditAction.TRUST_ROOT_ADDED, actor=actor, obj=root, details=trust_root_audit_details(root))
    return root


@transaction.atomic
def trust_root_remove(*, root_id: int, actor) -> None:
    root = TrustRoot.objects.select_for_update().select_related("jurisdiction").filter(pk=root_id).first()
    if root is None:
        raise NotFound(ERR_NO_ROOT.format(id=root_id))
    details = trust_root_audit_details(root)
    audit_record(action=AuditAction.TRUST_ROOT_REMOVED, actor=actor, obj=root, details=details)
    root.delete()


def trust_root_audit_details(root: TrustRoot) -> dict:
    return {
        "jurisdiction": root.jurisdiction.code,
        "label": root.label,
        "fingerprint_sha256": root.fingerprint_sha256,
        "subject": root.subject,
        "not_valid_after": root.not_valid_after.isoformat(),
    }


def jurisdiction_trust_roots(jurisdiction: Jurisdiction) -> list[TrustRoot]:
    """The roots of the jurisdiction and of every region above it (FR: FR's and EU's)."""
    chain: list[int] = []
    current: Jurisdiction | None = jurisdiction
    while current is not None and current.pk not in chain:
        chain.append(current.pk)
        current = current.parent
    return list(TrustRoot.objects.filter(jurisdiction_id__in=chain).select_related("jurisdiction"))


def _apply(document: LegalDocument, result: SignatureResult) -> None:
    document.signature_status = result.status
    document.signature_format = result.signature_format
    document.signature_signer = result.signer
    document.signature_issuer = result.issuer
    document.signature_qualified = result.qualified
    document.signature_signed_at = result.signed_at
    document.signature_checked_at = result.checked_at
    document.signature_reason = result.reason[:300]


SIGNATURE_FIELDS = [
    "signature_status",
    "signature_format",
    "signature_signer",
    "signature_issuer",
    "signature_qualified",
    "signature_signed_at",
    "signature_checked_at",
    "signature_reason",
]


def signature_audit_details(document: LegalDocument) -> dict:
    """What the trail keeps of a check: the outcome, never the signer's name."""
    return {
        "document_id": document.pk,
        "sha256": document.sha256,
        "status": document.signature_status,
        "format": document.signature_format,
        "qualified": document.signature_qualified,
    }


def legal_document_signature_set(
    *, document: LegalDocument, jurisdiction: Jurisdiction, incoming: IncomingDocument, pdf: bytes
) -> None:
    """Check a new document's signature (before it is saved) and keep its CAdES signature, sealed."""
    roots = trust_root_certificates(root.certificate_der for root in jurisdiction_trust_roots(jurisdiction))
    result = document_signature_check(
        pdf=pdf,
        roots=roots,
        signature_format=incoming.signature_format,
        cades=incoming.cms,
        unsupported_reason=incoming.unsupported_reason,
    )
    _apply(document, result)
    if incoming.cms is not None:
        document.signature_cms_sealed = bytes(seal(incoming.cms, context=document.signature_seal_context()))


def legal_request_signatures_recheck(*, legal_request: LegalRequest) -> list[LegalDocument]:
    """Check again every signed document of the request against today's roots; audit each change.
    Called by the rules before they read the facts, inside their transaction."""
    changed = []
    roots = trust_root_certificates(
        root.certificate_der for root in jurisdiction_trust_roots(legal_request.jurisdiction)
    )
    signed = legal_request.documents.filter(purged_at__isnull=True).exclude(signature_status=SignatureStatus.UNSIGNED)
    for document in signed:
        try:
            with document.file.open("rb") as source:
                pdf = b"".join(unseal_stream(source, context=document.seal_context(), request_ref=legal_request.ref))
            cades = (
                unseal(bytes(document.signature_cms_sealed), context=document.signature_seal_context())
                if document.signature_cms_sealed
                else None
            )
        except (DomainError, OSError):
            # A stored file that fails authentication is audited by vault; the last result stands.
            logger.warning("document %s could not be opened to check its signature again", document.pk)
            continue
        # A recorded "unsupported" (XAdES) stays so: nothing more can be checked.
        if document.signature_status == SignatureStatus.UNSUPPORTED and cades is None:
            continue
        result = document_signature_check(pdf=pdf, roots=roots, signature_format=document.signature_format, cades=cades)
        if not result.completed:
            continue  # a check abandoned for time never replaces a finished one
        before = document.signature_status
        _apply(document, result)
        document.save(update_fields=SIGNATURE_FIELDS)
        if result.status != before:
            changed.append(document)
            audit_record(
                action=AuditAction.DOCUMENT_SIGNATURE_CHECKED,
                obj=document,
                request_ref=legal_request.ref,
                details={**signature_audit_details(document), "previous": before},
            )
    return changed
