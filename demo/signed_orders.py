"""Demo data for signed incoming orders: a development "EU judicial test CA", configured as a trust
root of the EU layer (so France inherits it), and the French agency's order signed (PAdES) by a
judge's certificate under it. Never in production mode: ``requests_app.checks`` refuses that root."""

from __future__ import annotations

import io
import os

from asn1crypto import keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.management.base import CommandError
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from lawreq.checks import production_mode
from letters.keys import ca_create, certificate_issue, keys_dir
from requests_app.models import Jurisdiction, TrustRoot
from requests_app.trust import DEMO_TRUST_ROOT_CN, trust_root_add

DEMO_CA_KEY = "demo_eu_judicial_ca.key.pem"
DEMO_CA_CERT = "demo_eu_judicial_ca.cert.pem"
DEMO_TRUST_ROOT_LABEL = "EU judicial test CA (development only)"
ERR_PRODUCTION = "The demo's judicial test CA is for development only: refused in production mode."


def _demo_ca():
    key_path, cert_path = keys_dir() / DEMO_CA_KEY, keys_dir() / DEMO_CA_CERT
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key, cert = ca_create(common_name=DEMO_TRUST_ROOT_CN)
    keys_dir().mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def demo_trust_root_create() -> TrustRoot:
    """The EU layer's development trust root (idempotent)."""
    if production_mode():
        raise CommandError(ERR_PRODUCTION)
    _key, cert = _demo_ca()
    eu = Jurisdiction.objects.get(code="EU")
    existing = TrustRoot.objects.filter(jurisdiction=eu, label=DEMO_TRUST_ROOT_LABEL).first()
    if existing is not None:
        return existing
    return trust_root_add(
        jurisdiction=eu,
        label=DEMO_TRUST_ROOT_LABEL,
        certificate=cert.public_bytes(serialization.Encoding.PEM),
        actor=None,
    )


def demo_sign_order(pdf: bytes) -> bytes:
    """``pdf`` signed (PAdES) by a demo investigating judge's certificate under the test CA."""
    ca_key, ca_cert = _demo_ca()
    key, cert = certificate_issue(
        ca_key=ca_key, ca_cert=ca_cert, common_name="Juge d'instruction (demo)", unit="Tribunal judiciaire (demo)"
    )
    der = serialization.Encoding.DER
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        signing_key=keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(ca_cert.public_bytes(der))]),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature1", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    return signers.PdfSigner(metadata, signer=signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf))).getvalue()
