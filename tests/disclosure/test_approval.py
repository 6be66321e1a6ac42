from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import IntegrityError, transaction

from audit.actions import AuditAction
from disclosure.models import Approval, Decision, DisclosureSnapshot, Proposal, ProposalStatus
from disclosure.selectors import approved_decision
from disclosure.services import ERR_COMMENT_REQUIRED, ERR_NOT_REVIEWER, ERR_OWN_PROPOSAL, ERR_STATE_APPROVAL
from lawreq.errors import Conflict, InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from requests_app.choices import Outcome
from requests_app.states import State
from tests.conftest import SHARED_PER_MODULE
from workflow.services import do_decide, do_propose

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]


def propose(legal_request, actor, decision=Decision.DISCLOSE) -> Proposal:
    if decision == Decision.REJECT:
        return do_propose(
            legal_request=legal_request,
            actor=actor,
            decision=decision,
            reasons=["The order names no criminal offence."],
        )
    return do_propose(
        legal_request=legal_request,
        actor=actor,
        decision=decision,
        categories=["ip_addresses"],
        date_from=dt.date(2026, 10, 10),
        date_to=dt.date(2026, 10, 20),
    )


@pytest.fixture
def pending(in_review_factory, officer_a, analyst, make_account):
    make_account("acc-1", username="someone")
    legal_request = in_review_factory(officer_a)
    propose(legal_request, analyst)
    return legal_request


def test_a_reviewer_approves_another_analysts_disclosure(
    pending, reviewer, audit_trail, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        approval = do_decide(legal_request=pending, actor=reviewer, approve=True, comment="Proportionate.")

    assert pending.state == State.APPROVED
    assert approval.proposal.status == ProposalStatus.APPROVED
    assert DisclosureSnapshot.objects.get(legal_request=pending).approval == approval
    assert len(callbacks) == 1  # the response letter, enqueued once the approval is committed
    entry = audit_trail.assert_recorded(AuditAction.PROPOSAL_APPROVED, actor=reviewer, decision="disclose")
    assert [v["ruleset"] for v in entry.details["rule_versions"]] == ["platform", "US"]
    audit_trail.assert_recorded(AuditAction.SNAPSHOT_FROZEN, actor=reviewer, request_ref=pending.ref)


def test_the_proposer_cannot_approve_their_own_proposal(in_review_factory, officer_a, analyst_reviewer, audit_trail):
    legal_request = in_review_factory(officer_a)
    propose(legal_request, analyst_reviewer)

    with pytest.raises(Conflict, match=re.escape(ERR_OWN_PROPOSAL)):
        do_decide(legal_request=legal_request, actor=analyst_reviewer, approve=True)

    assert legal_request.state == State.PENDING_APPROVAL and not Approval.objects.exists()
    audit_trail.assert_not_recorded(AuditAction.PROPOSAL_APPROVED)


def test_four_eyes_hold_for_superusers(in_review_factory, officer_a, staff_superuser):
    legal_request = in_review_factory(officer_a)
    propose(legal_request, staff_superuser)

    with pytest.raises(Conflict):
        do_decide(legal_request=legal_request, actor=staff_superuser, approve=True)


def test_an_analyst_without_the_reviewer_role_may_not_approve(pending, officer_a, django_user_model):
    from django.contrib.auth.models import Group

    other_analyst = django_user_model.objects.create_user(username="second.analyst")
    other_analyst.groups.add(Group.objects.get(name="analyst"))

    with pytest.raises(NotPermitted, match=re.escape(ERR_NOT_REVIEWER)):
        do_decide(legal_request=pending, actor=other_analyst, approve=True)


@pytest.mark.parametrize("who", ["officer_a", "officer_b", "auditor"])
def test_outside_the_legal_team_approval_does_not_exist(pending, request, who):
    with pytest.raises(NotFound):
        do_decide(legal_request=pending, actor=request.getfixturevalue(who), approve=True)

    assert pending.state == State.PENDING_APPROVAL


def test_the_requesting_officer_cannot_approve_even_with_a_reviewer_role(pending, officer_a):
    from django.contrib.auth.models import Group

    officer_a.groups.add(Group.objects.get(name="reviewer"))
    officer_a._lawreq_roles = None

    with pytest.raises(NotFound):
        do_decide(legal_request=pending, actor=officer_a, approve=True)


def test_sending_back_needs_a_comment(pending, reviewer):
    with pytest.raises(InvalidInput, match=re.escape(ERR_COMMENT_REQUIRED)):
        do_decide(legal_request=pending, actor=reviewer, approve=False, comment=" ")

    assert pending.state == State.PENDING_APPROVAL


def test_a_sent_back_proposal_returns_the_request_to_review(pending, reviewer, analyst, audit_trail):
    approval = do_decide(legal_request=pending, actor=reviewer, approve=False, comment="Too wide: 2 days.")

    assert pending.state == State.IN_REVIEW
    assert approval.proposal.status == ProposalStatus.SENT_BACK
    assert not DisclosureSnapshot.objects.exists()
    audit_trail.assert_recorded(AuditAction.PROPOSAL_SENT_BACK, actor=reviewer)
    # The analyst can propose again.
    assert propose(pending, analyst).status == ProposalStatus.OPEN


def test_approving_a_rejection_rejects_the_request_with_its_reasons(in_review_factory, officer_a, analyst, reviewer):
    legal_request = in_review_factory(officer_a)
    propose(legal_request, analyst, Decision.REJECT)

    do_decide(legal_request=legal_request, actor=reviewer, approve=True)

    assert legal_request.state == State.REJECTED
    assert legal_request.outcome == Outcome.REJECTED
    assert legal_request.rejection_reasons == ["The order names no criminal offence."]
    decision = approved_decision(legal_request=legal_request, actor=None, purpose="response letter")
    assert (decision.decision, decision.outcome, decision.targets) == ("reject", "rejected", ())
    assert decision.reasons == ("The order names no criminal offence.",)


def test_nothing_to_approve_while_in_review_is_a_conflict(in_review_factory, officer_a, reviewer):
    legal_request = in_review_factory(officer_a)

    with pytest.raises(TransitionNotAllowed, match=re.escape(ERR_STATE_APPROVAL.format(state="in_review"))):
        do_decide(legal_request=legal_request, actor=reviewer, approve=True)


def test_a_second_approval_is_a_conflict(pending, reviewer, second_reviewer):
    do_decide(legal_request=pending, actor=reviewer, approve=True)

    with pytest.raises(TransitionNotAllowed):
        do_decide(legal_request=pending, actor=second_reviewer, approve=True)

    assert Approval.objects.count() == 1


def test_a_withdrawn_request_cannot_be_approved(pending, reviewer, officer_a):
    from workflow.services import do_withdraw

    do_withdraw(legal_request=pending, actor=officer_a)

    with pytest.raises(TransitionNotAllowed):
        do_decide(legal_request=pending, actor=reviewer, approve=True)

    assert not DisclosureSnapshot.objects.exists()


def test_the_database_refuses_an_approval_by_the_proposer(pending, analyst):
    proposal = Proposal.objects.get(legal_request=pending)

    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(
            proposal=proposal, approved_by=analyst, proposer=analyst, request_creator=pending.created_by, approve=True
        )


def test_the_database_refuses_an_approval_by_the_requesting_officer(pending, officer_a, analyst):
    proposal = Proposal.objects.get(legal_request=pending)

    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(
            proposal=proposal, approved_by=officer_a, proposer=analyst, request_creator=officer_a, approve=True
        )


def test_the_database_refuses_a_second_decision_on_one_proposal(pending, analyst, reviewer, second_reviewer):
    proposal = Proposal.objects.get(legal_request=pending)
    Approval.objects.create(
        proposal=proposal, approved_by=reviewer, proposer=analyst, request_creator=pending.created_by, approve=True
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(
            proposal=proposal,
            approved_by=second_reviewer,
            proposer=analyst,
            request_creator=pending.created_by,
            approve=True,
        )
