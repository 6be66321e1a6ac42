"""A test PKI for incoming signed orders: a CA, signers under it, and orders signed with pyHanko in
every accepted shape (PAdES, detached and enveloping CAdES, ASiC-S, ASiC-E)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass

from asn1crypto import cms, keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.ades.qualified_asn1 import QcStatements
from pyhanko_certvalidator.registry import SimpleCertificateStore

from letters.keys import ca_create

QC_STATEMENTS = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def qc_statements_der(*, kind: str = "eseal") -> bytes:
    """QcCompliance, QcSSCD and QcType (ETSI EN 319 412-5), as an EU qualified seal carries them."""
    return QcStatements(
        [
            {"statement_id": "qc_compliance"},
            {"statement_id": "qc_sscd"},
            {"statement_id": "qc_type", "statement_info": [f"qct_{kind}"]},
        ]
    ).dump()


@dataclass
class OrderCA:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @classmethod
    def create(cls, name: str) -> OrderCA:
        key, cert = ca_create(common_name=name)
        return cls(key=key, cert=cert)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def signer(
        self,
        common_name: str = "Juge d'instruction",
        *,
        organisation: str = "Tribunal judiciaire de Paris",
        qualified: bool = False,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> signers.SimpleSigner:
        now = dt.datetime.now(dt.UTC)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        builder = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                    ]
                )
            )
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - dt.timedelta(days=1))
            .not_valid_after(not_after or now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
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
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )
        if qualified:
            builder = builder.add_extension(
                x509.UnrecognizedExtension(QC_STATEMENTS, qc_statements_der()), critical=False
            )
        cert = builder.sign(self.key, hashes.SHA256())
        private = keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return signers.SimpleSigner(
            signing_cert=_asn1(cert),
            signing_key=private,
            cert_registry=SimpleCertificateStore.from_certs([_asn1(self.cert)]),
        )


def pades_sign(pdf: bytes, signer: signers.SimpleSigner, *, field_name: str = "Signature1") -> bytes:
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    return signers.PdfSigner(metadata, signer=signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf))).getvalue()


def cades_sign(data: bytes, signer: signers.SimpleSigner, *, detached: bool = True) -> bytes:
    signed = asyncio.run(signer.async_sign_general_data(data, "sha256", detached=detached, use_cades=True))
    return signed.dump()


def asic_s(pdf: bytes, signature: bytes, *, name: str = "order.pdf", mimetype: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype:
            archive.writestr("mimetype", "application/vnd.etsi.asic-s+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr(name, pdf)
        archive.writestr("META-INF/signature.p7s", signature)
    return buffer.getvalue()


def asic_e_manifest(pdf: bytes, *, name: str = "order.pdf") -> bytes:
    digest = base64.b64encode(hashlib.sha256(pdf).digest()).decode()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<asic:ASiCManifest xmlns:asic="http://uri.etsi.org/02918/v1.2.1#" '
        'xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
        '<asic:SigReference URI="META-INF/signature001.p7s" MimeType="application/pkcs7-signature"/>'
        f'<asic:DataObjectReference URI="{name}" MimeType="application/pdf">'
        '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        f"<ds:DigestValue>{digest}</ds:DigestValue>"
        "</asic:DataObjectReference></asic:ASiCManifest>"
    ).encode()


def asic_e(
    pdf: bytes, signer: signers.SimpleSigner, *, manifest: bytes | None = None, name: str = "order.pdf"
) -> bytes:
    manifest = manifest if manifest is not None else asic_e_manifest(pdf, name=name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.etsi.asic-e+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr(name, pdf)
        archive.writestr("META-INF/ASiCManifest001.xml", manifest)
        archive.writestr("META-INF/signature001.p7s", cades_sign(manifest, signer))
    return buffer.getvalue()


def signer_certificate(signature: bytes) -> asn1_x509.Certificate:
    signed = cms.ContentInfo.load(signature)["content"]
    return signed["certificates"][0].chosen
