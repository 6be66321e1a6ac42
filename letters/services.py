"""Write services of responses: the steps of issuing a letter (claim, sign, store), download and preview.

Issuing is idempotent by construction. A request has at most one ``Response`` row (unique), and
a worker first *claims* it under the request's row lock; the signed letter is stored in a
transaction that first checks nobody stored one meanwhile. ``workflow`` runs the steps and marks the
request answered in the storing transaction. Running the job twice, or again after a worker died
between rendering and storing, leaves one response.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import traceback
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from requests import RequestException

from audit.actions import AuditAction
from audit.services import audit_record
from disclosure.models import Decision
from disclosure.records import AnnexIIIAnswer, ApprovedDecision, DisclosedTarget, RuleFinding
from disclosure.selectors import approved_decision, proposal_preview
from disclosure.services import REASON_NOT_ALLOWED, answers_by_preserving
from lawreq.errors import Conflict, Gone, NotFound
from letters import selectors
from letters.content import LetterKind
from letters.models import Response, ResponseStatus
from letters.rendering import (
    LetterContentError,
    RenderedLetter,
    RenderedLetterFile,
    letter_preview_render,
    letter_render,
    letter_render_to_file,
    records_are_summarised,
)
from letters.signing import pdf_sign, pdf_sign_file, signer_load
from letters.streaming import letter_workspace
from requests_app.choices import Category, Outcome
from requests_app.models import LegalRequest
from requests_app.services import legal_request_require_not_frozen
from requests_app.states import ANSWERABLE_STATES, State
from rules.selectors import latest_check_run, officer_failures
from subscribers.providers import get_provider
from vault.crypto import DecryptionRefused, seal, unseal

logger = logging.getLogger(__name__)

DEFAULT_CLAIM_LEASE = dt.timedelta(minutes=4)
READ_PURPOSE = "letter rendering"
MAX_ERROR_LENGTH = 500

ERR_BUSY = "Another worker is generating this response."
ERR_NOT_ANSWERABLE = "A request in state '{state}' gets no response letter."
ERR_RESPONSE_PURGED = (
    "This letter's content was deleted after the retention period; the letter itself still verifies as ours."
)
ERR_STORED_MISMATCH = "The stored response does not match the digest recorded when it was issued."
ERR_TSA_UNAVAILABLE = "The timestamp authority did not answer; the letter waits for it."
NOTE_WAITING_FOR_TSA = "Waiting for the timestamp authority, which did not answer; retried automatically."
NOTE_SIGNED_WITHOUT_TSA = "Signed without a timestamp: the timestamp authority did not answer."
TSA_POLICY_SIGN_WITHOUT = "sign_without"


class TimestampUnavailable(Exception):
    """The timestamp authority did not answer and the policy is to wait for it."""


# A timestamp authority that does not answer raises one of these from ``pdf_sign``.
TIMESTAMP_ERRORS = (TimestampRequestError, RequestException, ConnectionError, TimeoutError)
# A database hiccup, an unreachable timestamp authority: worth another try (the task retries them).
TRANSIENT_ERRORS = (
    TimestampUnavailable,
    OperationalError,
    InterfaceError,
    TimestampRequestError,
    RequestException,
    ConnectionError,
    TimeoutError,
)
# Errors whose message is ours (no personal data), recorded as they are. Any other error is
# recorded by its type only: its message could quote a record.
KNOWN_ERRORS = (
    LetterContentError,
    ImproperlyConfigured,
    SigningError,
    DecryptionRefused,
    NotFound,
    TimestampUnavailable,
    Conflict,
)
# Failures that fixing the configuration cures (the signing key, the timestamp authority): the sweep
# tries their letters again, so nobody has to re-run each one by hand.
CONFIGURATION_ERRORS = (ImproperlyConfigured, TimestampUnavailable)
ERR_UNEXPECTED = "unexpected error while rendering or signing (the worker log has the stack)"


class ResponseBusy(Exception):
    """Another worker holds a fresh claim on this response; try again later."""


class ResponseNotDue(Exception):
    """The request is in no state to be answered (withdrawn, still in review...)."""


class ResponseGenerationFailed(Exception):
    """A permanent error, recorded on the response as ``failed``."""


@dataclass(frozen=True)
class SignedLetter:
    pdf: bytes
    rendered: RenderedLetter | RenderedLetterFile
    kind: LetterKind
    decision: ApprovedDecision | None
    signer_fingerprint: str
    timestamped: bool
    note: str = ""


def claim_lease() -> dt.timedelta:
    seconds = getattr(settings, "LAWREQ_RESPONSE_CLAIM_LEASE_SECONDS", None)
    return dt.timedelta(seconds=seconds) if seconds is not None else DEFAULT_CLAIM_LEASE


@transaction.atomic
def response_queue(*, legal_request: LegalRequest) -> Response:
    """Record, with the decision, that the request's letter is due: the row the sweep finds if the
    task that should make it never arrives."""
    response, _ = Response.objects.get_or_create(
        legal_request=legal_request, defaults={"status": ResponseStatus.QUEUED, "claimed_at": timezone.now()}
    )
    return response


def response_unqueue(*, legal_request: LegalRequest) -> None:
    """The request is withdrawn: a letter no worker has started is no longer due."""
    Response.objects.filter(legal_request=legal_request, status=ResponseStatus.QUEUED).delete()


@transaction.atomic
def response_requeue(*, legal_request_id: int) -> Response | None:
    """Mark the request's letter due again, for a new job (the sweep, a "retry now"); None when it is
    stored already. Raises ``ResponseBusy`` while a job's claim is fresh."""
    legal_request = LegalRequest.objects.select_for_update().get(pk=legal_request_id)
    response = Response.objects.select_for_update().filter(legal_request=legal_request).first()
    if response is None:
        return response_queue(legal_request=legal_request)
    if response.status == ResponseStatus.STORED:
        return None
    if response.status == ResponseStatus.CLAIMED and response.claimed_at > timezone.now() - claim_lease():
        raise ResponseBusy(ERR_BUSY)
    response.status = ResponseStatus.QUEUED
    response.error = ""
    response.save(update_fields=["status", "error", "updated_at"])
    return response


@transaction.atomic
def response_claim(*, legal_request_id: int, token: str) -> Response:
    """Claim the request's response for the job ``token`` names (the Celery task id, the same across
    redeliveries and retries): the same job may resume its own claim at once, another job only after
    the claim's lease. A response already stored is returned as it is.
    Raises ``ResponseBusy`` (transient) or ``ResponseNotDue``.
    """
    legal_request = LegalRequest.objects.select_for_update().get(pk=legal_request_id)
    response = Response.objects.select_for_update().filter(legal_request=legal_request).first()
    if response is not None and response.status == ResponseStatus.STORED:
        return response
    if legal_request.state not in ANSWERABLE_STATES:
        raise ResponseNotDue(ERR_NOT_ANSWERABLE.format(state=legal_request.state))
    now = timezone.now()
    if response is None:
        try:
            with transaction.atomic():
                return Response.objects.create(
                    legal_request=legal_request, claim_token=token, claimed_at=now, attempts=1
                )
        except IntegrityError:
            # Only possible without the row lock (SQLite): another worker created it first.
            raise ResponseBusy(ERR_BUSY)
    fresh = response.claimed_at > now - claim_lease()
    if response.status == ResponseStatus.CLAIMED and response.claim_token != token and fresh:
        raise ResponseBusy(ERR_BUSY)
    response.status = ResponseStatus.CLAIMED
    response.claim_token = token
    response.claimed_at = now
    response.attempts += 1
    response.error = ""
    response.save(update_fields=["status", "claim_token", "claimed_at", "attempts", "error", "updated_at"])
    return response


def letter_sign(*, legal_request_id: int) -> SignedLetter:
    """Render and sign the request's letter from its frozen decision.

    Transient errors (``TRANSIENT_ERRORS``) are raised for a retry, the claim staying with the job;
    any other error is recorded on the response as ``failed`` and raised as ``ResponseGenerationFailed``.
    """
    try:
        return _letter_sign(legal_request_id=legal_request_id)
    except TRANSIENT_ERRORS:
        raise
    except Exception as error:
        letter_failure_log(legal_request_id=legal_request_id, error=error)
        response_fail(legal_request_id=legal_request_id, error=error)
        raise ResponseGenerationFailed(type(error).__name__) from error


def letter_failure_log(*, legal_request_id: int, error: BaseException) -> None:
    """The failure with its stack in the worker log; the message only when it is ours (another
    could quote a record)."""
    message = str(error) if isinstance(error, KNOWN_ERRORS) else "(message withheld: it could quote a record)"
    logger.error(
        "response letter for request id %s failed: %s: %s\n%s",
        legal_request_id,
        type(error).__name__,
        message,
        "".join(traceback.format_tb(error.__traceback__)),
    )


def _letter_sign(*, legal_request_id: int) -> SignedLetter:
    legal_request = (
        LegalRequest.objects.select_related("agency", "jurisdiction")
        .prefetch_related("targets", "documents")
        .get(pk=legal_request_id)
    )
    # A suspended agency's letters wait: recorded as failed, generated again once it is reinstated.
    legal_request_require_not_frozen(legal_request)
    try:
        decision = approved_decision(legal_request=legal_request, actor=None, purpose=READ_PURPOSE)
    except NotFound:
        if legal_request.state != State.REJECTED:
            raise
        decision = None  # a rejection decided without a frozen snapshot still gets its letter
    content = selectors.letter_content_for(legal_request=legal_request, decision=decision, responded_at=timezone.now())
    reason = f"{content.platform_name}: response to request {content.ref}"
    with letter_workspace() as workspace:
        if records_are_summarised(content):
            # Too many records to hold: the letter and its attachments go through files.
            rendered = letter_render_to_file(content, workspace)
            signed_path = workspace / "signed.pdf"

            def sign(timestamp: bool) -> bytes:
                pdf_sign_file(rendered.path, signed_path, reason=reason, timestamp=timestamp)
                return signed_path.read_bytes()
        else:
            rendered = letter_render(content)

            def sign(timestamp: bool) -> bytes:
                return pdf_sign(rendered.pdf, reason=reason, timestamp=timestamp)

        signer = signer_load()
        timestamped, note = bool(settings.LAWREQ_TIMESTAMP_URL), ""
        try:
            pdf = sign(True)
        except TIMESTAMP_ERRORS as error:
            if not timestamped:
                raise
            logger.warning(
                "timestamp authority unavailable for request id %s: %s", legal_request_id, type(error).__name__
            )
            if settings.LAWREQ_TSA_POLICY != TSA_POLICY_SIGN_WITHOUT:
                response_note(legal_request_id=legal_request_id, note=NOTE_WAITING_FOR_TSA)
                raise TimestampUnavailable(ERR_TSA_UNAVAILABLE) from error
            pdf = sign(False)
            timestamped, note = False, NOTE_SIGNED_WITHOUT_TSA
    return SignedLetter(
        pdf=pdf,
        rendered=rendered,
        kind=content.kind,
        decision=decision,
        signer_fingerprint=signer.fingerprint_sha256,
        timestamped=timestamped,
        note=note,
    )


def response_note(*, legal_request_id: int, note: str) -> None:
    Response.objects.filter(legal_request_id=legal_request_id).exclude(status=ResponseStatus.STORED).update(
        note=note, updated_at=timezone.now()
    )


@transaction.atomic
def response_store(*, response_id: int, letter: SignedLetter) -> tuple[Response, bool]:
    """Seal and store the signed letter, audited with its SHA-256; returns (response, newly stored).
    Nothing is stored when another worker stored one first, or the request was withdrawn meanwhile."""
    # The request first, then the response: the order the claim takes them in, so no deadlock.
    legal_request_id = Response.objects.values_list("legal_request_id", flat=True).get(pk=response_id)
    legal_request = LegalRequest.objects.select_for_update().get(pk=legal_request_id)
    response = Response.objects.select_for_update().get(pk=response_id)
    if response.status == ResponseStatus.STORED:
        return response, False  # another worker finished first; ours is discarded
    if legal_request.state not in ANSWERABLE_STATES:
        # Withdrawn while the letter was being made: nothing goes out.
        _record_failure(response, ERR_NOT_ANSWERABLE.format(state=legal_request.state), "ResponseNotDue")
        return response, False
    sha256 = hashlib.sha256(letter.pdf).hexdigest()
    response.pdf_sealed = seal(letter.pdf, context=response.seal_context())
    response.sha256 = sha256
    response.kind = letter.kind
    response.size = len(letter.pdf)
    response.pages = letter.rendered.pages
    response.signer_fingerprint = letter.signer_fingerprint
    response.timestamped = letter.timestamped
    response.note = letter.note
    certificate = letter.rendered.certificate
    response.certificate = certificate.as_record() if certificate else None
    response.status = ResponseStatus.STORED
    response.stored_at = timezone.now()
    response.error = ""
    response.save()
    details = {
        "sha256": sha256,
        "kind": letter.kind.value,
        "pages": letter.rendered.pages,
        "bytes": len(letter.pdf),
        "signer_certificate_sha256": letter.signer_fingerprint,
        "timestamped": letter.timestamped,
    }
    if certificate:
        details["authenticity_certificate"] = {
            "custodian": certificate.custodian,
            "declaration": certificate.declaration_citation,
            "files": {f.name: f.sha256 for f in certificate.files},
        }
    audit_record(action=AuditAction.RESPONSE_ISSUED, obj=response, request_ref=legal_request.ref, details=details)
    return response, True


@transaction.atomic
def response_fail(*, legal_request_id: int, error: BaseException | str) -> Response | None:
    """Record a permanent failure on the request's response (unless one was stored meanwhile)."""
    response = (
        Response.objects.select_for_update()
        .select_related("legal_request")
        .filter(legal_request_id=legal_request_id)
        .first()
    )
    if response is None or response.status == ResponseStatus.STORED:
        return response
    if isinstance(error, KNOWN_ERRORS):
        _record_failure(response, str(error), type(error).__name__)
    elif isinstance(error, BaseException):
        _record_failure(response, ERR_UNEXPECTED, type(error).__name__)
    else:
        _record_failure(response, error, "Error")
    return response


def _record_failure(response: Response, message: str, error_type: str) -> None:
    message = f"{error_type}: {message}"[:MAX_ERROR_LENGTH]
    response.status = ResponseStatus.FAILED
    response.error = message
    response.save(update_fields=["status", "error", "updated_at"])
    audit_record(
        action=AuditAction.RESPONSE_FAILED,
        obj=response,
        request_ref=LegalRequest.objects.values_list("ref", flat=True).get(pk=response.legal_request_id),
        details={"error": message, "attempts": response.attempts},
    )
    logger.warning("response letter for request id %s failed: %s", response.legal_request_id, error_type)


def _open(response: Response, *, user) -> bytes:
    if response.purged_at is not None:
        raise Gone(ERR_RESPONSE_PURGED)
    pdf = unseal(
        bytes(response.pdf_sealed), context=response.seal_context(), actor=user, request_ref=response.legal_request.ref
    )
    if hashlib.sha256(pdf).hexdigest() != response.sha256:
        raise Conflict(ERR_STORED_MISMATCH)
    return pdf


# Not atomic as a whole: a refused decryption is audited by ``unseal`` and that entry must survive the
# error it raises. ``audit_record`` is atomic on its own.
def response_download(*, user, ref: str, via: str = "api") -> tuple[Response, bytes]:
    """The signed PDF for its agency's officers and the legal team; every download is audited."""
    response = selectors.response_for_download(user=user, ref=ref)
    pdf = _open(response, user=user)
    audit_record(
        action=AuditAction.RESPONSE_DOWNLOADED,
        actor=user,
        obj=response,
        request_ref=ref,
        details={"sha256": response.sha256, "via": via},
    )
    return response, pdf


def response_preview(*, user, ref: str) -> tuple[Response, bytes]:
    """The signed PDF shown inline to the legal team; audited apart from downloads."""
    response = selectors.response_for_preview(user=user, ref=ref)
    pdf = _open(response, user=user)
    audit_record(
        action=AuditAction.RESPONSE_PREVIEWED,
        actor=user,
        obj=response,
        request_ref=ref,
        details={"sha256": response.sha256},
    )
    return response, pdf


def approval_letter_preview(*, legal_request: LegalRequest, actor) -> bytes:
    """The letter the open proposal would issue, rendered for the reviewer before they approve:
    watermarked, never signed, never stored. IP events are counted, not read (the letter only
    announces them); phone numbers and the profile, which the letter prints, are read. Audited."""
    preview = proposal_preview(legal_request=legal_request, actor=actor)
    proposal = preview.proposal
    provider = get_provider()
    targets: list[DisclosedTarget] = []
    ip_event_counts: dict[int, int] = {}
    printed = (Category.PHONE_NUMBER, Category.SUBSCRIBER_PROFILE)
    preserving = answers_by_preserving(legal_request)
    for item in preview.targets:
        if not item.included:
            continue
        small = [category for category in item.categories if category in printed and not preserving]
        records = (
            provider.records(item.account_id, small, item.date_from, item.date_to) if item.found and small else None
        )
        targets.append(
            DisclosedTarget(
                target_id=item.target.pk,
                target_type=item.target.type,
                target_value=item.target.value,
                found=item.found,
                account_id=item.account_id,
                categories=item.categories,
                date_from=item.date_from,
                date_to=item.date_to,
                phone_numbers=records.phone_numbers if records else (),
                profile=records.profile if records else None,
            )
        )
        ip_event_counts[item.target.pk] = 0 if preserving else item.counts.get(Category.IP_ADDRESSES, 0)
    if proposal.decision == Decision.REJECT:
        outcome = Outcome.REJECTED
    elif not preview.accounts_found:
        outcome = Outcome.NO_RECORDS
    elif preserving:
        outcome = Outcome.PRESERVED
    else:
        outcome = Outcome.PARTIALLY_DISCLOSED if preview.refused else Outcome.DISCLOSED
    quotes_rules = outcome == Outcome.REJECTED or any(item.reason == REASON_NOT_ALLOWED for item in preview.refused)
    now = timezone.now()
    decision = ApprovedDecision(
        decision=proposal.decision,
        outcome=outcome,
        proposed_by_role="analyst",
        approved_by_role="reviewer",
        proposed_by_name="",
        approved_by_name="",
        approved_at=now,
        reasons=tuple(proposal.reasons),
        refused=preview.refused,
        failing_rules=tuple(
            RuleFinding(rule=result.rule, message=result.message, citation=result.citation)
            for result in officer_failures(latest_check_run(legal_request))
        )
        if quotes_rules
        else (),
        targets=tuple(targets),
        annex_iii=AnnexIIIAnswer(
            grounds=tuple(proposal.annex_iii_grounds),
            explanation=proposal.annex_iii_explanation,
            late=legal_request.is_overdue,
        )
        if proposal.annex_iii_grounds
        else None,
    )
    content = selectors.letter_content_for(legal_request=legal_request, decision=decision, responded_at=now)
    pdf = letter_preview_render(content, ip_event_counts=ip_event_counts)
    audit_record(
        action=AuditAction.APPROVAL_PREVIEWED,
        actor=actor,
        obj=proposal,
        request_ref=legal_request.ref,
        details={
            "proposal_id": proposal.pk,
            "what": "letter",
            "kind": content.kind,
            "sha256": hashlib.sha256(pdf).hexdigest(),
        },
    )
    return pdf
