"""RFC 3161 time-stamp tokens over checkpoint documents (pyHanko's client and validator).

A token proves the checkpoint existed at the authority's time: a log operator cannot later sign a
back-dated checkpoint over rewritten history and pass it off as older than the witnesses' copies.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms, pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings

ERR_STAMP_UNREADABLE = "the time-stamp token is not an RFC 3161 token"
ERR_TRUST_ROOTS_UNREADABLE = "AUDIT_TSA_TRUST_ROOTS cannot be read as certificates"
ERR_STAMP_INVALID = "the time-stamp token does not cover this checkpoint or its signature is invalid"
ERR_STAMP_UNTRUSTED = "the time-stamp token is not from an authority in AUDIT_TSA_TRUST_ROOTS"


class TimestampInvalid(ValueError):
    pass


@dataclass(frozen=True)
class TimestampCheck:
    time: str
    trusted: bool


def checkpoint_timestamper():
    """The configured RFC 3161 client, or None."""
    if not settings.AUDIT_TSA_URL:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(settings.AUDIT_TSA_URL, timeout=settings.AUDIT_TSA_TIMEOUT_SECONDS)


def checkpoint_timestamp(document: bytes) -> bytes:
    """A token (DER) over the document's SHA-256 from ``AUDIT_TSA_URL``; empty when none is set."""
    timestamper = checkpoint_timestamper()
    if timestamper is None:
        return b""
    token = asyncio.run(timestamper.async_timestamp(hashlib.sha256(document).digest(), "sha256"))
    return token.dump()


def _trust_roots() -> list[asn1_x509.Certificate]:
    location = settings.AUDIT_TSA_TRUST_ROOTS
    if not location:
        return []
    data = Path(location).read_bytes()
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [asn1_x509.Certificate.load(data)]


def checkpoint_timestamp_verify(document: bytes, token: bytes) -> TimestampCheck:
    """The token covers ``document`` and its signature holds; ``trusted`` when it chains to a root
    of ``AUDIT_TSA_TRUST_ROOTS`` (a token from an unknown authority is refused when roots are set)."""
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko_certvalidator import ValidationContext

    try:
        signed_data = cms.ContentInfo.load(token)["content"]
        tst_info = signed_data["encap_content_info"]["content"].parsed
    except (ValueError, TypeError, KeyError):
        raise TimestampInvalid(ERR_STAMP_UNREADABLE)
    try:
        roots = _trust_roots()
    except (OSError, ValueError, TypeError) as error:
        raise TimestampInvalid(ERR_TRUST_ROOTS_UNREADABLE) from error
    context = ValidationContext(trust_roots=roots) if roots else None
    digest = hashlib.sha256(document).digest()
    try:
        status = asyncio.run(validate_tst_signed_data(signed_data, context, lambda algorithm: digest))
    except Exception:  # pyHanko raises several kinds for a bad token; all mean the same here
        raise TimestampInvalid(ERR_STAMP_INVALID)
    if not (status.get("intact") and status.get("valid")):
        raise TimestampInvalid(ERR_STAMP_INVALID)
    trusted = bool(roots) and status.get("validation_path") is not None and status.get("trust_problem_indic") is None
    if roots and not trusted:
        raise TimestampInvalid(ERR_STAMP_UNTRUSTED)
    return TimestampCheck(time=tst_info["gen_time"].native.isoformat(), trusted=trusted)
