"""Proposal, four-eyes approval, and the frozen, sealed disclosure snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from audit.actions import AuditAction
from audit.services import audit_hash_identifier, audit_record
from disclosure import codec
from disclosure.annex_iii import (
    ERR_GROUNDS_NOT_APPLICABLE,
    ERR_GROUNDS_REQUIRED,
    annex_iii_validate,
    certificate_of,
)
from disclosure.models import (
    Approval,
    CallBack,
    CallBackOutcome,
    Decision,
    DisclosureSnapshot,
    Proposal,
    ProposalStatus,
    ProposalTarget,
    SnapshotTarget,
)
from lawreq.errors import Conflict, InvalidInput, NotPermitted, TransitionNotAllowed
from lawreq.roles import Role, has_role
from requests_app.choices import (
    Category,
    EnforcingDecision,
    Outcome,
    ProcessType,
    Resolution,
    TargetType,
    label_of,
)
from requests_app.e_evidence import ERR_GROUNDS_RAISED, disclosure_hold_check
from requests_app.models import Agency, LegalRequest, Target
from requests_app.selectors import require_legal_staff_on
from requests_app.services import legal_request_require_not_frozen
from requests_app.states import OPEN_STATES, State
from rules.selectors import latest_check_run, officer_failures
from subscribers.providers import get_provider
from vault.crypto import key_ring, seal

ERR_NOT_FOUND = "No such request."
ERR_NOT_ANALYST = "Only an analyst can propose a decision."
ERR_NOT_REVIEWER = "Only a reviewer can approve or send back a proposal."
ERR_OWN_PROPOSAL = "You made this proposal: another reviewer must decide on it (four eyes)."
ERR_STATE_PROPOSAL = "A decision can be proposed only while the request is in review (it is '{state}')."
ERR_STATE_APPROVAL = "There is no proposal waiting for approval (the request is '{state}')."
ERR_NO_CHECKS = "The checks have not run for this request yet; run them before proposing."
ERR_VERIFICATION_REQUIRED = (
    "A confirmed call-back to the agency's registry number is required before an emergency disclosure can be "
    "proposed or approved: call the agency on that number and record the call-back."
)
ERR_CALLBACK_NO_NUMBER = (
    "The agency {agency} has no call-back number in the registry: an administrator must add one (from an "
    "independent directory) before a call-back can be recorded."
)
ERR_CALLBACK_STATE = (
    "A call-back can be recorded only while the request is submitted and open (it is '{state}'): a draft is "
    "not yet the request to verify, and a closed request has nothing left to verify."
)
ERR_CALLBACK_NOT_NEEDED = (
    "This request needs no call-back: only an emergency, or a request the rules flag for out-of-band "
    "verification, is verified by calling the agency back."
)
ERR_CALLBACK_AFTER_NOT_CONFIRMED = (
    "You recorded call-back #{id} as not confirmed: only another member of the legal team may now record a "
    "confirmed call-back (four eyes)."
)
ERR_APPROVER_CALLED_BACK = (
    "You recorded the confirmed call-back #{id} this approval relies on: another reviewer must approve (four eyes)."
)
ERR_CALLBACK_OUTCOME = "Choose one of: confirmed, not_confirmed, no_answer."
ERR_CALLBACK_SPOKE_TO = "Name whom you spoke to (needed unless nobody answered)."
ERR_CALLBACK_ROLE = "Only an analyst or a reviewer records a call-back."
MAX_SPOKE_TO = 200
ERR_DECISION = "Choose one of: disclose, reject, need_info."
ERR_TARGETS_EMPTY = "Name at least one target."
ERR_TARGET_FOREIGN = "Target #{id} is not a target of this request."
ERR_TARGET_DUPLICATE = "Target #{id} is named twice."
ERR_TARGET_FORMAT = "Each target is an id, or an object with an 'id' and optional 'categories', 'date_from', 'date_to'."
ERR_CATEGORIES_EMPTY = "A disclose proposal names at least one category."
ERR_CATEGORY_UNKNOWN = "'{category}' is not a data category."
ERR_CATEGORY_NOT_ASKED = "'{category}' was not asked for by the request."
ERR_CATEGORY_NOT_ALLOWED = "'{category}' is not allowed by the checks of this request."
ERR_DATE_MISSING = "The request has no date range: give one."
ERR_DATE_BEFORE = "Cannot start before the requested {date}."
ERR_DATE_AFTER = "Cannot end after the requested {date}."
ERR_DATE_ORDER = "date_from must not be after date_to."
ERR_REASONS_REQUIRED = (
    "A rejection needs its reasons for the requester ('reasons'): they are printed in the letter; "
    "the justification ('reason') is internal and never is."
)
ERR_QUESTION_REQUIRED = "Asking for information needs the question to the officer (in 'reason')."
ERR_COMMENT_REQUIRED = "Sending a proposal back needs a comment saying why."
ERR_TEXT_TOO_LONG = "At most {max} characters."
ERR_ANNEX_III_MISSING_AT_APPROVAL = (
    "This answer to a European order ({certificate}) would not comply fully or in time, and the proposal gives no "
    "Annex III grounds for the issuing authority: send it back so the analyst adds them."
)

MAX_TEXT = 5000
# What the letter says about a refusal: these sentences, the proposal's ``reasons`` and the rules' own
# messages. Never the proposal's ``reason``: that is the analyst's justification for the reviewer.
# Stored in English in the frozen decision; a letter prints them in its own language.
REASON_NOT_ALLOWED = gettext_noop("Not permitted by the legal requirements in force for this request (listed below).")
REASON_NARROWED = gettext_noop("Narrowed by the legal review.")
REASON_NARROWED_SEE_REASONS = gettext_noop("Narrowed by the legal review, for the reasons given below.")
REASON_NOT_PROPOSED = gettext_noop("Not included by the legal review.")
REASON_NOT_PROPOSED_SEE_REASONS = gettext_noop("Not included by the legal review, for the reasons given below.")


# The rule engine's verdict


@dataclass(frozen=True)
class ChecksInForce:
    allowed_categories: frozenset[str]
    rule_versions: list
    out_of_band_verification: bool = False


NO_CHECKS = ChecksInForce(allowed_categories=frozenset(), rule_versions=[])


def checks_in_force(*, legal_request: LegalRequest, required: bool = True) -> ChecksInForce:
    """What the latest check run allows; without one, a disclosure cannot be proposed (409)."""
    run = latest_check_run(legal_request=legal_request)
    if run is None:
        if required:
            raise Conflict(ERR_NO_CHECKS)
        return NO_CHECKS
    return ChecksInForce(
        allowed_categories=frozenset(run.allowed_categories),
        rule_versions=_plain(run.versions),
        out_of_band_verification=run.out_of_band_verification,
    )


def _plain(value: Any) -> Any:
    """Rule version descriptions as audit-safe JSON (no floats, string keys)."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


# Proposal


@dataclass(frozen=True)
class TargetScope:
    target: Target
    categories: tuple[str, ...]
    date_from: dt.date
    date_to: dt.date


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise InvalidInput(ERR_TEXT_TOO_LONG.format(max=MAX_TEXT), field=field)
    return value


def _check_categories(categories, *, asked: set[str], allowed: frozenset[str], label: str = "") -> tuple[str, ...]:
    if not categories:
        raise InvalidInput(ERR_CATEGORIES_EMPTY, field="categories")
    result: list[str] = []
    for category in categories:
        if category not in Category.values:
            raise InvalidInput(ERR_CATEGORY_UNKNOWN.format(category=str(category)[:40]) + label, field="categories")
        if category not in asked:
            raise InvalidInput(ERR_CATEGORY_NOT_ASKED.format(category=category) + label, field="categories")
        if category not in allowed:
            raise InvalidInput(ERR_CATEGORY_NOT_ALLOWED.format(category=category) + label, field="categories")
        if category not in result:
            result.append(category)
    return tuple(result)


def _check_dates(
    date_from: dt.date | None, date_to: dt.date | None, *, legal_request: LegalRequest, label: str = ""
) -> tuple[dt.date, dt.date]:
    date_from = date_from or legal_request.date_from
    date_to = date_to or legal_request.date_to
    if date_from is None:
        raise InvalidInput(ERR_DATE_MISSING, field="date_from")
    if date_to is None:
        raise InvalidInput(ERR_DATE_MISSING, field="date_to")
    if legal_request.date_from and date_from < legal_request.date_from:
        raise InvalidInput(ERR_DATE_BEFORE.format(date=legal_request.date_from) + label, field="date_from")
    if legal_request.date_to and date_to > legal_request.date_to:
        raise InvalidInput(ERR_DATE_AFTER.format(date=legal_request.date_to) + label, field="date_to")
    if date_from > date_to:
        raise InvalidInput(ERR_DATE_ORDER + label, field="date_from")
    return date_from, date_to


def _disclosure_scopes(
    *,
    legal_request: LegalRequest,
    targets: Sequence[int | Mapping[str, Any]] | None,
    categories: Sequence[str] | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    allowed: frozenset[str],
) -> list[TargetScope]:
    """Per target, what would be disclosed: never wider than asked, nor than the checks allow."""
    asked = set(legal_request.categories)
    request_targets = {target.pk: target for target in legal_request.targets.all()}
    default_categories = _check_categories(categories, asked=asked, allowed=allowed)
    default_from, default_to = _check_dates(date_from, date_to, legal_request=legal_request)

    items = list(request_targets) if targets is None else list(targets)
    if not items:
        raise InvalidInput(ERR_TARGETS_EMPTY, field="targets")
    scopes: list[TargetScope] = []
    seen: set[int] = set()
    for item in items:
        overrides: Mapping[str, Any] = item if isinstance(item, Mapping) else {}
        target_id = overrides.get("id") if isinstance(item, Mapping) else item
        if isinstance(target_id, bool) or not isinstance(target_id, int):
            raise InvalidInput(ERR_TARGET_FORMAT, field="targets")
        target = request_targets.get(target_id)
        if target is None:
            raise InvalidInput(ERR_TARGET_FOREIGN.format(id=target_id), field="targets")
        if target_id in seen:
            raise InvalidInput(ERR_TARGET_DUPLICATE.format(id=target_id), field="targets")
        seen.add(target_id)
        # Numbered as the letter numbers targets (1, 2, ... as the request names them), never by id.
        label = f" (target {list(request_targets).index(target_id) + 1})"
        scope_categories = (
            _check_categories(overrides["categories"], asked=asked, allowed=allowed, label=label)
            if overrides.get("categories") is not None
            else default_categories
        )
        scope_from, scope_to = _check_dates(
            overrides.get("date_from") or default_from,
            overrides.get("date_to") or default_to,
            legal_request=legal_request,
            label=label,
        )
        scopes.append(TargetScope(target=target, categories=scope_categories, date_from=scope_from, date_to=scope_to))
    return scopes


@transaction.atomic
def proposal_create(
    *,
    legal_request: LegalRequest,
    actor,
    decision: str,
    targets: Sequence[int | Mapping[str, Any]] | None = None,
    categories: Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    reason: str = "",
    reasons: Sequence[str] | None = None,
    annex_iii_grounds: Sequence[str] | None = None,
    annex_iii_explanation: str = "",
) -> Proposal:
    """Record an analyst's proposed decision, checked against what was asked and what the checks
    allow. The caller moves the request on: ``disclose`` and ``reject`` wait for a reviewer;
    ``need_info`` asks the officer at once (it discloses nothing).

    An answer to a European order (EPOC, EPOC-PR) of an EU jurisdiction that does not comply fully
    or in time (a rejection, a narrowing, no records, past the deadline) needs the grounds of
    Annex III of Regulation (EU) 2023/1543 (``disclosure.annex_iii``); any other answer takes none.

    An emergency can be proposed for disclosure only once a call-back to the agency's registry
    number is recorded as ``confirmed`` (``callback_record``); nothing proceeds while the agency is
    suspended.
    """
    require_legal_staff_on(legal_request, actor)
    if not has_role(actor, Role.ANALYST):
        raise NotPermitted(ERR_NOT_ANALYST)
    # Lock first, check second: two analysts proposing at once see each other's result.
    locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
    if locked.state != State.IN_REVIEW:
        raise TransitionNotAllowed(ERR_STATE_PROPOSAL.format(state=locked.state))
    legal_request_require_not_frozen(locked)
    if decision not in Decision.values:
        raise InvalidInput(ERR_DECISION, field="decision")
    reason = _text(reason, "reason")
    letter_reasons = [_text(item, "reasons") for item in (reasons or []) if (item or "").strip()]

    checks = checks_in_force(legal_request=locked, required=decision == Decision.DISCLOSE)
    scopes: list[TargetScope] = []
    confirmed_callback: int | None = None
    if decision == Decision.DISCLOSE:
        if locked.enforcing_decision == EnforcingDecision.GROUNDS_RAISED:
            raise Conflict(ERR_GROUNDS_RAISED)
        confirmed_callback = _require_confirmed_callback(locked, checks)
        scopes = _disclosure_scopes(
            legal_request=locked,
            targets=targets,
            categories=categories,
            date_from=date_from,
            date_to=date_to,
            allowed=checks.allowed_categories,
        )
    elif decision == Decision.REJECT:
        if not letter_reasons:
            raise InvalidInput(ERR_REASONS_REQUIRED, field="reasons")
    elif not reason:
        raise InvalidInput(ERR_QUESTION_REQUIRED, field="reason")
    annex_grounds, annex_explanation = _annex_iii_terms(
        legal_request=locked,
        decision=decision,
        grounds=annex_iii_grounds or [],
        explanation=_text(annex_iii_explanation, "annex_iii_explanation"),
        falls_short=lambda: _falls_short(locked, decision, scopes, checks, letter_reasons),
    )

    proposal = Proposal.objects.create(
        legal_request=locked,
        decision=decision,
        status=ProposalStatus.CLOSED if decision == Decision.NEED_INFO else ProposalStatus.OPEN,
        categories=sorted({c for scope in scopes for c in scope.categories}),
        date_from=min((scope.date_from for scope in scopes), default=None),
        date_to=max((scope.date_to for scope in scopes), default=None),
        reason=reason,
        reasons=letter_reasons if decision != Decision.NEED_INFO else [],
        annex_iii_grounds=list(annex_grounds),
        annex_iii_explanation=annex_explanation,
        allowed_categories=sorted(checks.allowed_categories),
        rule_versions=checks.rule_versions,
        proposed_by=actor,
    )
    ProposalTarget.objects.bulk_create(
        ProposalTarget(
            proposal=proposal,
            target=scope.target,
            categories=list(scope.categories),
            date_from=scope.date_from,
            date_to=scope.date_to,
        )
        for scope in scopes
    )
    audit_record(
        action=AuditAction.PROPOSAL_MADE,
        actor=actor,
        obj=proposal,
        request_ref=locked.ref,
        details={
            "proposal_id": proposal.pk,
            "decision": decision,
            "targets": [scope.target.pk for scope in scopes],
            "categories": proposal.categories,
            "date_from": proposal.date_from.isoformat() if proposal.date_from else None,
            "date_to": proposal.date_to.isoformat() if proposal.date_to else None,
            "out_of_band_verification_required": callback_required(locked, checks),
            "confirmed_callback": confirmed_callback if decision == Decision.DISCLOSE else None,
            "rule_versions": checks.rule_versions,
            "annex_iii_grounds": list(annex_grounds),
        },
    )
    return proposal


def _annex_iii_terms(
    *, legal_request: LegalRequest, decision: str, grounds: Sequence[str], explanation: str, falls_short
) -> tuple[tuple[str, ...], str]:
    """The Annex III grounds and explanation a proposal carries: required when the answer to a
    European order falls short, refused (400) anywhere else."""
    certificate = certificate_of(legal_request) if decision != Decision.NEED_INFO else ""
    if not certificate:
        if grounds or explanation:
            raise InvalidInput(ERR_GROUNDS_NOT_APPLICABLE, field="annex_iii_grounds")
        return (), ""
    checked = annex_iii_validate(legal_request=legal_request, grounds=grounds, explanation=explanation)
    short = falls_short()
    if short and not checked:
        raise InvalidInput(ERR_GROUNDS_REQUIRED.format(certificate=certificate), field="annex_iii_grounds")
    if not short and (checked or explanation):
        raise InvalidInput(ERR_GROUNDS_NOT_APPLICABLE, field="annex_iii_grounds")
    return checked, explanation


def _falls_short(
    legal_request: LegalRequest, decision: str, scopes: Sequence[TargetScope], checks: ChecksInForce, reasons
) -> bool:
    """Whether the answer, as proposed, would not comply fully or in time: a rejection, anything asked
    and not given, no account found, or the deadline already past."""
    if decision == Decision.REJECT or legal_request.is_overdue:
        return True
    stub = Proposal(legal_request=legal_request, allowed_categories=sorted(checks.allowed_categories), reasons=reasons)
    stub_scopes = [
        ProposalTarget(target=s.target, categories=list(s.categories), date_from=s.date_from, date_to=s.date_to)
        for s in scopes
    ]
    if refused_items(proposal=stub, scopes=stub_scopes):
        return True
    provider = get_provider()
    return all(account_for(scope.target, provider) is None for scope in scopes)


# Call-backs: the out-of-band verification of an emergency


def callback_required(legal_request: LegalRequest, checks: ChecksInForce) -> bool:
    """An emergency disclosure always needs one; so does any request the rules flag for it."""
    return legal_request.is_emergency or checks.out_of_band_verification


def _require_confirmed_callback(legal_request: LegalRequest, checks: ChecksInForce, approver=None) -> int | None:
    """The id of the confirmed call-back the decision relies on, or ``Conflict`` naming what is missing.

    Only a call-back made since the request's last (re)submission counts: one made before verified
    another text. An ``approver`` may not rely on a call-back they recorded themselves (four eyes).
    """
    if not callback_required(legal_request, checks):
        return None
    confirmed = CallBack.objects.filter(legal_request=legal_request, outcome=CallBackOutcome.CONFIRMED)
    if legal_request.submitted_at is not None:
        confirmed = confirmed.filter(called_at__gte=legal_request.submitted_at)
    callbacks = list(confirmed.order_by("-called_at", "-id").values_list("pk", "called_by_id"))
    if not callbacks:
        raise Conflict(ERR_VERIFICATION_REQUIRED)
    if approver is not None:
        others = [pk for pk, called_by in callbacks if called_by != approver.pk]
        if not others:
            raise Conflict(ERR_APPROVER_CALLED_BACK.format(id=callbacks[0][0]))
        return others[0]
    return callbacks[0][0]


def _callback_check(*, legal_request: LegalRequest, actor, outcome: str) -> None:
    """Refuse (409) a call-back on a request that is not there to be verified, or a confirmation by
    the person who could not confirm it before."""
    if legal_request.state not in OPEN_STATES:
        raise Conflict(ERR_CALLBACK_STATE.format(state=legal_request.state))
    legal_request_require_not_frozen(legal_request)
    if not callback_required(legal_request, checks_in_force(legal_request=legal_request, required=False)):
        raise Conflict(ERR_CALLBACK_NOT_NEEDED)
    if outcome == CallBackOutcome.CONFIRMED:
        denied = (
            CallBack.objects.filter(legal_request=legal_request, outcome=CallBackOutcome.NOT_CONFIRMED, called_by=actor)
            .values_list("pk", flat=True)
            .last()
        )
        if denied is not None:
            raise Conflict(ERR_CALLBACK_AFTER_NOT_CONFIRMED.format(id=denied))


@transaction.atomic
def callback_record(*, legal_request: LegalRequest, actor, spoke_to: str, outcome: str, note: str = "") -> CallBack:
    """Record a call to the agency's number in the registry, as made now by ``actor``.

    The number is the registry's (``Agency.callback_phone``) read at this moment, never one the
    caller or the request gives: a forged request names the forger's own telephone. Whom the caller
    spoke to and the note are sealed; the trail keeps the outcome and the number's keyed hash.
    """
    require_legal_staff_on(legal_request, actor)
    if not (has_role(actor, Role.ANALYST) or has_role(actor, Role.REVIEWER)):
        raise NotPermitted(ERR_CALLBACK_ROLE)
    if outcome not in CallBackOutcome.values:
        raise InvalidInput(ERR_CALLBACK_OUTCOME, field="outcome")
    spoke_to = (spoke_to or "").strip()
    if not spoke_to and outcome != CallBackOutcome.NO_ANSWER:
        raise InvalidInput(ERR_CALLBACK_SPOKE_TO, field="spoke_to")
    if len(spoke_to) > MAX_SPOKE_TO:
        raise InvalidInput(ERR_TEXT_TOO_LONG.format(max=MAX_SPOKE_TO), field="spoke_to")
    note = _text(note, "note")
    locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
    _callback_check(legal_request=locked, actor=actor, outcome=outcome)
    agency = Agency.objects.get(pk=locked.agency_id)
    if not agency.callback_phone:
        raise Conflict(ERR_CALLBACK_NO_NUMBER.format(agency=agency.name))
    callback = CallBack.objects.create(
        legal_request=locked, number_called=agency.callback_phone, called_by=actor, outcome=outcome
    )
    callback.spoke_to_sealed = seal(spoke_to.encode(), context=callback.seal_context("spoke_to")) if spoke_to else b""
    callback.note_sealed = seal(note.encode(), context=callback.seal_context("note")) if note else b""
    callback.save(update_fields=["spoke_to_sealed", "note_sealed"])
    audit_record(
        action=AuditAction.CALLBACK_RECORDED,
        actor=actor,
        obj=callback,
        request_ref=locked.ref,
        details={
            "callback_id": callback.pk,
            "outcome": outcome,
            "number_called": audit_hash_identifier(callback.number_called),
            "agency": agency.pk,
            "note_given": bool(note),
        },
    )
    if outcome == CallBackOutcome.NOT_CONFIRMED:
        audit_record(
            action=AuditAction.REQUEST_FLAGGED,
            actor=actor,
            obj=locked,
            request_ref=locked.ref,
            details={"flag": "callback_not_confirmed", "callback_id": callback.pk},
        )
    return callback


# Approval


@transaction.atomic
def proposal_decide(*, legal_request: LegalRequest, actor, approve: bool, comment: str = "") -> Approval:
    """Record a reviewer's approval of the open proposal, or its sending back with a comment.

    Four eyes: the reviewer is never the proposer, nor the requesting officer (also a database
    constraint). The request row is locked first, then the proposal, so two reviewers approving at
    once give one approval and one 409. The caller freezes the answer and moves the request on.
    """
    require_legal_staff_on(legal_request, actor)
    if not has_role(actor, Role.REVIEWER):
        raise NotPermitted(ERR_NOT_REVIEWER)
    comment = _text(comment, "comment")
    locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
    proposal = (
        Proposal.objects.select_for_update()
        .filter(legal_request=locked, status=ProposalStatus.OPEN)
        .select_related("proposed_by")
        .first()
    )
    if proposal is None or locked.state != State.PENDING_APPROVAL:
        raise TransitionNotAllowed(ERR_STATE_APPROVAL.format(state=locked.state))
    proposal.legal_request = locked
    if proposal.proposed_by_id == actor.pk:
        raise Conflict(ERR_OWN_PROPOSAL)
    if not approve and not comment:
        raise InvalidInput(ERR_COMMENT_REQUIRED, field="comment")
    confirmed_callback = None
    if approve:
        legal_request_require_not_frozen(locked)
        if proposal.decision == Decision.DISCLOSE:
            # The enforcing authority's window (Regulation (EU) 2023/1543 Art. 10(2)) holds the data back.
            disclosure_hold_check(locked)
            checks = checks_in_force(legal_request=locked, required=False)
            confirmed_callback = _require_confirmed_callback(locked, checks, approver=actor)

    approval = Approval.objects.create(
        proposal=proposal,
        approved_by=actor,
        proposer=proposal.proposed_by,
        request_creator_id=locked.created_by_id,
        approve=approve,
        comment=comment,
    )
    proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.SENT_BACK
    proposal.save(update_fields=["status"])
    details = {"proposal_id": proposal.pk, "decision": proposal.decision, "rule_versions": proposal.rule_versions}
    if confirmed_callback is not None:
        details["confirmed_callback"] = confirmed_callback
    audit_record(
        action=AuditAction.PROPOSAL_APPROVED if approve else AuditAction.PROPOSAL_SENT_BACK,
        actor=actor,
        obj=approval,
        request_ref=locked.ref,
        details=details,
    )
    return approval


# Snapshot


def _target_label(target: Target) -> str:
    """A target as the requester named it: never our database id."""
    return f"{label_of(TargetType, target.type, language='en').lower()} {target.display_value}"


def refused_items(*, proposal: Proposal, scopes: Sequence[ProposalTarget]) -> list[dict[str, str]]:
    """What the request asked for and the approved answer does not give, each with why: the rules
    (their messages are frozen with the snapshot) or the legal review (its ``reasons``)."""
    legal_request = proposal.legal_request
    allowed = set(proposal.allowed_categories)
    narrowed = REASON_NARROWED_SEE_REASONS if proposal.reasons else REASON_NARROWED
    per_scope: list[dict[str, str]] = []
    for scope in scopes:
        items: dict[str, str] = {}
        for category in legal_request.categories:
            if category not in scope.categories:
                items[label_of(Category, category, language="en")] = (
                    REASON_NOT_ALLOWED if category not in allowed else narrowed
                )
        if legal_request.date_from and scope.date_from > legal_request.date_from:
            items[f"Records before {scope.date_from.isoformat()}"] = narrowed
        if legal_request.date_to and scope.date_to < legal_request.date_to:
            items[f"Records after {scope.date_to.isoformat()}"] = narrowed
        per_scope.append(items)

    refused: list[dict[str, str]] = []
    common = set.intersection(*(set(items) for items in per_scope)) if per_scope else set()
    for what in sorted(common):
        refused.append({"what": what, "reason": per_scope[0][what]})
    for scope, items in zip(scopes, per_scope, strict=True):
        for what, reason in items.items():
            if what not in common:
                refused.append({"what": f"{what} for the {_target_label(scope.target)}", "reason": reason})
    proposed_ids = {scope.target_id for scope in scopes}
    not_proposed = REASON_NOT_PROPOSED_SEE_REASONS if proposal.reasons else REASON_NOT_PROPOSED
    for target in legal_request.targets.all():
        if target.pk not in proposed_ids:
            refused.append({"what": f"The {_target_label(target)}", "reason": not_proposed})
    return refused


def answers_by_preserving(legal_request: LegalRequest) -> bool:
    """A preservation order (EU EPOC-PR, Regulation (EU) 2023/1543 Art. 11; US 18 U.S.C. 2703(f)) is
    answered by keeping the data, never by handing it over: that takes a production order. Its
    "disclose" decision preserves the accounts found (the holds) and the letter confirms it, without
    records."""
    return legal_request.process_type == ProcessType.PRESERVATION_ORDER


def account_for(target: Target, provider) -> str | None:
    if target.resolution == Resolution.FOUND and target.account_id:
        return target.account_id
    if target.resolution == Resolution.NOT_FOUND:
        return None
    # Not resolved yet (validation did not run the resolver): ask the provider now.
    return provider.lookup(target.type, target.value)


def _seal_target(entry: SnapshotTarget, *, account_id: str, provider) -> None:
    records = provider.records(account_id, entry.categories, entry.date_from, entry.date_to)
    categories = set(entry.categories)
    entry.account = seal(account_id.encode(), context=entry.seal_context("account"))
    if Category.PHONE_NUMBER in categories:
        entry.phone_numbers = seal(
            codec.encode_phone_numbers(records.phone_numbers), context=entry.seal_context("phone_numbers")
        )
    if Category.IP_ADDRESSES in categories:
        entry.ip_events = seal(codec.encode_ip_events(records.ip_events), context=entry.seal_context("ip_events"))
        entry.ip_event_count = len(records.ip_events)
    if Category.SUBSCRIBER_PROFILE in categories and records.profile is not None:
        entry.profile = seal(codec.encode_profile(records.profile), context=entry.seal_context("profile"))
    entry.save(update_fields=["account", "phone_numbers", "ip_events", "profile", "ip_event_count"])


def snapshot_freeze(*, proposal: Proposal, approval: Approval, actor) -> DisclosureSnapshot:
    """Freeze the approved answer: for each approved target, exactly the approved categories
    within the approved days, read once from the provider and sealed per target and field.

    Called inside the approval's transaction; a rejection freezes its reasons and the failing rules
    an officer may read.
    """
    legal_request = proposal.legal_request
    snapshot = DisclosureSnapshot.objects.create(
        legal_request=legal_request,
        proposal=proposal,
        approval=approval,
        decision=proposal.decision,
        reasons=list(proposal.reasons),
        rule_versions=proposal.rule_versions,
    )
    accounts = events = 0
    # What the rules said at decision time is what the letter quotes, whatever later checks say.
    rule_findings = [
        {"rule": result.rule, "message": result.message, "citation": result.citation}
        for result in officer_failures(latest_check_run(legal_request))
    ]
    if proposal.decision == Decision.REJECT:
        snapshot.outcome = Outcome.REJECTED
        snapshot.failing_rules = rule_findings
    else:
        provider = get_provider()
        preserving = answers_by_preserving(legal_request)
        scopes = list(proposal.targets.select_related("target").order_by("target_id"))
        for scope in scopes:
            account_id = account_for(scope.target, provider)
            entry = SnapshotTarget.objects.create(
                snapshot=snapshot,
                target=scope.target,
                found=account_id is not None,
                categories=scope.categories,
                date_from=scope.date_from,
                date_to=scope.date_to,
            )
            if account_id is None:
                continue
            accounts += 1
            # A preservation order keeps the data where it is (the holds): no record is read nor sealed.
            if not preserving:
                _seal_target(entry, account_id=account_id, provider=provider)
                events += entry.ip_event_count
        snapshot.refused = refused_items(proposal=proposal, scopes=scopes)
        if any(item["reason"] == REASON_NOT_ALLOWED for item in snapshot.refused):
            snapshot.failing_rules = rule_findings
        if accounts == 0:
            snapshot.outcome = Outcome.NO_RECORDS
        elif preserving:
            snapshot.outcome = Outcome.PRESERVED
            accounts = 0  # found and preserved, not affected by a disclosure
        elif snapshot.refused:
            snapshot.outcome = Outcome.PARTIALLY_DISCLOSED
        else:
            snapshot.outcome = Outcome.DISCLOSED
    _freeze_annex_iii(snapshot, proposal=proposal)
    snapshot.save(
        update_fields=[
            "outcome",
            "refused",
            "failing_rules",
            "annex_iii",
            "annex_iii_grounds",
            "annex_iii_explanation",
            "annex_iii_late",
        ]
    )
    audit_record(
        action=AuditAction.SNAPSHOT_FROZEN,
        actor=actor,
        obj=snapshot,
        request_ref=legal_request.ref,
        details={
            "snapshot_id": snapshot.pk,
            "decision": snapshot.decision,
            "outcome": snapshot.outcome,
            "accounts_affected": accounts,
            "ip_events": events,
            "categories": proposal.categories,
            "refused": len(snapshot.refused),
            "key_id": key_ring().current_key_id,
            "rule_versions": proposal.rule_versions,
            "annex_iii": snapshot.annex_iii,
            "annex_iii_grounds": snapshot.annex_iii_grounds,
            "annex_iii_late": snapshot.annex_iii_late,
        },
    )
    return snapshot


def _freeze_annex_iii(snapshot: DisclosureSnapshot, *, proposal: Proposal) -> None:
    """An answer to a European order that falls short as approved (the records found, the clock now)
    takes the form of Annex III, with the proposal's grounds. Grounds missing because the answer
    turned out short only now (no account found, the deadline passed meanwhile) refuse the approval
    (409): the reviewer sends it back for them."""
    legal_request = proposal.legal_request
    certificate = certificate_of(legal_request)
    if not certificate:
        return
    due_at = legal_request.due_at
    snapshot.annex_iii_late = bool(due_at and legal_request.clock_paused_at is None and snapshot.frozen_at > due_at)
    complied = snapshot.outcome == Outcome.DISCLOSED or (snapshot.outcome == Outcome.PRESERVED and not snapshot.refused)
    snapshot.annex_iii = not complied or snapshot.annex_iii_late
    if not snapshot.annex_iii:
        return
    if not proposal.annex_iii_grounds:
        raise Conflict(ERR_ANNEX_III_MISSING_AT_APPROVAL.format(certificate=certificate))
    snapshot.annex_iii_grounds = list(proposal.annex_iii_grounds)
    snapshot.annex_iii_explanation = proposal.annex_iii_explanation


# Withdrawal


@transaction.atomic
def proposals_withdraw(*, legal_request: LegalRequest) -> list[int]:
    """A withdrawn request's open proposal waits for nobody any more: it is closed as withdrawn.
    Returns the ids closed; the caller records them in the withdrawal's audit entry."""
    open_proposals = Proposal.objects.select_for_update().filter(
        legal_request=legal_request, status=ProposalStatus.OPEN
    )
    closed = list(open_proposals.values_list("pk", flat=True))
    Proposal.objects.filter(pk__in=closed).update(status=ProposalStatus.WITHDRAWN)
    return closed


@transaction.atomic
def snapshot_shred(*, legal_request: LegalRequest, actor, reason: str) -> DisclosureSnapshot | None:
    """Destroy the disclosed data of an approved answer that will never be sent (the request was
    withdrawn): every sealed field of the snapshot's entries is overwritten with nothing, and the
    snapshot marked shredded. What remains is what the trail already says (counts, categories).

    Copies taken before (backups, PostgreSQL's dead row versions until VACUUM) still hold the
    envelopes; they become unreadable once the data key is rotated and retired (docs/architecture.md,
    "Crypto-shredding").
    """
    snapshot = DisclosureSnapshot.objects.select_for_update().filter(legal_request=legal_request).first()
    if snapshot is None or snapshot.shredded_at is not None:
        return snapshot
    entries = SnapshotTarget.objects.filter(snapshot=snapshot)
    sealed_values = sum(
        1 for entry in entries.values_list(*SnapshotTarget.SEALED_FIELDS) for envelope in entry if envelope
    )
    entries.update(**dict.fromkeys(SnapshotTarget.SEALED_FIELDS, b""))
    snapshot.shredded_at = timezone.now()
    snapshot.save(update_fields=["shredded_at"])
    audit_record(
        action=AuditAction.SNAPSHOT_SHREDDED,
        actor=actor,
        obj=snapshot,
        request_ref=legal_request.ref,
        details={"snapshot_id": snapshot.pk, "reason": reason, "sealed_values_destroyed": sealed_values},
    )
    return snapshot
