"""Everything the rules read about a request, frozen, so that evaluation needs no database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from django.utils import timezone

from requests_app.choices import data_kinds

if TYPE_CHECKING:
    from requests_app.models import LegalRequest


@dataclass(frozen=True)
class DocumentSignature:
    """A legal document's signature as last checked (``requests_app.signatures``)."""

    status: str  # unsigned | valid | invalid | untrusted | expired | unsupported
    signature_format: str = ""  # pades | cades | asic
    qualified: bool = False


@dataclass(frozen=True)
class RequestFacts:
    jurisdiction: str
    process_type: str
    # "Now" for every rule: a request is judged as of its receipt, never by the clock.
    received_at: dt.datetime
    legal_channel: str = "direct"
    emergency: bool = False
    emergency_justification: str = ""
    case_number: str = ""
    offense: str = ""
    offense_category: str = ""
    offense_max_sentence_years: int | None = None
    terms_violation: bool = False
    issuing_authority_type: str = ""
    issuing_authority_name: str = ""
    issued_at: dt.date | None = None
    nondisclosure_until: dt.date | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    categories: tuple[str, ...] = ()
    documents_count: int = 0
    targets_count: int = 0
    agency_verified: bool = False
    agency_country: str = ""
    agency_email_domains: tuple[str, ...] = ()
    officer_email_domain: str = ""
    # e-Evidence certificates (Regulation (EU) 2023/1543, Annexes I and II).
    ip_purpose: str = ""
    certificate_reference: str = ""
    validating_authority_type: str = ""
    validating_authority_name: str = ""
    enforcing_state: str = ""
    enforcing_authority_name: str = ""
    enforcing_authority_notified: bool = False
    document_signatures: tuple[DocumentSignature, ...] = ()

    # Cached: every date rule compares against it. (A frozen dataclass without slots keeps a __dict__.)
    @cached_property
    def received_on(self) -> dt.date:
        """The day of receipt in UTC, against which document and data dates are compared."""
        return self.received_at.astimezone(dt.UTC).date()

    @cached_property
    def data_kinds(self) -> frozenset[str]:
        return data_kinds(self.categories, ip_purpose=self.ip_purpose)

    @cached_property
    def jurisdiction_country(self) -> str:
        return self.jurisdiction.split("-")[0]


def facts_from_request(legal_request: LegalRequest) -> RequestFacts:
    """The facts of a stored request. A draft has no receipt time yet: it is judged as of now."""
    agency = legal_request.agency
    officer = getattr(legal_request.created_by, "officer", None)
    return RequestFacts(
        jurisdiction=legal_request.jurisdiction.code,
        process_type=legal_request.process_type,
        received_at=legal_request.received_at or timezone.now(),
        legal_channel=legal_request.legal_channel,
        emergency=legal_request.is_emergency,
        emergency_justification=legal_request.emergency_justification.strip(),
        case_number=legal_request.case_number.strip(),
        offense=legal_request.offense.strip(),
        offense_category=legal_request.offense_category,
        offense_max_sentence_years=legal_request.offense_max_sentence_years,
        terms_violation=legal_request.terms_violation,
        issuing_authority_type=legal_request.issuing_authority_type,
        issuing_authority_name=legal_request.issuing_authority_name.strip(),
        issued_at=legal_request.issued_at,
        nondisclosure_until=legal_request.nondisclosure_until,
        date_from=legal_request.date_from,
        date_to=legal_request.date_to,
        categories=tuple(sorted(set(legal_request.categories or []))),
        documents_count=legal_request.documents.count(),
        targets_count=legal_request.targets.count(),
        agency_verified=agency.verified,
        agency_country=agency.country.upper(),
        agency_email_domains=tuple(sorted({domain.lower().strip() for domain in agency.email_domains or []})),
        officer_email_domain=officer.email_domain if officer is not None else "",
        ip_purpose=legal_request.ip_purpose,
        certificate_reference=legal_request.certificate_reference.strip(),
        validating_authority_type=legal_request.validating_authority_type,
        validating_authority_name=legal_request.validating_authority_name.strip(),
        enforcing_state=legal_request.enforcing_state,
        enforcing_authority_name=legal_request.enforcing_authority_name.strip(),
        enforcing_authority_notified=legal_request.enforcing_authority_notified,
        document_signatures=tuple(
            DocumentSignature(status=status, signature_format=signature_format, qualified=qualified)
            for status, signature_format, qualified in legal_request.documents.order_by("pk").values_list(
                "signature_status", "signature_format", "signature_qualified"
            )
        ),
    )
