"""The journey of a request, one ``do_*`` function per step: submit, validate, propose, decide, issue,
withdraw.

This is the only module that moves a request from one step to the next and fans out what follows
(the checks after a submission, the letter after a decision, the notifications of each step). The
apps below it each offer single steps; here they are put together, each step's writes in one
transaction (issuing a letter first claims it in a transaction of its own, so that a worker lost
between signing and storing is resumed). Steps that freeze, seal or resolve run inside
``audit_batch``: their audit entries are appended last, so the chain lock, which every audited
action waits on, is held only from those appends to the commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEntry
from audit.services import audit_batch, audit_record
from casework.models import AuthorRole, Message
from casework.services import message_post, question_post, revision_record
from disclosure.models import Approval, CallBack, CallBackOutcome, Decision, Proposal
from disclosure.services import (
    callback_record,
    proposal_create,
    proposal_decide,
    proposals_withdraw,
    snapshot_freeze,
    snapshot_shred,
)
from lawreq.errors import Conflict
from lawreq.roles import Role
from letters.content import LetterKind
from letters.models import Response, ResponseStatus
from letters.selectors import LETTER_DUE, letters_to_send_again
from letters.services import (
    ResponseBusy,
    claim_lease,
    letter_sign,
    response_claim,
    response_queue,
    response_requeue,
    response_store,
    response_unqueue,
)
from notifications.models import Event
from notifications.recipients import agency_side, reviewers, reviewers_other_than, role_holders, staff_side
from notifications.services import notify
from notifications.user_notice import user_notice_schedule
from notifications.webhooks import webhook_event
from requests_app.choices import Outcome
from requests_app.e_evidence import enforcing_window_set
from requests_app.models import FollowUpState, LegalRequest
from requests_app.services import (
    legal_request_approve,
    legal_request_ask_for_info,
    legal_request_await_approval,
    legal_request_followup_mark_overdue,
    legal_request_followup_open,
    legal_request_followup_receive,
    legal_request_mark_responded,
    legal_request_record_rejection_letter,
    legal_request_reject,
    legal_request_send_back,
    legal_request_start_review,
    legal_request_submit,
    legal_request_withdraw,
)
from requests_app.states import State
from rules.engine import NEEDS_INFO
from rules.selectors import (
    checks_missing_text,
    enforcing_transmit_after,
    enforcing_window,
    latest_check_run,
    response_deadline,
)
from rules.services import legal_request_check
from subscribers.services import legal_request_resolve_targets
from workflow import tasks

logger = logging.getLogger(__name__)

SHRED_REASON_WITHDRAWN = "withdrawn"
FOLLOWUP_QUESTION = (
    "This request was answered as an emergency, on your statement of a danger to life or of serious physical "
    "injury. Please send {document} by {due} UTC: attach it to this request as a PDF document."
)
# What the agency owes after an emergency disclosure, named for the rule sets the request was checked
# against (their followup_hours gives the window): the first layer listed here that applied, else
# the legal process (US practice, 18 U.S.C. 2702(b)(8) and the platform's policy).
FOLLOWUP_DOCUMENTS = {
    "EU": "the validation of the European Production Order by the judicial authority that the law requires "
    "when it was issued in an emergency without prior validation (Article 4(5) of Regulation (EU) 2023/1543)",
}
FOLLOWUP_DOCUMENT_DEFAULT = "the legal process that covers the disclosure (subpoena, court order or search warrant)"
DISCLOSED_OUTCOMES = frozenset({Outcome.DISCLOSED, Outcome.PARTIALLY_DISCLOSED})
# The automatic checks' question in the conversation: what is missing is listed with the request.
CHECKS_QUESTION = (
    "The automatic checks found information missing from this request; what is missing is listed with the "
    "request. Please correct the request or add a document, then submit it again."
)


def do_submit(*, legal_request: LegalRequest, actor) -> LegalRequest:
    """The officer files the request (or answers a question): it is ``received``, due by the
    deadline its jurisdiction's rules set, and validated in the background after commit."""
    received_at = timezone.now()
    first_submission = legal_request.received_at is None
    due_at = _deadline(legal_request, received_at) if first_submission else None
    with transaction.atomic():
        legal_request_submit(legal_request=legal_request, actor=actor, received_at=received_at, due_at=due_at)
        legal_request.refresh_from_db()
        if legal_request.enforcing_authority_notified or legal_request.enforcing_window_ends_at:
            enforcing_window_set(
                legal_request=legal_request,
                window=enforcing_window(legal_request=legal_request),
                transmit_after=enforcing_transmit_after(legal_request=legal_request),
            )
        revision = revision_record(legal_request=legal_request, actor=actor)
        # An unchanged resubmission has no revision: the submission's time tells it apart.
        occurrence = f"revision:{revision.pk}" if revision else f"resubmission:{received_at.isoformat()}"
        notify(
            event=Event.REQUEST_RECEIVED if first_submission else Event.REQUEST_RESUBMITTED,
            legal_request=legal_request,
            recipients=staff_side(legal_request),
            occurrence=occurrence,
            actor=actor,
        )
        transaction.on_commit(lambda: send_to_workers(tasks.validate_request, legal_request.pk))
    legal_request.refresh_from_db()  # run eagerly (the embedded default), validation has moved it on
    return legal_request


def _deadline(legal_request: LegalRequest, received_at: dt.datetime) -> dt.datetime:
    return response_deadline(
        jurisdiction_code=legal_request.jurisdiction.code,
        process_type=legal_request.process_type,
        emergency=legal_request.is_emergency,
        received_at=received_at,
    )


def do_validate(*, legal_request_id: int) -> None:
    """What runs after submission: resolve the targets, check the request against the rules in
    force at its receipt, then hand it to the legal team or ask the officer for what is missing.
    The engine only recommends; humans decide. A request no longer ``received`` (already validated,
    withdrawn) is left alone, so running twice is harmless."""
    with transaction.atomic(), audit_batch():
        legal_request = LegalRequest.objects.select_for_update().filter(pk=legal_request_id).first()
        if legal_request is None or legal_request.state != State.RECEIVED:
            return
        legal_request_resolve_targets(legal_request=legal_request)
        check_run = legal_request_check(legal_request=legal_request)
        details = {
            "check_run": check_run.pk,
            "recommendation": check_run.recommendation,
            "rule_versions": check_run.versions,
            "out_of_band_verification": check_run.out_of_band_verification,
        }
        if check_run.recommendation == NEEDS_INFO:
            # The request keeps what is missing (``info_requested``, read by the API and listed on the
            # officer's page under "What the checks found"); the conversation carries the question
            # without repeating that list a second time.
            missing = checks_missing_text(check_run)
            legal_request_ask_for_info(legal_request=legal_request, question=missing, details=details)
            _ask_officer(legal_request=legal_request, question=CHECKS_QUESTION, occurrence=f"check_run:{check_run.pk}")
        else:
            legal_request_start_review(legal_request=legal_request, details=details)


def do_propose(*, legal_request: LegalRequest, actor, decision: str, **terms: Any) -> Proposal:
    """An analyst proposes: ``disclose`` and ``reject`` wait for a reviewer's approval,
    ``need_info`` asks the officer at once. ``terms`` are the scope and reasons that
    ``disclosure.services.proposal_create`` takes (targets, categories, dates, reason, reasons)."""
    with transaction.atomic():
        proposal = proposal_create(legal_request=legal_request, actor=actor, decision=decision, **terms)
        locked = proposal.legal_request
        details = {"proposal_id": proposal.pk, "decision": decision}
        if decision == Decision.NEED_INFO:
            question = proposal.reason
            legal_request_ask_for_info(legal_request=locked, question=question, actor=actor, details=details)
            _ask_officer(legal_request=locked, question=question, occurrence=f"proposal:{proposal.pk}", actor=actor)
        else:
            legal_request_await_approval(legal_request=locked, actor=actor, details=details)
            notify(
                event=Event.PROPOSAL_AWAITING_APPROVAL,
                legal_request=locked,
                recipients=reviewers_other_than(locked, actor),
                occurrence=f"proposal:{proposal.pk}",
                actor=actor,
            )
    legal_request.refresh_from_db()
    return proposal


def do_decide(*, legal_request: LegalRequest, actor, approve: bool, comment: str = "") -> Approval:
    """A reviewer other than the proposer approves the proposal or sends it back.

    An approval freezes the answer (exactly the approved records, sealed; or a rejection's reasons)
    in the same transaction, and the letter is issued after commit.
    """
    with transaction.atomic(), audit_batch():
        approval = proposal_decide(legal_request=legal_request, actor=actor, approve=approve, comment=comment)
        proposal = approval.proposal
        locked = proposal.legal_request
        details = {"proposal_id": proposal.pk, "decision": proposal.decision}
        if not approve:
            legal_request_send_back(legal_request=locked, actor=actor, details=details)
            notify(
                event=Event.PROPOSAL_SENT_BACK,
                legal_request=locked,
                recipients=[proposal.proposed_by],
                occurrence=f"proposal:{proposal.pk}",
                actor=actor,
            )
        else:
            snapshot_freeze(proposal=proposal, approval=approval, actor=actor)
            if proposal.decision == Decision.DISCLOSE:
                legal_request_approve(legal_request=locked, actor=actor, details=details)
            else:
                legal_request_reject(legal_request=locked, actor=actor, reasons=list(proposal.reasons), details=details)
            # The letter is recorded as due with the decision: if the task is lost, the sweep sends it again.
            response_queue(legal_request=locked)
            transaction.on_commit(lambda: send_to_workers(tasks.issue_response, legal_request.pk))
    legal_request.refresh_from_db()
    return approval


def do_issue_response(*, legal_request_id: int, claim_token: str | None = None) -> Response:
    """Render, sign, seal and issue the request's response letter, once; the request is then
    answered (``responded``, or a rejection with the date its letter went out).

    ``claim_token`` names the job (see ``letters.services.response_claim``). Raises ``ResponseBusy``
    and ``TRANSIENT_ERRORS`` (worth a retry), ``ResponseNotDue`` or ``ResponseGenerationFailed``.
    """
    response = response_claim(legal_request_id=legal_request_id, token=claim_token or uuid.uuid4().hex)
    if response.status == ResponseStatus.STORED:
        return response
    letter = letter_sign(legal_request_id=legal_request_id)
    with transaction.atomic():
        response, issued = response_store(response_id=response.pk, letter=letter)
        if issued:
            legal_request = LegalRequest.objects.get(pk=legal_request_id)
            if letter.kind == LetterKind.REJECTION:
                legal_request_record_rejection_letter(legal_request=legal_request)
            else:
                legal_request_mark_responded(
                    legal_request=legal_request,
                    outcome=letter.decision.outcome,
                    accounts_affected=letter.decision.accounts_affected,
                    details={"sha256": response.sha256},
                )
            notify(
                event=Event.ANSWERED,
                legal_request=legal_request,
                recipients=agency_side(legal_request),
                occurrence=f"response:{response.pk}",
            )
            webhook_event(event=Event.ANSWERED, legal_request=legal_request, occurrence=f"response:{response.pk}")
            # Whether and when the users whose data went out are told (an order or the rules may bar it).
            user_notice_schedule(legal_request=legal_request)
            if legal_request.is_emergency and legal_request.outcome in DISCLOSED_OUTCOMES:
                _followup_request(legal_request)
    return response


def _followup_request(legal_request: LegalRequest) -> None:
    """After an emergency disclosure the agency owes the legal process (US practice) or the validation
    the law requires (EU: Art. 4(5) of Regulation 2023/1543), within the window its rules set."""
    check_run = latest_check_run(legal_request)
    if check_run is None or not check_run.followup_hours:
        return
    due_at = (legal_request.responded_at or timezone.now()) + dt.timedelta(hours=check_run.followup_hours)
    if not legal_request_followup_open(legal_request=legal_request, due_at=due_at):
        return
    question = FOLLOWUP_QUESTION.format(
        document=followup_document(check_run.versions), due=f"{due_at.astimezone(dt.UTC):%Y-%m-%d %H:%M}"
    )
    question_post(legal_request=legal_request, question=question)
    notify(
        event=Event.FOLLOWUP_REQUESTED,
        legal_request=legal_request,
        recipients=agency_side(legal_request),
        occurrence=f"followup:{legal_request.pk}",
    )


def followup_document(versions: list[dict]) -> str:
    """The follow-up document's name for a check run's rule sets (``CheckRun.versions``)."""
    layers = {version.get("ruleset") for version in versions}
    return next((words for layer, words in FOLLOWUP_DOCUMENTS.items() if layer in layers), FOLLOWUP_DOCUMENT_DEFAULT)


def do_followup_received(*, legal_request: LegalRequest, actor, document_id: int | None) -> LegalRequest:
    """The legal team marks the follow-up legal process of an emergency disclosure received."""
    return legal_request_followup_receive(legal_request=legal_request, actor=actor, document_id=document_id)


def do_followups_escalate(*, now: dt.datetime | None = None) -> list[str]:
    """Mark overdue every follow-up not received in time and tell the reviewers, once each: a second
    run (or two beat runs at once) finds nothing left to claim. Returns the references escalated."""
    now = now or timezone.now()
    due = LegalRequest.objects.filter(followup_state=FollowUpState.AWAITING, followup_due_at__lte=now)
    escalated = []
    for legal_request_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            legal_request = legal_request_followup_mark_overdue(legal_request_id=legal_request_id, now=now)
            if legal_request is None:
                continue
            notify(
                event=Event.FOLLOWUP_OVERDUE,
                legal_request=legal_request,
                recipients=role_holders(Role.REVIEWER).exclude(pk=legal_request.created_by_id),
                occurrence=f"followup:{legal_request.pk}",
            )
            escalated.append(legal_request.ref)
    return escalated


def do_callback_record(*, legal_request: LegalRequest, actor, spoke_to: str, outcome: str, note: str = "") -> CallBack:
    """Record a call-back to the agency's registry number. One the agency did not confirm flags the
    request (in ``callback_record``) and the reviewers are told, once."""
    with transaction.atomic():
        callback = callback_record(
            legal_request=legal_request, actor=actor, spoke_to=spoke_to, outcome=outcome, note=note
        )
        if callback.outcome == CallBackOutcome.NOT_CONFIRMED:
            notify(
                event=Event.CALLBACK_NOT_CONFIRMED,
                legal_request=legal_request,
                recipients=role_holders(Role.REVIEWER).exclude(pk=legal_request.created_by_id),
                occurrence=f"callback:{callback.pk}",
                actor=actor,
            )
    return callback


def _ask_officer(*, legal_request: LegalRequest, question: str, occurrence: str, actor=None) -> None:
    """The question goes into the conversation (it stays there after the officer answers), and the
    agency's officers are told."""
    question_post(legal_request=legal_request, question=question, actor=actor)
    notify(
        event=Event.QUESTION_ASKED,
        legal_request=legal_request,
        recipients=agency_side(legal_request),
        occurrence=occurrence,
        actor=actor,
    )
    webhook_event(event=Event.QUESTION_ASKED, legal_request=legal_request, occurrence=occurrence)


def do_message_post(*, legal_request: LegalRequest, actor, body: str) -> Message:
    """A message in the conversation between the agency and the legal team; the other side is told."""
    with transaction.atomic():
        message = message_post(legal_request=legal_request, author=actor, body=body)
        from_agency = message.author_role == AuthorRole.OFFICER
        notify(
            event=Event.MESSAGE_RECEIVED,
            legal_request=legal_request,
            recipients=staff_side(legal_request) if from_agency else agency_side(legal_request),
            occurrence=f"message:{message.pk}",
            actor=actor,
        )
        if not from_agency:
            webhook_event(event=Event.MESSAGE_RECEIVED, legal_request=legal_request, occurrence=f"message:{message.pk}")
    return message


def do_message_post_and_submit(*, legal_request: LegalRequest, actor, body: str) -> Message:
    """The officer answers in words and submits the request again, in one step. One event, one
    notification: the legal team is told of the resubmission (its timeline and thread show the
    message), not of a message as well. If the request cannot be submitted, nothing is posted."""
    with transaction.atomic():
        message = message_post(legal_request=legal_request, author=actor, body=body)
        do_submit(legal_request=legal_request, actor=actor)
    return message


def do_withdraw(*, legal_request: LegalRequest, actor, reason: str = "") -> LegalRequest:
    """The officer withdraws a request that has no response yet; a letter being made is not sent.

    A proposal waiting for a reviewer is closed as withdrawn, and an approved answer's disclosed data
    is destroyed (``snapshot_shred``): nobody will ever be sent it, so nobody should read it again.
    The transition comes first: it locks the request and refuses a withdrawal that is not allowed.
    """
    with transaction.atomic(), audit_batch():
        legal_request_withdraw(legal_request=legal_request, actor=actor, reason=reason)
        closed = proposals_withdraw(legal_request=legal_request)
        response_unqueue(legal_request=legal_request)
        snapshot_shred(legal_request=legal_request, actor=actor, reason=SHRED_REASON_WITHDRAWN)
        if closed:
            audit_record(
                action=AuditAction.PROPOSAL_WITHDRAWN,
                actor=actor,
                request_ref=legal_request.ref,
                details={"proposal_ids": closed},
            )
    return legal_request


def send_to_workers(task, legal_request_id: int) -> bool:
    """Send ``task`` for the request; a broker that is down is logged, never raised: what was
    committed stays committed and answered, and the sweep (``do_sweep``) sends the work again."""
    try:
        task.delay(legal_request_id)
    except Exception:
        logger.warning(
            "could not send %s for request id %s; the sweep will send it again",
            task.name,
            legal_request_id,
            exc_info=True,
        )
        return False
    return True


@dataclass(frozen=True)
class SweepResult:
    validations: list[int]
    letters: list[int]
    alerts: list[int]


def do_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Send again the work whose task was lost (a broker down at enqueue, a queue flushed, a worker
    killed): requests ``received`` and not checked, decided requests without their letter; alert
    the reviewers, once, of a request waiting too long. Both steps are idempotent (the validation
    acts on a ``received`` request only; the letter's claim makes one letter), so a task sent twice
    is harmless."""
    now = now or timezone.now()
    waiting_since = now - dt.timedelta(seconds=settings.LAWREQ_STUCK_SECONDS)
    unchecked = list(
        LegalRequest.objects.filter(state=State.RECEIVED, updated_at__lt=waiting_since)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for legal_request_id in unchecked:
        send_to_workers(tasks.validate_request, legal_request_id)
    letters = []
    for legal_request_id in letters_to_send_again(waiting_since=waiting_since, claimed_before=now - claim_lease()):
        try:
            with transaction.atomic():
                if response_requeue(legal_request_id=legal_request_id) is None:
                    continue
                _audit_sent_again(legal_request_id, action=AuditAction.WORK_SWEPT, actor=None, task="issue_response")
        except ResponseBusy:
            continue
        letters.append(legal_request_id)
        send_to_workers(tasks.issue_response, legal_request_id)
    return SweepResult(validations=unchecked, letters=letters, alerts=_alert_stuck(now=now))


def _audit_sent_again(legal_request_id: int, *, action: str, actor, task: str, via: str = "sweep") -> None:
    ref = LegalRequest.objects.values_list("ref", flat=True).get(pk=legal_request_id)
    audit_record(action=action, actor=actor, request_ref=ref, details={"task": task, "via": via})


def _alert_stuck(*, now: dt.datetime) -> list[int]:
    """Tell the reviewers of each request that entered ``received`` or was decided longer ago than
    the alert threshold and is still waiting for the workers: once per time it entered that state
    (the occurrence is the audit entry of that transition)."""
    alert_before = now - dt.timedelta(seconds=settings.LAWREQ_STUCK_ALERT_SECONDS)
    waiting = LegalRequest.objects.filter(Q(state=State.RECEIVED) | LETTER_DUE, updated_at__lt=alert_before).order_by(
        "pk"
    )
    alerted = []
    for legal_request in waiting:
        entered = (
            AuditEntry.objects.filter(request_ref=legal_request.ref, action=AuditAction.REQUEST_TRANSITIONED)
            .order_by("-id")
            .only("id", "created_at")
            .first()
        )
        if entered is None or entered.created_at >= alert_before:
            continue
        with transaction.atomic():
            if notify(
                event=Event.REQUEST_STUCK,
                legal_request=legal_request,
                recipients=reviewers(legal_request),
                occurrence=f"stuck:{entered.pk}",
            ):
                alerted.append(legal_request.pk)
                logger.warning(
                    "request id %s waits in '%s' since %s", legal_request.pk, legal_request.state, entered.created_at
                )
    return alerted


ERR_NOTHING_TO_RETRY = "This request has no work waiting for the workers."


def do_retry(*, legal_request: LegalRequest, actor, via: str) -> str:
    """A staff member's "retry now": the request's waiting work (its checks, or its letter) is sent
    to the workers again, audited. Returns the task sent. Raises ``Conflict`` when nothing waits or
    a worker is making the letter right now."""
    with transaction.atomic():
        locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
        if locked.state == State.RECEIVED:
            task, name = tasks.validate_request, "validate_request"
        elif LegalRequest.objects.filter(LETTER_DUE, pk=locked.pk).exists():
            try:
                if response_requeue(legal_request_id=locked.pk) is None:
                    raise Conflict(ERR_NOTHING_TO_RETRY)
            except ResponseBusy as busy:
                raise Conflict(str(busy)) from busy
            task, name = tasks.issue_response, "issue_response"
        else:
            raise Conflict(ERR_NOTHING_TO_RETRY)
        _audit_sent_again(locked.pk, action=AuditAction.WORK_RETRIED, actor=actor, task=name, via=via)
        transaction.on_commit(lambda: send_to_workers(task, locked.pk))
    legal_request.refresh_from_db()
    return name


def do_letter_failed(*, legal_request_id: int) -> None:
    """The letter could not be produced: the reviewers are told, once per distinct error (a signing
    key that does not open, retried by the sweep, is one occurrence until the error changes)."""
    response = Response.objects.select_related("legal_request").filter(legal_request_id=legal_request_id).first()
    if response is None or response.status != ResponseStatus.FAILED:
        return
    error_digest = hashlib.sha256(response.error.encode()).hexdigest()[:16]
    with transaction.atomic():
        notify(
            event=Event.LETTER_FAILED,
            legal_request=response.legal_request,
            recipients=reviewers(response.legal_request),
            occurrence=f"response:{response.pk}:{error_digest}",
        )
