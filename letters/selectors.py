"""Reads of responses: who may fetch which letter, what a letter says, and whether a PDF is ours."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from disclosure.annex_iii import certificate_of
from disclosure.records import ApprovedDecision
from lawreq.errors import NotFound, NotPermitted
from lawreq.roles import is_legal_staff
from letters.certificate import (
    certificate_check,
    records_custodian,
    records_custodian_executed_in_us,
    records_custodian_name,
)
from letters.content import AskedTarget, DocumentDigest, EuropeanOrder, LetterContent, LetterKind, letter_kind_for
from letters.models import Response, ResponseStatus
from letters.verification import PROBLEM_NOT_ISSUED, Verification, pdf_signature_check
from requests_app.choices import Outcome
from requests_app.models import LegalRequest
from requests_app.selectors import legal_request_get
from requests_app.states import State
from subscribers.selectors import preservation_holds_of

ERR_NO_RESPONSE = "This request has no response yet."
ERR_NOT_STAFF = "Only the legal team can preview responses."


def letter_content_for(
    *,
    legal_request: LegalRequest,
    decision: ApprovedDecision | None,
    responded_at: dt.datetime,
) -> LetterContent:
    """Everything the letter says, gathered from the request and its frozen decision."""
    rejected = legal_request.state == State.REJECTED
    kind = letter_kind_for(
        outcome=Outcome.REJECTED if rejected else (decision.outcome if decision else None),
        decision=decision.decision if decision else None,
    )
    return LetterContent(
        kind=kind,
        platform_name=settings.LAWREQ_PLATFORM_NAME,
        ref=legal_request.ref,
        agency_name=legal_request.agency.name,
        agency_country=legal_request.agency.country,
        jurisdiction_code=legal_request.jurisdiction.code,
        jurisdiction_name=legal_request.jurisdiction.name,
        case_number=legal_request.case_number,
        process_type=legal_request.process_type,
        legal_channel=legal_request.legal_channel,
        issuing_authority_type=legal_request.issuing_authority_type,
        issuing_authority_name=legal_request.issuing_authority_name,
        issued_at=legal_request.issued_at,
        received_at=legal_request.received_at,
        responded_at=responded_at,
        asked_categories=tuple(legal_request.categories),
        asked_date_from=legal_request.date_from,
        asked_date_to=legal_request.date_to,
        asked_targets=tuple(
            AskedTarget(target_id=t.pk, target_type=t.type, display_value=t.display_value)
            for t in legal_request.targets.order_by("position", "id")
        ),
        documents=tuple(DocumentDigest(name=d.name, sha256=d.sha256) for d in legal_request.documents.order_by("id")),
        decision=decision,
        # A rejection says why as it was decided (frozen with the decision), not as the rules say now.
        # A refusal in a disclosure quotes the rules too, as frozen with the decision.
        failing_rules=decision.failing_rules if decision else (),
        rejection_reasons=_rejection_reasons(legal_request, decision) if rejected else (),
        verification_url=verification_url(),
        signing_function=settings.LAWREQ_SIGNING_FUNCTION,
        language=legal_request.agency.language,
        authenticity_certificate=legal_request.authenticity_certificate,
        records_custodian=records_custodian(),
        records_custodian_name=records_custodian_name(),
        records_custodian_executed_in_us=records_custodian_executed_in_us(),
        european_order=european_order_of(legal_request),
        preserved_until=preserved_until(legal_request) if kind == LetterKind.PRESERVATION else None,
    )


def preserved_until(legal_request: LegalRequest) -> dt.datetime | None:
    """When the preservation holds the request placed end, as they stand (an extension included)."""
    ends = [hold.expires_at for hold in preservation_holds_of(legal_request=legal_request)]
    return max(ends, default=None)


def european_order_of(legal_request: LegalRequest) -> EuropeanOrder | None:
    certificate = certificate_of(legal_request)
    if not certificate:
        return None
    return EuropeanOrder(
        certificate=certificate,
        certificate_reference=legal_request.certificate_reference,
        validating_authority_type=legal_request.validating_authority_type,
        validating_authority_name=legal_request.validating_authority_name,
        enforcing_state=legal_request.enforcing_state,
        enforcing_authority_name=legal_request.enforcing_authority_name,
        enforcing_authority_notified=legal_request.enforcing_authority_notified,
    )


def _rejection_reasons(legal_request: LegalRequest, decision: ApprovedDecision | None) -> tuple[str, ...]:
    return decision.reasons if decision is not None else tuple(legal_request.rejection_reasons or ())


def verification_url() -> str:
    base = getattr(settings, "LAWREQ_PUBLIC_URL", "").rstrip("/")
    return f"{base}{reverse('web:verify')}" if base else ""


def response_stored(*, legal_request: LegalRequest) -> Response | None:
    return Response.objects.filter(legal_request=legal_request, status=ResponseStatus.STORED).first()


def response_for_download(*, user, ref: str) -> Response:
    """The stored response of a request the user may see (its agency's officers, analysts and
    reviewers); 404 when there is none yet or the request is outside reach, 403 for other roles
    (auditors: they never see disclosed data)."""
    legal_request = legal_request_get(user=user, ref=ref)
    response = response_stored(legal_request=legal_request)
    if response is None:
        raise NotFound(ERR_NO_RESPONSE)
    return response


def response_for_preview(*, user, ref: str) -> Response:
    if not is_legal_staff(user):
        raise NotPermitted(ERR_NOT_STAFF)
    return response_for_download(user=user, ref=ref)


def response_verify(pdf: bytes) -> Verification:
    """The public verification: the file's own evidence, then our record of what was issued."""
    check = pdf_signature_check(pdf)
    issued = (
        Response.objects.filter(sha256=check.sha256, status=ResponseStatus.STORED)
        .select_related("legal_request")
        .first()
    )
    problems = list(check.problems)
    if issued is None or (check.signer_fingerprint and issued.signer_fingerprint != check.signer_fingerprint):
        problems.append(PROBLEM_NOT_ISSUED)
    if problems:
        return Verification(valid=False, problems=tuple(problems))
    return Verification(
        valid=True,
        problems=(),
        reference=issued.legal_request.ref,
        issued_at=issued.stored_at,
        signer_subject=check.signer_subject,
        timestamped=check.timestamped,
        certificate=certificate_check(issued.certificate, pdf) if issued.certificate else None,
    )


# The letter's status as the API and the staff page show it.
LETTER_QUEUED = "queued"
LETTER_RENDERING = "rendering"
LETTER_FAILED = "failed"
LETTER_SIGNED = "signed"
LETTER_PENDING = "pending"  # an officer's view of every status but signed
_LETTER_STATUS = {
    ResponseStatus.QUEUED: LETTER_QUEUED,
    ResponseStatus.CLAIMED: LETTER_RENDERING,
    ResponseStatus.FAILED: LETTER_FAILED,
    ResponseStatus.STORED: LETTER_SIGNED,
}
# Decided and not yet answered by a letter: a letter is due.
LETTER_DUE = Q(state=State.APPROVED) | Q(state=State.REJECTED, responded_at__isnull=True)
# The failures that fixing the configuration cures (see ``services.CONFIGURATION_ERRORS``).
CONFIGURATION_FAILURE = r"^(ImproperlyConfigured|TimestampUnavailable):"


@dataclass(frozen=True)
class LetterStatus:
    status: str
    error: str | None
    note: str
    updated_at: dt.datetime | None


def letter_status(*, legal_request: LegalRequest, staff: bool) -> LetterStatus | None:
    """Where the request's letter is: None while none is due. The legal team sees the step, the
    stored error and note; an officer only whether it is signed, never internal error text."""
    response = Response.objects.filter(legal_request=legal_request).first()
    if response is None:
        due = legal_request.state == State.APPROVED or (
            legal_request.state == State.REJECTED and legal_request.responded_at is None
        )
        if not due:
            return None
        status, updated_at, error, note = LETTER_QUEUED, legal_request.updated_at, "", ""
    elif response.status != ResponseStatus.STORED and legal_request.state not in (State.APPROVED, State.REJECTED):
        return None  # withdrawn while its letter was being made: none will go out
    else:
        status, updated_at = _LETTER_STATUS[ResponseStatus(response.status)], response.updated_at
        error, note = response.error, response.note
    if not staff:
        signed = status == LETTER_SIGNED
        return LetterStatus(
            status=LETTER_SIGNED if signed else LETTER_PENDING,
            error=None,
            note="",
            updated_at=response.stored_at if signed and response else None,
        )
    return LetterStatus(status=status, error=error or None, note=note, updated_at=updated_at)


def letters_to_send_again(*, waiting_since: dt.datetime, claimed_before: dt.datetime) -> list[int]:
    """Ids of decided requests whose letter task was lost or failed for a cause since fixed: due
    with no response row since ``waiting_since``; queued since then; claimed by a job whose lease
    ran out (``claimed_before``); failed for a configuration cause since then."""
    due = LegalRequest.objects.filter(LETTER_DUE)
    without_row = due.filter(response__isnull=True, updated_at__lt=waiting_since).values_list("pk", flat=True)
    stale = (
        Response.objects.filter(legal_request__in=due)
        .filter(
            Q(status=ResponseStatus.QUEUED, updated_at__lt=waiting_since)
            | Q(status=ResponseStatus.CLAIMED, claimed_at__lt=claimed_before)
            | Q(status=ResponseStatus.FAILED, updated_at__lt=waiting_since, error__regex=CONFIGURATION_FAILURE)
        )
        .values_list("legal_request_id", flat=True)
    )
    return sorted({*without_row, *stale})


def letter_status_read(legal_request: LegalRequest, staff: bool) -> dict | None:
    """``letter_status`` as the request's API representation carries it."""
    status = letter_status(legal_request=legal_request, staff=staff)
    return None if status is None else asdict(status)
