from __future__ import annotations

import datetime as dt
import re

import pytest

from audit.actions import AuditAction
from disclosure.models import Decision, Proposal, ProposalStatus
from disclosure.services import (
    ERR_CATEGORIES_EMPTY,
    ERR_CATEGORY_NOT_ALLOWED,
    ERR_CATEGORY_NOT_ASKED,
    ERR_CATEGORY_UNKNOWN,
    ERR_DATE_AFTER,
    ERR_DATE_BEFORE,
    ERR_DATE_ORDER,
    ERR_NO_CHECKS,
    ERR_NOT_ANALYST,
    ERR_QUESTION_REQUIRED,
    ERR_REASONS_REQUIRED,
    ERR_STATE_PROPOSAL,
    ERR_TARGET_DUPLICATE,
    ERR_TARGET_FOREIGN,
    ERR_TARGETS_EMPTY,
    ERR_VERIFICATION_REQUIRED,
)
from lawreq.errors import Conflict, InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from requests_app.models import LegalRequest
from requests_app.states import State
from tests.conftest import SHARED_PER_MODULE
from workflow.services import do_propose

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]

OCT_1, OCT_10, OCT_20 = dt.date(2026, 10, 1), dt.date(2026, 10, 10), dt.date(2026, 10, 20)
NOV_1, NOV_2 = dt.date(2026, 11, 1), dt.date(2026, 11, 2)


def disclose(legal_request, actor, **overrides) -> Proposal:
    arguments = {
        "decision": Decision.DISCLOSE,
        "categories": ["ip_addresses"],
        "date_from": OCT_10,
        "date_to": OCT_20,
        "reason": "Only the IP addresses around the offence are needed.",
    }
    arguments.update(overrides)
    return do_propose(legal_request=legal_request, actor=actor, **arguments)


def test_a_narrower_disclosure_waits_for_approval(in_review_factory, officer_a, analyst, audit_trail):
    legal_request = in_review_factory(officer_a)
    first_target = legal_request.targets.order_by("id").first()

    proposal = disclose(legal_request, analyst, targets=[first_target.pk])

    assert legal_request.state == State.PENDING_APPROVAL
    assert (proposal.status, proposal.categories, proposal.date_from, proposal.date_to) == (
        ProposalStatus.OPEN,
        ["ip_addresses"],
        OCT_10,
        OCT_20,
    )
    assert [(s.target_id, s.categories, s.date_from, s.date_to) for s in proposal.targets.all()] == [
        (first_target.pk, ["ip_addresses"], OCT_10, OCT_20)
    ]
    entry = audit_trail.assert_recorded(AuditAction.PROPOSAL_MADE, actor=analyst, decision="disclose")
    assert [v["ruleset"] for v in entry.details["rule_versions"]] == ["platform", "US"]
    audit_trail.assert_recorded(AuditAction.REQUEST_TRANSITIONED, to="pending_approval")


def test_without_targets_or_dates_the_whole_request_is_proposed(in_review_factory, officer_a, analyst):
    legal_request = in_review_factory(officer_a)

    proposal = disclose(
        legal_request, analyst, categories=["ip_addresses", "phone_number"], date_from=None, date_to=None
    )

    assert [(s.target_id, s.date_from, s.date_to) for s in proposal.targets.all()] == [
        (target.pk, OCT_1, NOV_1) for target in legal_request.targets.order_by("id")
    ]


def test_each_target_can_be_narrowed_on_its_own(in_review_factory, officer_a, analyst):
    legal_request = in_review_factory(officer_a)
    first, second = legal_request.targets.order_by("id")

    proposal = disclose(
        legal_request,
        analyst,
        targets=[
            {"id": first.pk, "categories": ["phone_number"]},
            {"id": second.pk, "date_from": OCT_20, "date_to": OCT_20},
        ],
    )

    assert [(s.categories, s.date_from, s.date_to) for s in proposal.targets.all()] == [
        (["phone_number"], OCT_10, OCT_20),
        (["ip_addresses"], OCT_20, OCT_20),
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"categories": ["subscriber_profile"]},
            "categories",
            ERR_CATEGORY_NOT_ASKED.format(category="subscriber_profile"),
        ),
        ({"categories": ["passwords"]}, "categories", ERR_CATEGORY_UNKNOWN.format(category="passwords")),
        ({"categories": []}, "categories", ERR_CATEGORIES_EMPTY),
        ({"date_from": dt.date(2026, 9, 30)}, "date_from", ERR_DATE_BEFORE.format(date=OCT_1)),
        ({"date_to": NOV_2}, "date_to", ERR_DATE_AFTER.format(date=NOV_1)),
        ({"date_from": OCT_20, "date_to": OCT_10}, "date_from", ERR_DATE_ORDER),
        ({"targets": []}, "targets", ERR_TARGETS_EMPTY),
    ],
)
def test_a_disclosure_wider_than_the_request_is_refused_by_field(
    in_review_factory, officer_a, analyst, overrides, field, message
):
    legal_request = in_review_factory(officer_a)

    with pytest.raises(InvalidInput, match=re.escape(message)) as refused:
        disclose(legal_request, analyst, **overrides)

    assert refused.value.field == field
    assert legal_request.state == State.IN_REVIEW and not Proposal.objects.exists()


def test_a_per_target_scope_wider_than_the_request_is_refused(in_review_factory, officer_a, analyst):
    legal_request = in_review_factory(officer_a)
    second = legal_request.targets.order_by("id")[1]

    with pytest.raises(InvalidInput) as refused:
        disclose(legal_request, analyst, targets=[{"id": second.pk, "date_to": NOV_2}])

    # The target is named by its position, as the letter numbers it: never by its database id.
    assert refused.value.field == "date_to" and refused.value.message.endswith("(target 2)")
    assert f"#{second.pk}" not in refused.value.message


def test_a_category_asked_for_but_not_allowed_by_the_checks_is_refused(in_review_factory, officer_a, analyst):
    legal_request = in_review_factory(officer_a, categories=["ip_addresses", "content"])

    with pytest.raises(InvalidInput, match=re.escape(ERR_CATEGORY_NOT_ALLOWED.format(category="content"))):
        disclose(legal_request, analyst, categories=["ip_addresses", "content"])


def test_a_target_of_another_request_is_refused(in_review_factory, officer_a, analyst):
    legal_request = in_review_factory(officer_a)
    other = in_review_factory(officer_a, case_number="2026-CR-0099")
    foreign = other.targets.first()

    with pytest.raises(InvalidInput, match=re.escape(ERR_TARGET_FOREIGN.format(id=foreign.pk))) as refused:
        disclose(legal_request, analyst, targets=[foreign.pk])

    assert refused.value.field == "targets"


def test_a_target_named_twice_is_refused(in_review_factory, officer_a, analyst):
    legal_request = in_review_factory(officer_a)
    target = legal_request.targets.first()

    with pytest.raises(InvalidInput, match=re.escape(ERR_TARGET_DUPLICATE.format(id=target.pk))):
        disclose(legal_request, analyst, targets=[target.pk, {"id": target.pk}])


@pytest.mark.parametrize(
    "state", [State.RECEIVED, State.NEEDS_INFO, State.PENDING_APPROVAL, State.APPROVED, State.REJECTED, State.WITHDRAWN]
)
def test_proposing_outside_review_is_a_conflict(in_review_factory, officer_a, analyst, state):
    legal_request = in_review_factory(officer_a)
    LegalRequest.objects.filter(pk=legal_request.pk).update(state=state)

    with pytest.raises(TransitionNotAllowed, match=re.escape(ERR_STATE_PROPOSAL.format(state=state))):
        disclose(legal_request, analyst)


def test_a_second_proposal_while_one_waits_is_a_conflict(in_review_factory, officer_a, analyst):
    legal_request = in_review_factory(officer_a)
    disclose(legal_request, analyst)

    with pytest.raises(TransitionNotAllowed):
        disclose(legal_request, analyst)

    assert Proposal.objects.count() == 1


def test_without_a_check_run_nothing_can_be_proposed(draft_factory, officer_a, analyst, shipped_rules):
    legal_request = draft_factory(officer_a)
    LegalRequest.objects.filter(pk=legal_request.pk).update(state=State.IN_REVIEW)

    with pytest.raises(Conflict, match=re.escape(ERR_NO_CHECKS)):
        disclose(legal_request, analyst)


def test_a_reviewer_who_is_not_an_analyst_may_not_propose(in_review_factory, officer_a, reviewer):
    legal_request = in_review_factory(officer_a)

    with pytest.raises(NotPermitted, match=re.escape(ERR_NOT_ANALYST)):
        disclose(legal_request, reviewer)


@pytest.mark.parametrize("who", ["officer_a", "officer_b", "auditor"])
def test_outside_the_legal_team_proposals_do_not_exist(in_review_factory, officer_a, request, who):
    legal_request = in_review_factory(officer_a)

    with pytest.raises(NotFound):
        disclose(legal_request, request.getfixturevalue(who))


def test_the_requesting_officer_cannot_propose_even_with_an_analyst_role(in_review_factory, officer_a):
    from django.contrib.auth.models import Group

    legal_request = in_review_factory(officer_a)
    officer_a.groups.add(Group.objects.get(name="analyst"))
    officer_a._lawreq_roles = None

    with pytest.raises(NotFound):
        disclose(legal_request, officer_a)


def test_a_rejection_needs_reasons(in_review_factory, officer_a, analyst):
    legal_request = in_review_factory(officer_a)

    with pytest.raises(InvalidInput, match=re.escape(ERR_REASONS_REQUIRED)):
        do_propose(legal_request=legal_request, actor=analyst, decision=Decision.REJECT, reason="  ")


def test_a_rejection_never_takes_the_internal_justification_as_its_reasons(in_review_factory, officer_a, analyst):
    legal_request = in_review_factory(officer_a)

    with pytest.raises(InvalidInput, match=re.escape(ERR_REASONS_REQUIRED)) as refused:
        do_propose(
            legal_request=legal_request,
            actor=analyst,
            decision=Decision.REJECT,
            reason="Internal: we have doubts about this agency.",
        )

    assert refused.value.field == "reasons"


def test_a_rejection_with_reasons_waits_for_approval(in_review_factory, officer_a, analyst):
    legal_request = in_review_factory(officer_a)

    proposal = do_propose(
        legal_request=legal_request,
        actor=analyst,
        decision=Decision.REJECT,
        reasons=["The order does not name a criminal offence.", ""],
    )

    assert legal_request.state == State.PENDING_APPROVAL
    assert proposal.reasons == ["The order does not name a criminal offence."]
    assert not proposal.targets.exists()


def test_asking_for_information_needs_the_question(in_review_factory, officer_a, analyst):
    legal_request = in_review_factory(officer_a)

    with pytest.raises(InvalidInput, match=re.escape(ERR_QUESTION_REQUIRED)):
        do_propose(legal_request=legal_request, actor=analyst, decision=Decision.NEED_INFO)


def test_asking_for_information_goes_to_the_officer_at_once(in_review_factory, officer_a, analyst):
    legal_request = in_review_factory(officer_a)

    proposal = do_propose(
        legal_request=legal_request,
        actor=analyst,
        decision=Decision.NEED_INFO,
        reason="Please attach the signed order, not the draft.",
    )

    assert legal_request.state == State.NEEDS_INFO
    assert legal_request.info_requested == "Please attach the signed order, not the draft."
    assert proposal.status == ProposalStatus.CLOSED


@pytest.fixture
def emergency(in_review_factory, officer_a):
    legal_request = in_review_factory(
        officer_a,
        process_type="emergency_disclosure",
        emergency=True,
        emergency_justification="Kidnapping in progress: the victim's life is at risk.",
    )
    from rules.selectors import latest_check_run

    assert latest_check_run(legal_request).out_of_band_verification
    return legal_request


def test_an_emergency_disclosure_needs_a_confirmed_call_back(emergency, analyst):
    with pytest.raises(Conflict, match=re.escape(ERR_VERIFICATION_REQUIRED)):
        disclose(emergency, analyst)

    emergency.refresh_from_db()
    assert emergency.state == State.IN_REVIEW


def test_the_confirmed_call_back_is_recorded_with_the_proposal(emergency, analyst, audit_trail):
    from disclosure.services import callback_record

    callback = callback_record(legal_request=emergency, actor=analyst, spoke_to="Sgt. Miller", outcome="confirmed")

    disclose(emergency, analyst)

    audit_trail.assert_recorded(
        AuditAction.PROPOSAL_MADE,
        actor=analyst,
        out_of_band_verification_required=True,
        confirmed_callback=callback.pk,
    )


def test_an_emergency_can_be_rejected_without_a_call_back(emergency, analyst):
    proposal = do_propose(
        legal_request=emergency,
        actor=analyst,
        decision=Decision.REJECT,
        reasons=["The agency could not be reached on its listed number."],
    )

    assert emergency.state == State.PENDING_APPROVAL and proposal.decision == Decision.REJECT
