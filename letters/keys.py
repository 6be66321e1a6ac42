"""The development signing key: a local CA and a document-signing certificate issued by it.

Production uses the organisation's own certificate (a PKCS#12 file named by
``LAWREQ_SIGNING_P12``, or an HSM, see docs/signing.md). For development and the demo,
``signing_key_init`` creates a CA and a signing certificate with ``cryptography`` in
``LAWREQ_KEYS_DIR``: outside the repository, or in its git-ignored data folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEV_CA_KEY = "dev_signing_ca.key.pem"
DEV_CA_CERT = "dev_signing_ca.cert.pem"
REPORT_SIGNING_P12 = "report_signing.p12"
# The development CA's name ends so; production mode refuses keys it issued (letters.checks).
DEVELOPMENT_CA_SUFFIX = "development signing CA"
# The subject's organisational unit of the internal reports' certificate: a PDF reader shows it, and
# ``letters.verification`` refuses any signature made under it as a response.
REPORT_UNIT = "Internal audit reports - not a response to any request"
RSA_BITS = 3072
CA_VALIDITY = dt.timedelta(days=10 * 365)
SIGNING_VALIDITY = dt.timedelta(days=3 * 365)

ERR_KEYS_IN_REPOSITORY = "Refusing to write signing keys inside the source tree ({path}); set LAWREQ_KEYS_DIR."
ERR_P12_UNREADABLE = "The signing key file {path} cannot be opened with the configured passphrase."
ERR_NO_REPORT_KEY = (
    "No report signing key at {path}, and no development CA to issue one: set LAWREQ_REPORT_SIGNING_P12 "
    "to a PKCS#12 of its own (never the letters' certificate)."
)


@dataclass(frozen=True)
class SigningKeyStatus:
    created: bool
    p12_path: Path
    ca_cert_path: Path | None
    subject: str
    fingerprint_sha256: str
    not_after: dt.datetime


def keys_dir() -> Path:
    return Path(settings.LAWREQ_KEYS_DIR)


def dev_ca_cert_path() -> Path:
    return keys_dir() / DEV_CA_CERT


def _passphrase() -> bytes | None:
    return settings.LAWREQ_SIGNING_PASSPHRASE.encode() or None


def _check_outside_repository(path: Path) -> None:
    resolved, repo, data = path.resolve(), Path(settings.BASE_DIR).resolve(), Path(settings.DATA_DIR).resolve()
    if resolved.is_relative_to(repo) and not resolved.is_relative_to(data):
        raise ImproperlyConfigured(ERR_KEYS_IN_REPOSITORY.format(path=resolved))


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _name(common_name: str, unit: str = "") -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "XX"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.LAWREQ_PLATFORM_NAME[:64]),
    ]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit[:64]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(attributes)


def ca_create(*, common_name: str, now: dt.datetime | None = None) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    now = now or dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def certificate_issue(
    *,
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    common_name: str,
    extended_key_usage: x509.ObjectIdentifier | None = None,
    validity: dt.timedelta = SIGNING_VALIDITY,
    now: dt.datetime | None = None,
    unit: str = "",
    commitment: bool = True,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A leaf certificate for signing documents (or, with ``extended_key_usage``, timestamps).

    ``commitment`` is the nonRepudiation (contentCommitment) key usage: the responses' certificate
    commits the platform to what it signs; the internal reports' certificate does not.
    """
    now = now or dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, unit))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + validity, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=commitment,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
    )
    if extended_key_usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([extended_key_usage]), critical=True)
    return key, builder.sign(ca_key, hashes.SHA256())


def pkcs12_bytes(*, key, cert: x509.Certificate, chain: list[x509.Certificate], passphrase: bytes | None) -> bytes:
    encryption = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    return pkcs12.serialize_key_and_certificates(
        name=b"lawreq-signing", key=key, cert=cert, cas=chain, encryption_algorithm=encryption
    )


def _status(*, created: bool, p12_path: Path, cert: x509.Certificate) -> SigningKeyStatus:
    ca_path = dev_ca_cert_path()
    return SigningKeyStatus(
        created=created,
        p12_path=p12_path,
        ca_cert_path=ca_path if ca_path.exists() else None,
        subject=cert.subject.rfc4514_string(),
        fingerprint_sha256=hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
        not_after=cert.not_valid_after_utc,
    )


def signing_key_status() -> SigningKeyStatus:
    p12_path = Path(settings.LAWREQ_SIGNING_P12)
    try:
        _key, cert, _chain = pkcs12.load_key_and_certificates(p12_path.read_bytes(), _passphrase())
    except (OSError, ValueError):
        raise ImproperlyConfigured(ERR_P12_UNREADABLE.format(path=p12_path))
    return _status(created=False, p12_path=p12_path, cert=cert)


def signing_key_init(*, force: bool = False) -> SigningKeyStatus:
    """Create the development CA and signing certificate, unless a usable key is already there.

    Idempotent: with a readable PKCS#12 in place it changes nothing (``created`` is False).
    ``force`` issues a new signing certificate from the same CA, so letters signed before stay
    verifiable.
    """
    p12_path = Path(settings.LAWREQ_SIGNING_P12)
    if p12_path.exists() and not force:
        if _dev_ca_exists() and not report_signing_p12_path().exists():
            report_signing_key_init()
        return signing_key_status()
    _check_outside_repository(p12_path)
    _check_outside_repository(keys_dir())
    ca_key_path, ca_cert_path = keys_dir() / DEV_CA_KEY, dev_ca_cert_path()
    if _dev_ca_exists():
        ca_key, ca_cert = _dev_ca()
    else:
        ca_key, ca_cert = ca_create(common_name=f"{settings.LAWREQ_PLATFORM_NAME} {DEVELOPMENT_CA_SUFFIX}")
        encryption = (
            serialization.BestAvailableEncryption(_passphrase()) if _passphrase() else serialization.NoEncryption()
        )
        _write_private(
            ca_key_path, ca_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        )
        _write_private(ca_cert_path, ca_cert.public_bytes(serialization.Encoding.PEM))
    key, cert = certificate_issue(
        ca_key=ca_key, ca_cert=ca_cert, common_name=f"{settings.LAWREQ_PLATFORM_NAME} law enforcement responses"
    )
    _write_private(p12_path, pkcs12_bytes(key=key, cert=cert, chain=[ca_cert], passphrase=_passphrase()))
    report_signing_key_init(force=force)
    return _status(created=True, p12_path=p12_path, cert=cert)


def _dev_ca_exists() -> bool:
    return (keys_dir() / DEV_CA_KEY).exists() and dev_ca_cert_path().exists()


def _dev_ca() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    ca_key = serialization.load_pem_private_key((keys_dir() / DEV_CA_KEY).read_bytes(), password=_passphrase())
    return ca_key, x509.load_pem_x509_certificate(dev_ca_cert_path().read_bytes())


def report_signing_p12_path() -> Path:
    configured = settings.LAWREQ_REPORT_SIGNING_P12
    return Path(configured) if configured else keys_dir() / REPORT_SIGNING_P12


def report_signing_key_init(*, force: bool = False) -> SigningKeyStatus:
    """The development certificate of internal reports (audit-trail PDFs), issued by the development
    CA: another key, a subject whose organisational unit says it is no response (``REPORT_UNIT``),
    and no nonRepudiation key usage. Idempotent like ``signing_key_init``."""
    path = report_signing_p12_path()
    if path.exists() and not force:
        _key, cert, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), _passphrase())
        return _status(created=False, p12_path=path, cert=cert)
    if not _dev_ca_exists():
        raise ImproperlyConfigured(ERR_NO_REPORT_KEY.format(path=path))
    _check_outside_repository(path)
    ca_key, ca_cert = _dev_ca()
    key, cert = certificate_issue(
        ca_key=ca_key,
        ca_cert=ca_cert,
        common_name=f"{settings.LAWREQ_PLATFORM_NAME} internal reports",
        unit=REPORT_UNIT,
        commitment=False,
    )
    _write_private(path, pkcs12_bytes(key=key, cert=cert, chain=[ca_cert], passphrase=_passphrase()))
    return _status(created=True, p12_path=path, cert=cert)


# Kept here so tests and docs name the timestamping usage without importing cryptography's OIDs.
TIME_STAMPING = ExtendedKeyUsageOID.TIME_STAMPING


def local_signing_keys_create(*, directory: Path, passphrase: bytes) -> tuple[Path, Path]:
    """A signing CA of this installation and its two certificates (letters, reports), passphrase-
    protected PKCS#12 files in ``directory``: for a local production run (``make run-prod``), where
    the organisation's own certificate is not at hand. Returns the letters' and the reports' files."""
    _check_outside_repository(directory)
    ca_key, ca_cert = ca_create(common_name=f"{settings.LAWREQ_PLATFORM_NAME} signing CA (local installation)")
    encryption = serialization.BestAvailableEncryption(passphrase)
    _write_private(
        directory / "signing_ca.key.pem",
        ca_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption),
    )
    _write_private(directory / "signing_ca.cert.pem", ca_cert.public_bytes(serialization.Encoding.PEM))
    paths = []
    for name, common_name, unit, commitment in (
        ("signing.p12", f"{settings.LAWREQ_PLATFORM_NAME} law enforcement responses", "", True),
        (REPORT_SIGNING_P12, f"{settings.LAWREQ_PLATFORM_NAME} audit reports", REPORT_UNIT, False),
    ):
        key, cert = certificate_issue(
            ca_key=ca_key, ca_cert=ca_cert, common_name=common_name, unit=unit, commitment=commitment
        )
        _write_private(directory / name, pkcs12_bytes(key=key, cert=cert, chain=[ca_cert], passphrase=passphrase))
        paths.append(directory / name)
    return paths[0], paths[1]
