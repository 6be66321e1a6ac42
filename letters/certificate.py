"""The certificate of authenticity of business records a letter carries on the officer's request.

US courts admit business records without a live witness when a certification of their custodian
shows the elements of Federal Rule of Evidence 803(6)(A)-(C) (Rule 902(11)), and records generated
by an electronic process or system when the certification also describes that process and shows it
produces an accurate result (Rule 902(13)). The declaration is made under penalty of perjury in the
form 28 U.S.C. § 1746 gives for where it is executed (``LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US``):
paragraph (2) within the United States, paragraph (1), "under the laws of the United States of
America", outside.

The certificate names the custodian's function (``LAWREQ_RECORDS_CUSTODIAN``) and, when the operator
names one (``LAWREQ_RECORDS_CUSTODIAN_NAME``), the person qualified to sign it; never the staff who
prepared or approved the answer. It lists each record file attached to the letter with its SHA-256,
computed from the very bytes embedded: the exports are made before the letter is laid out. The facts
are recorded on the response when it is issued, and the public verification page compares them with
the attachments of an uploaded letter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pypdf import PdfReader

from letters.content import LetterContent, LetterKind

ERR_NO_CUSTODIAN = (
    "The letter carries a certificate of authenticity but LAWREQ_RECORDS_CUSTODIAN (the custodian's function) "
    "is not set."
)
# Why a request that asked for a certificate got a letter without one (shown to the legal team).
WHY_NO_CERTIFICATE = {
    LetterKind.REJECTION: "A rejection letter discloses no records, so it carries no certificate of authenticity.",
    LetterKind.NO_RECORDS: "A letter without records carries no certificate of authenticity: there is nothing to "
    "certify.",
    LetterKind.PRESERVATION: "A preservation letter discloses no records, so it carries no certificate of "
    "authenticity.",
}
ERR_EXECUTION_PLACE = (
    "The letter carries a certificate of authenticity but LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US (whether the "
    "declaration is executed within the United States: true or false) is not set."
)
# 28 U.S.C. § 1746: the declaration's words, by where it is executed.
DECLARATION_WITHIN_US = "I declare under penalty of perjury that the foregoing is true and correct."
DECLARATION_OUTSIDE_US = (
    "I declare under penalty of perjury under the laws of the United States of America that the foregoing is true "
    "and correct."
)
CITATION_WITHIN_US = "28 U.S.C. § 1746(2)"
CITATION_OUTSIDE_US = "28 U.S.C. § 1746(1)"
MATCH = "match"
DIFFERS = "differs"
MISSING = "missing"


@dataclass(frozen=True)
class CertifiedFile:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class AuthenticityCertificate:
    custodian: str
    platform_name: str
    ref: str
    executed_on: dt.date
    files: tuple[CertifiedFile, ...]
    executed_in_us: bool = False
    declarant: str = ""  # the person signing as the custodian; '' when only the function is named

    @property
    def declaration(self) -> str:
        return DECLARATION_WITHIN_US if self.executed_in_us else DECLARATION_OUTSIDE_US

    @property
    def declaration_citation(self) -> str:
        return CITATION_WITHIN_US if self.executed_in_us else CITATION_OUTSIDE_US

    def as_record(self) -> dict:
        """What the response keeps of it (JSON)."""
        record = asdict(self)
        record["executed_on"] = self.executed_on.isoformat()
        record["files"] = [asdict(f) for f in self.files]
        return record


def certificate_applies(content: LetterContent) -> bool:
    """Asked for, and the letter discloses records (a rejection or a no-records letter certifies nothing)."""
    return content.authenticity_certificate and content.kind == LetterKind.DISCLOSURE


def certificate_missing_reason(*, asked: bool, kind: str) -> str:
    """Why a letter of ``kind`` answering a request that ``asked`` for a certificate has none; '' otherwise."""
    return WHY_NO_CERTIFICATE.get(kind, "") if asked else ""


def certified_file(name: str, chunks: Iterable[bytes]) -> CertifiedFile:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return CertifiedFile(name=name, size=size, sha256=digest.hexdigest())


def certificate_for(content: LetterContent, files: Iterable[CertifiedFile]) -> AuthenticityCertificate | None:
    """The certificate the letter carries, or None when it carries none."""
    if not certificate_applies(content):
        return None
    custodian = content.records_custodian.strip()
    if not custodian:
        raise ImproperlyConfigured(ERR_NO_CUSTODIAN)
    if content.records_custodian_executed_in_us is None:
        raise ImproperlyConfigured(ERR_EXECUTION_PLACE)
    return AuthenticityCertificate(
        custodian=custodian,
        platform_name=content.platform_name,
        ref=content.ref,
        executed_on=content.responded_at.astimezone(dt.UTC).date(),
        files=tuple(files),
        executed_in_us=content.records_custodian_executed_in_us,
        declarant=content.records_custodian_name.strip(),
    )


def records_custodian() -> str:
    return getattr(settings, "LAWREQ_RECORDS_CUSTODIAN", "") or ""


def records_custodian_name() -> str:
    return getattr(settings, "LAWREQ_RECORDS_CUSTODIAN_NAME", "") or ""


def records_custodian_executed_in_us() -> bool | None:
    """Whether the custodian's declaration is executed within the United States; None when not (validly) set."""
    return getattr(settings, "LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US", False)


@dataclass(frozen=True)
class FileCheck:
    name: str
    size: int
    stated_sha256: str
    embedded_sha256: str  # '' when the uploaded file carries no attachment of that name

    @property
    def status(self) -> str:
        if not self.embedded_sha256:
            return MISSING
        return MATCH if self.embedded_sha256 == self.stated_sha256 else DIFFERS


@dataclass(frozen=True)
class CertificateCheck:
    custodian: str
    ref: str
    executed_on: str
    files: tuple[FileCheck, ...]
    declarant: str = ""
    # The paragraph of 28 U.S.C. § 1746 the declaration follows; '' for a certificate recorded before
    # the place of execution was.
    declaration: str = ""

    @property
    def all_match(self) -> bool:
        return all(f.status == MATCH for f in self.files)


def embedded_file_digests(pdf: bytes) -> dict[str, str]:
    """The SHA-256 of each file embedded in ``pdf`` (name → hex digest), read by pypdf."""
    reader = PdfReader(io.BytesIO(pdf))
    return {name: hashlib.sha256(contents[0]).hexdigest() for name, contents in reader.attachments.items() if contents}


def _declaration_cited(executed_in_us: bool | None) -> str:
    if executed_in_us is None:
        return ""
    return CITATION_WITHIN_US if executed_in_us else CITATION_OUTSIDE_US


def certificate_check(record: dict, pdf: bytes) -> CertificateCheck:
    """The recorded certificate, each file's stated SHA-256 beside the one recomputed from ``pdf``."""
    embedded = embedded_file_digests(pdf)
    return CertificateCheck(
        custodian=record["custodian"],
        ref=record["ref"],
        executed_on=record["executed_on"],
        declarant=record.get("declarant", ""),
        declaration=_declaration_cited(record.get("executed_in_us")),
        files=tuple(
            FileCheck(
                name=f["name"], size=f["size"], stated_sha256=f["sha256"], embedded_sha256=embedded.get(f["name"], "")
            )
            for f in record["files"]
        ),
    )
