"""PAdES signatures with pyHanko: B-B, or B-T when a timestamp authority is configured.

The signer is loaded once per process and kept: pyHanko's ``SimpleSigner`` parses its private key
again for every signature (tens of milliseconds for RSA), and without a reserved size it signs twice
to measure the signature first. Its signed attributes are built once too (``PadesSignedAttributes``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
from pyhanko.sign.general import SigningError, as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from letters.keys import REPORT_UNIT, dev_ca_cert_path, report_signing_key_init, report_signing_p12_path

logger = logging.getLogger(__name__)

SIGNATURE_FIELD = "LawreqResponseSignature"
REPORT_SIGNATURE_FIELD = "LawreqInternalReportSignature"
# What a signature is for: a response letter, or an internal report (signed with another certificate).
PURPOSE_RESPONSE = "response"
PURPOSE_REPORT = "report"
# Hex characters reserved for the CMS object: the RSA-3072 signature, the certificates and the
# signed attributes take about 6,000; a timestamp token with its TSA chain adds up to 12,000.
RESERVED_BB = 16_384
RESERVED_BT = 40_960

ERR_NO_SIGNING_KEY = (
    "No signing key at {path}. Run `manage.py signing_key init` (development) or set LAWREQ_SIGNING_P12."
)
ERR_BAD_SIGNING_KEY = "The signing key at {path} cannot be opened with LAWREQ_SIGNING_PASSPHRASE."


class CachedKeySigner(signers.SimpleSigner):
    """A ``SimpleSigner`` that keeps its parsed private key instead of re-parsing it per signature."""

    def __init__(self, *, private_key, **kwargs):
        super().__init__(**kwargs)
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        try:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        except ValueError:
            return super().sign_raw(data, digest_algorithm)
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._private_key, RSAPrivateKey):
            return self._private_key.sign(data, PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(self._private_key, EllipticCurvePrivateKey):
            return self._private_key.sign(data, ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


class _FixedAttribute(CMSAttributeProvider):
    def __init__(self, attribute: cms.CMSAttribute):
        self.attribute_type = attribute["type"].native
        self._attribute = attribute

    async def get_attribute(self, dry_run=False) -> cms.CMSAttribute:
        return self._attribute


class PadesSignedAttributes(SignedAttributeProviderSpec):
    """The signed attributes pyHanko gives a PAdES signature (with ours: signing-certificate-v2 only;
    PAdES forbids signing-time, and content-type and message-digest are added by pyHanko itself),
    built once per signer.

    Kept *parsed*: asn1crypto serialises a freshly built value again each time it is nested in
    another structure, which was two thirds of a one-page letter's signing time. A parsed value is
    copied as the bytes it was read from.
    """

    def __init__(self, signing_cert: asn1_x509.Certificate):
        built = simple_cms_attribute("signing_certificate_v2", as_signing_certificate_v2(signing_cert))
        self._attribute = cms.CMSAttribute.load(built.dump())

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str):
        yield _FixedAttribute(self._attribute)


@dataclass(frozen=True)
class LoadedSigner:
    signer: CachedKeySigner
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    fingerprint_sha256: str


_lock = threading.Lock()
_cache: dict[tuple, LoadedSigner] = {}
_timestampers: dict[str, TimeStamper] = {}


def certificate_fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _signing_p12(purpose: str) -> Path:
    if purpose == PURPOSE_RESPONSE:
        return Path(settings.LAWREQ_SIGNING_P12)
    path = report_signing_p12_path()
    if not path.exists() and not settings.LAWREQ_REPORT_SIGNING_P12:
        report_signing_key_init()  # development: issued by the development CA on first use
    return path


def signer_load(purpose: str = PURPOSE_RESPONSE) -> LoadedSigner:
    """The configured signer of responses (or of internal reports), loaded once per (file, its
    modification time, passphrase)."""
    path = _signing_p12(purpose)
    try:
        stat = path.stat()
    except OSError:
        raise ImproperlyConfigured(ERR_NO_SIGNING_KEY.format(path=path))
    passphrase = settings.LAWREQ_SIGNING_PASSPHRASE.encode() or None
    cache_key = (str(path), stat.st_mtime_ns, stat.st_size, hashlib.sha256(passphrase or b"").hexdigest())
    with _lock:
        loaded = _cache.get(cache_key)
        if loaded is None:
            _cache.clear()
            loaded = _cache[cache_key] = _load_pkcs12(path, passphrase)
    return loaded


def _load_pkcs12(path: Path, passphrase: bytes | None) -> LoadedSigner:
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase)
    except (OSError, ValueError):
        raise ImproperlyConfigured(ERR_BAD_SIGNING_KEY.format(path=path))
    if key is None or cert is None:
        raise ImproperlyConfigured(ERR_BAD_SIGNING_KEY.format(path=path))
    registry = SimpleCertificateStore()
    registry.register_multiple(translate_pyca_cryptography_cert_to_asn1(c) for c in chain)
    signer = CachedKeySigner(
        private_key=key,
        signing_cert=translate_pyca_cryptography_cert_to_asn1(cert),
        signing_key=translate_pyca_cryptography_key_to_asn1(key),
        cert_registry=registry,
    )
    signer.signed_attr_prov_spec = PadesSignedAttributes(signer.signing_cert)
    return LoadedSigner(
        signer=signer, certificate=cert, chain=tuple(chain), fingerprint_sha256=certificate_fingerprint(cert)
    )


EXIT_SIGNING_KEY = 78  # EX_CONFIG: the worker's configuration is wrong


def worker_signing_check(**_signal) -> None:
    """A worker's readiness check at start (Celery's ``worker_init``): the signing key must open, or
    the worker logs CRITICAL and exits, rather than take letters it cannot sign."""
    if not settings.LAWREQ_WORKER_SIGNING_CHECK:
        return
    try:
        loaded = signer_load()
    except ImproperlyConfigured as error:
        logger.critical("worker not started, its signing key does not open: %s", error)
        raise SystemExit(EXIT_SIGNING_KEY)
    logger.info("signing key ready: certificate SHA-256 %s", loaded.fingerprint_sha256)


def signer_forget() -> None:
    """Drop the cached signer (after a key rotation in the same process, and in tests)."""
    with _lock:
        _cache.clear()
        _timestampers.clear()


def _timestamper() -> TimeStamper | None:
    url = settings.LAWREQ_TIMESTAMP_URL
    if not url:
        return None
    timeout = settings.LAWREQ_TSA_TIMEOUT_SECONDS
    key = f"{timeout}:{url}"
    with _lock:
        if key not in _timestampers:
            _timestampers[key] = HTTPTimeStamper(url, timeout=timeout)
        return _timestampers[key]


def pdf_sign(
    pdf: bytes, *, reason: str, location: str = "", purpose: str = PURPOSE_RESPONSE, timestamp: bool = True
) -> bytes:
    """Sign ``pdf`` as a certifying PAdES signature that allows no later change, with the responses'
    certificate or, for ``PURPOSE_REPORT``, the internal reports' one.

    Raises ``ImproperlyConfigured`` without a usable key, and pyHanko's ``SigningError`` (or a
    network error from the timestamp authority, which the task retries) otherwise.
    """
    signed = _sign(
        lambda: io.BytesIO(pdf), io.BytesIO, reason=reason, location=location, purpose=purpose, timestamp=timestamp
    )
    return signed.getvalue()


def pdf_sign_file(source: Path, output: Path, *, reason: str, timestamp: bool = True) -> None:
    """``pdf_sign`` from a file to a new file (0600), for a letter too large to hold in memory:
    pyHanko copies the source and digests the output in chunks."""
    with contextlib.ExitStack() as files:

        def opened_source() -> BinaryIO:
            return files.enter_context(source.open("rb"))

        def opened_output() -> BinaryIO:
            output.unlink(missing_ok=True)  # a second try starts afresh
            return files.enter_context(os.fdopen(os.open(output, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600), "w+b"))

        _sign(opened_source, opened_output, reason=reason, location="", purpose=PURPOSE_RESPONSE, timestamp=timestamp)


def _sign(
    source: Callable[[], BinaryIO],
    output: Callable[[], BinaryIO],
    *,
    reason: str,
    location: str,
    purpose: str,
    timestamp: bool,
) -> BinaryIO:
    loaded = signer_load(purpose)
    timestamper = _timestamper() if timestamp else None
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD if purpose == PURPOSE_RESPONSE else REPORT_SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    pdf_signer = signers.PdfSigner(metadata, signer=loaded.signer, timestamper=timestamper)
    reserved = RESERVED_BT if timestamper is not None else RESERVED_BB
    try:
        return pdf_signer.sign_pdf(IncrementalPdfFileWriter(source()), bytes_reserved=reserved, output=output())
    except SigningError as error:
        if "larger than expected" not in str(error):
            raise
        # A long certificate chain can outgrow the reservation: let pyHanko measure it instead.
        return pdf_signer.sign_pdf(IncrementalPdfFileWriter(source()), output=output())


def trust_roots() -> list[x509.Certificate]:
    """The CA certificates whose signatures count as ours.

    The self-signed certificates of the configured PKCS#12's chain, the development CA when there
    is one, and the PEM bundle named by ``LAWREQ_SIGNING_TRUST_ROOTS`` (production: the
    organisation's CA, and the timestamp authority's).
    """
    roots: dict[str, x509.Certificate] = {}
    try:
        loaded = signer_load()
    except ImproperlyConfigured:
        loaded = None
    if loaded is not None:
        for cert in (loaded.certificate, *loaded.chain):
            if cert.issuer == cert.subject:
                roots[certificate_fingerprint(cert)] = cert
    candidates = [dev_ca_cert_path()]
    bundle = getattr(settings, "LAWREQ_SIGNING_TRUST_ROOTS", "")
    if bundle:
        candidates.append(Path(bundle))
    for path in candidates:
        if path.is_file():
            for cert in x509.load_pem_x509_certificates(path.read_bytes()):
                roots[certificate_fingerprint(cert)] = cert
    return list(roots.values())


def asn1_certificates(certs: list[x509.Certificate]) -> list[asn1_x509.Certificate]:
    return [translate_pyca_cryptography_cert_to_asn1(cert) for cert in certs]


def is_internal_report_certificate(cert: x509.Certificate) -> bool:
    """Whether ``cert`` signs internal reports: its subject says so, or it is the configured report
    certificate (an operator's own, whatever its subject)."""
    units = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    if any(unit.value == REPORT_UNIT for unit in units):
        return True
    path = report_signing_p12_path()
    if not path.is_file():
        return False
    try:
        loaded = signer_load(PURPOSE_REPORT)
    except ImproperlyConfigured:
        return False
    return loaded.fingerprint_sha256 == certificate_fingerprint(cert)
