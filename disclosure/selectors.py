"""Reads of decisions and of the disclosed data. Every read of disclosed data is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext

from audit.actions import AuditAction
from audit.services import audit_record
from disclosure import codec
from disclosure.annex_iii import certificate_of, grounds_of
from disclosure.models import (
    CALLBACK_OUTCOME_WORDS,
    CallBack,
    CallBackOutcome,
    CannedText,
    CannedTextKind,
    Decision,
    DisclosureSnapshot,
    Proposal,
    ProposalStatus,
    SnapshotTarget,
)
from disclosure.records import AnnexIIIAnswer, ApprovedDecision, DisclosedTarget, RefusedItem, RuleFinding
from disclosure.services import account_for, refused_items
from lawreq.errors import InvalidInput, NotFound
from lawreq.roles import Role
from requests_app.models import LegalRequest, Target
from requests_app.selectors import require_legal_staff_on
from requests_app.states import State
from subscribers.providers import get_provider, record_counts
from vault.crypto import unseal

ERR_NO_PROPOSAL = "This request has no proposal."
ERR_NO_SNAPSHOT = "This request has no approved decision."
ERR_SNAPSHOT_SHREDDED = "The disclosed data of this request was destroyed when it was withdrawn."
ERR_NOT_FOUND = "No such request."
ERR_PURPOSE = "Say why the disclosed data is read (1 to 200 characters)."


def _require_reader(legal_request: LegalRequest, actor) -> None:
    """The legal team only, and the system itself (``actor=None``, rendering letters).

    Officers, auditors and everyone else get 404: disclosed data does not exist for them here.
    """
    if actor is not None:
        require_legal_staff_on(legal_request, actor)


def proposal_current(*, legal_request: LegalRequest, actor) -> Proposal:
    """The latest proposal on the request, with its scopes and approval if any."""
    _require_reader(legal_request, actor)
    proposal = (
        Proposal.objects.filter(legal_request=legal_request)
        .select_related("proposed_by", "approval__approved_by")
        .prefetch_related("targets__target")
        .first()
    )
    if proposal is None:
        raise NotFound(ERR_NO_PROPOSAL)
    return proposal


def _display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _open_entry(entry: SnapshotTarget, *, actor, request_ref: str) -> DisclosedTarget:
    def opened(field: str) -> bytes | None:
        envelope = getattr(entry, field)  # unsealed without a copy (a million IP events are 60 MB)
        if envelope is None or not len(envelope):
            return None
        return unseal(envelope, context=entry.seal_context(field), actor=actor, request_ref=request_ref)

    account = opened("account")
    phone_numbers = opened("phone_numbers")
    ip_events = opened("ip_events")
    profile = opened("profile")
    target = entry.target
    return DisclosedTarget(
        target_id=target.pk,
        target_type=target.type,
        target_value=target.value,
        found=entry.found,
        account_id=account.decode() if account is not None else "",
        categories=tuple(entry.categories),
        date_from=entry.date_from,
        date_to=entry.date_to,
        phone_numbers=codec.decode_phone_numbers(phone_numbers) if phone_numbers is not None else (),
        ip_events=codec.LazyIpEvents(ip_events) if ip_events is not None else (),
        profile=codec.decode_profile(profile) if profile is not None else None,
    )


def approved_decision(*, legal_request: LegalRequest, actor, purpose: str) -> ApprovedDecision:
    """The frozen decision with its disclosed records, decrypted; the read is audited (who, why).

    ``actor=None`` is the system (the letter task). A tampered envelope raises
    ``DecryptionRefused``, which ``unseal`` has already written to the audit trail.
    """
    _require_reader(legal_request, actor)
    purpose = (purpose or "").strip()
    if not purpose or len(purpose) > 200:
        raise InvalidInput(ERR_PURPOSE, field="purpose")
    snapshot = (
        DisclosureSnapshot.objects.filter(legal_request=legal_request)
        .select_related("proposal__proposed_by", "approval__approved_by")
        .first()
    )
    if snapshot is None:
        raise NotFound(ERR_NO_SNAPSHOT)
    if snapshot.shredded_at is not None:
        raise NotFound(ERR_SNAPSHOT_SHREDDED)
    targets = tuple(
        _open_entry(entry, actor=actor, request_ref=legal_request.ref)
        for entry in snapshot.targets.select_related("target").order_by("target_id")
    )
    proposer, approver = snapshot.proposal.proposed_by, snapshot.approval.approved_by
    audit_record(
        action=AuditAction.SNAPSHOT_READ,
        actor=actor,
        obj=snapshot,
        request_ref=legal_request.ref,
        details={
            "snapshot_id": snapshot.pk,
            "purpose": purpose,
            "outcome": snapshot.outcome,
            "targets": len(targets),
            "ip_events": sum(len(target.ip_events) for target in targets),
        },
    )
    return ApprovedDecision(
        decision=snapshot.decision,
        outcome=snapshot.outcome,
        # The roles they acted in (the services required them), whatever else they hold.
        proposed_by_role=Role.ANALYST.value,
        approved_by_role=Role.REVIEWER.value,
        proposed_by_name=_display_name(proposer),
        approved_by_name=_display_name(approver),
        approved_at=snapshot.approval.created_at,
        reasons=tuple(snapshot.reasons),
        refused=tuple(RefusedItem(what=item["what"], reason=item["reason"]) for item in snapshot.refused),
        failing_rules=tuple(RuleFinding(**finding) for finding in snapshot.failing_rules),
        targets=targets,
        annex_iii=annex_iii_answer_of(snapshot),
    )


# Decided: the answer, Annex III included, is the officer's to read (before that, the review is internal).
ANSWERED_STATES = frozenset({State.APPROVED, State.RESPONDED, State.REJECTED})


def annex_iii_public(legal_request: LegalRequest) -> dict | None:
    """What an officer may read of the Annex III answer, once decided: the certificate, the ticked
    boxes by their place in the form, label (in the active language) and article, the explanation
    written for the issuing authority, and whether the answer came late. Never the codes, the
    justification nor who decided."""
    if legal_request.state not in ANSWERED_STATES:
        return None
    snapshot = DisclosureSnapshot.objects.filter(legal_request=legal_request).first()
    answer = annex_iii_answer_of(snapshot)
    if answer is None:
        return None
    return {
        "certificate": certificate_of(legal_request),
        "grounds": [
            {"box": ground.box, "label": gettext(ground.label), "citation": ground.citation}
            for ground in grounds_of(answer.grounds)
        ],
        "explanation": answer.explanation,
        "late": answer.late,
    }


def annex_iii_answer_of(snapshot: DisclosureSnapshot | None) -> AnnexIIIAnswer | None:
    if snapshot is None or not snapshot.annex_iii:
        return None
    return AnnexIIIAnswer(
        grounds=tuple(snapshot.annex_iii_grounds),
        explanation=snapshot.annex_iii_explanation,
        late=snapshot.annex_iii_late,
    )


def snapshot_exists(*, legal_request: LegalRequest) -> bool:
    return DisclosureSnapshot.objects.filter(legal_request=legal_request).exists()


# The legal team's queue: what waits for whom, and what came back


def legal_requests_awaiting_approval_by(queryset: QuerySet[LegalRequest], *, user) -> QuerySet[LegalRequest]:
    """Requests whose open proposal this user may decide on: made by someone else (four eyes),
    on a request they did not file."""
    others = Proposal.objects.filter(legal_request=OuterRef("pk"), status=ProposalStatus.OPEN).exclude(proposed_by=user)
    return queryset.filter(state=State.PENDING_APPROVAL).filter(Exists(others)).exclude(created_by=user)


def legal_requests_with_review_marks(queryset: QuerySet[LegalRequest]) -> QuerySet[LegalRequest]:
    """Each request annotated with ``was_sent_back``: a reviewer sent a proposal back (shown while the
    request is back in review)."""
    sent_back = Proposal.objects.filter(legal_request=OuterRef("pk"), status=ProposalStatus.SENT_BACK)
    return queryset.annotate(was_sent_back=Exists(sent_back))


# What an approval would do: the reviewer's screen before confirming


ERR_NOTHING_TO_APPROVE = "There is no proposal waiting for approval on this request."


@dataclass(frozen=True)
class TargetPreview:
    number: int  # by position, as the letter numbers targets (1, 2, ...): database ids are internal
    target: Target
    included: bool
    categories: tuple[str, ...]  # proposed for this target
    date_from: dt.date | None
    date_to: dt.date | None
    found: bool = False
    account_id: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # per proposed category


@dataclass(frozen=True)
class ProposalPreview:
    proposal: Proposal
    asked_categories: tuple[str, ...]
    proposed_categories: tuple[str, ...]
    asked_date_from: dt.date | None
    asked_date_to: dt.date | None
    proposed_date_from: dt.date | None
    proposed_date_to: dt.date | None
    targets: tuple[TargetPreview, ...]
    refused: tuple[RefusedItem, ...]

    @property
    def removed_categories(self) -> tuple[str, ...]:
        return tuple(c for c in self.asked_categories if c not in self.proposed_categories)

    @property
    def accounts_found(self) -> int:
        return len({t.account_id for t in self.targets if t.found})

    @property
    def totals(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for target in self.targets:
            for category, count in target.counts.items():
                totals[category] = totals.get(category, 0) + count
        return totals


def proposal_open_for_approval(*, legal_request: LegalRequest, actor) -> Proposal:
    proposal = proposal_current(legal_request=legal_request, actor=actor)
    if proposal.status != ProposalStatus.OPEN or legal_request.state != State.PENDING_APPROVAL:
        raise NotFound(ERR_NOTHING_TO_APPROVE)
    return proposal


def proposal_preview(*, legal_request: LegalRequest, actor, provider=None) -> ProposalPreview:
    """The open proposal against the request (categories, days, targets) and how many records of
    each approved category each target would give: counted, not read or decrypted. Counting looks
    at personal data, so it is audited, with totals only."""
    proposal = proposal_open_for_approval(legal_request=legal_request, actor=actor)
    scopes = {scope.target_id: scope for scope in proposal.targets.all()}
    disclose = proposal.decision == Decision.DISCLOSE
    provider = provider or (get_provider() if disclose else None)
    targets: list[TargetPreview] = []
    for target in legal_request.targets.all():
        number = target.position
        scope = scopes.get(target.pk)
        if scope is None:
            targets.append(
                TargetPreview(number=number, target=target, included=False, categories=(), date_from=None, date_to=None)
            )
            continue
        account_id = account_for(target, provider)
        counts = (
            record_counts(provider, account_id, scope.categories, scope.date_from, scope.date_to) if account_id else {}
        )
        targets.append(
            TargetPreview(
                number=number,
                target=target,
                included=True,
                categories=tuple(scope.categories),
                date_from=scope.date_from,
                date_to=scope.date_to,
                found=account_id is not None,
                account_id=account_id or "",
                counts=counts,
            )
        )
    proposal.legal_request = legal_request
    refused = refused_items(proposal=proposal, scopes=list(scopes.values())) if disclose else []
    preview = ProposalPreview(
        proposal=proposal,
        asked_categories=tuple(legal_request.categories),
        proposed_categories=tuple(proposal.categories),
        asked_date_from=legal_request.date_from,
        asked_date_to=legal_request.date_to,
        proposed_date_from=proposal.date_from,
        proposed_date_to=proposal.date_to,
        targets=tuple(targets),
        refused=tuple(RefusedItem(what=item["what"], reason=item["reason"]) for item in refused),
    )
    if disclose:
        audit_record(
            action=AuditAction.APPROVAL_PREVIEWED,
            actor=actor,
            obj=proposal,
            request_ref=legal_request.ref,
            details={
                "proposal_id": proposal.pk,
                "what": "record_counts",
                "accounts": preview.accounts_found,
                "counts": preview.totals,
            },
        )
    return preview


def canned_texts_by_kind() -> dict[str, list[CannedText]]:
    """The active standard texts, grouped by kind, for the proposal forms."""
    grouped: dict[str, list[CannedText]] = {kind: [] for kind in CannedTextKind.values}
    for text in CannedText.objects.filter(active=True).order_by("title"):
        grouped[text.kind].append(text)
    return grouped


def canned_text_get(*, pk, kind: str) -> CannedText | None:
    """An active standard text of this kind, or None for anything else (a forged or stale choice)."""
    if not str(pk or "").isdigit():
        return None
    return CannedText.objects.filter(pk=int(pk), kind=kind, active=True).first()


# Call-backs


@dataclass(frozen=True)
class CallBackRecord:
    id: int
    number_called: str
    called_by: str
    called_at: dt.datetime
    spoke_to: str
    outcome: str
    note: str

    @property
    def outcome_words(self) -> str:
        return CALLBACK_OUTCOME_WORDS.get(self.outcome, self.outcome)


def callbacks_of(*, legal_request: LegalRequest, actor) -> list[CallBackRecord]:
    """The request's call-backs, oldest first, opened for the legal team (anyone else: 404)."""
    _require_reader(legal_request, actor)
    records = []
    for callback in CallBack.objects.filter(legal_request=legal_request).select_related("called_by"):
        opened = {
            field: unseal(
                bytes(getattr(callback, f"{field}_sealed")),
                context=callback.seal_context(field),
                actor=actor,
                request_ref=legal_request.ref,
            ).decode()
            if getattr(callback, f"{field}_sealed")
            else ""
            for field in CallBack.SEALED_FIELDS
        }
        records.append(
            CallBackRecord(
                id=callback.pk,
                number_called=callback.number_called,
                called_by=callback.called_by.get_username(),
                called_at=callback.called_at,
                outcome=callback.outcome,
                **opened,
            )
        )
    return records


def legal_requests_with_flags(queryset: QuerySet[LegalRequest]) -> QuerySet[LegalRequest]:
    """Annotate ``callback_not_confirmed``: the agency, called on its registry number, did not confirm
    the request (a flag on the queue and the page, with the agency's suspension)."""
    return queryset.annotate(
        callback_not_confirmed=Exists(
            CallBack.objects.filter(legal_request=OuterRef("pk"), outcome=CallBackOutcome.NOT_CONFIRMED)
        )
    )


def callback_confirmed(*, legal_request: LegalRequest) -> bool:
    return CallBack.objects.filter(legal_request=legal_request, outcome=CallBackOutcome.CONFIRMED).exists()
