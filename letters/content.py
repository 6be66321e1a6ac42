"""What a letter says, as plain data: everything the renderer needs, nothing it must look up.

A ``LetterContent`` is built from the request and the approved decision by
``letters.selectors.letter_content_for``; the renderer is a pure function of it, so letters can be
rendered and measured without a database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models

from disclosure.models import Decision
from disclosure.records import AnnexIIIAnswer, ApprovedDecision, DisclosedTarget, RuleFinding
from requests_app.choices import Outcome


class LetterKind(models.TextChoices):
    DISCLOSURE = "disclosure", "Disclosure"
    NO_RECORDS = "no_records", "No records"
    REJECTION = "rejection", "Rejection"
    # A preservation order answered: what is preserved and until when, never a record.
    PRESERVATION = "preservation", "Preservation"


@dataclass(frozen=True)
class DocumentDigest:
    name: str
    sha256: str


@dataclass(frozen=True)
class AskedTarget:
    target_id: int
    target_type: str
    display_value: str


@dataclass(frozen=True)
class EuropeanOrder:
    """The certificate facts Annex III of Regulation (EU) 2023/1543 repeats (Sections A and B), for
    a European Production or Preservation Order of an EU jurisdiction."""

    certificate: str  # EPOC | EPOC-PR
    certificate_reference: str = ""
    validating_authority_type: str = ""
    validating_authority_name: str = ""
    enforcing_state: str = ""
    enforcing_authority_name: str = ""
    enforcing_authority_notified: bool = False


@dataclass(frozen=True)
class LetterContent:
    kind: LetterKind
    platform_name: str
    ref: str
    agency_name: str
    agency_country: str
    jurisdiction_code: str
    jurisdiction_name: str
    case_number: str
    process_type: str
    legal_channel: str
    issuing_authority_type: str
    issuing_authority_name: str
    issued_at: dt.date | None
    received_at: dt.datetime | None
    responded_at: dt.datetime
    asked_categories: tuple[str, ...]
    asked_date_from: dt.date | None
    asked_date_to: dt.date | None
    asked_targets: tuple[AskedTarget, ...]
    documents: tuple[DocumentDigest, ...]
    decision: ApprovedDecision | None
    failing_rules: tuple[RuleFinding, ...] = ()
    rejection_reasons: tuple[str, ...] = ()
    verification_url: str = ""
    # Who signs: a function of the platform (a setting), never a member of staff by name.
    signing_function: str = "Law Enforcement Response Team"
    # The requesting agency's language (settings.LANGUAGES): the letter's; an English copy rides along.
    language: str = "en"
    # The officer asked for a certificate of authenticity of the records (letters.certificate), which
    # names the custodian's function and, optionally, the person signing as custodian (settings); the
    # declaration's form follows where it is executed (None: not set, the certificate is refused).
    authenticity_certificate: bool = False
    records_custodian: str = ""
    records_custodian_name: str = ""
    records_custodian_executed_in_us: bool | None = False
    european_order: EuropeanOrder | None = None
    # A preservation letter: when the holds placed for it end (None: no hold in force).
    preserved_until: dt.datetime | None = None

    @property
    def annex_iii(self) -> AnnexIIIAnswer | None:
        """The answer's Annex III part, when the decision says the answer to a European order falls short."""
        if self.european_order is None or self.decision is None:
            return None
        return self.decision.annex_iii

    @property
    def disclosed_targets(self) -> tuple[DisclosedTarget, ...]:
        return self.decision.targets if self.decision is not None else ()


def letter_kind_for(*, outcome: str | None, decision: str | None = None) -> LetterKind:
    if outcome == Outcome.REJECTED or decision == Decision.REJECT:
        return LetterKind.REJECTION
    if outcome == Outcome.NO_RECORDS:
        return LetterKind.NO_RECORDS
    if outcome == Outcome.PRESERVED:
        return LetterKind.PRESERVATION
    return LetterKind.DISCLOSURE
