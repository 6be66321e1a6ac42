"""Red-team holes around the emergency call-back: the process type implies the emergency, a call-back
verifies the request as last submitted, call-backs only where there is something to verify, four eyes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import TestCase

from disclosure.models import CallBack, Decision
from disclosure.services import (
    ERR_APPROVER_CALLED_BACK,
    ERR_CALLBACK_AFTER_NOT_CONFIRMED,
    ERR_CALLBACK_NOT_NEEDED,
    ERR_VERIFICATION_REQUIRED,
    NO_CHECKS,
    callback_required,
    proposal_create,
    proposal_decide,
)
from lawreq.errors import Conflict
from requests_app.models import Agency, LegalRequest
from requests_app.services import agency_suspend, legal_request_update
from requests_app.states import State
from tests.conftest import api_client, draft_create
from workflow.services import do_callback_record, do_decide, do_propose, do_submit, do_validate

JUSTIFICATION = "Kidnapping in progress: the victim's life is at risk."


def call(legal_request, actor, outcome: str = "confirmed"):
    return do_callback_record(legal_request=legal_request, actor=actor, spoke_to="Sgt. Miller", outcome=outcome)


def propose_disclosure(legal_request, analyst):
    return do_propose(
        legal_request=legal_request,
        actor=analyst,
        decision=Decision.DISCLOSE,
        categories=["ip_addresses"],
        date_from=dt.date(2026, 10, 10),
        date_to=dt.date(2026, 10, 20),
        reason="Life at risk.",
    )


@pytest.fixture
def emergency(in_review_factory, officer_a):
    return in_review_factory(
        officer_a, process_type="emergency_disclosure", emergency=True, emergency_justification=JUSTIFICATION
    )


# F1: the emergency disclosure process type is an emergency


def test_an_emergency_disclosure_filed_without_the_flag_is_an_emergency(in_review_factory, officer_a):
    legal_request = in_review_factory(
        officer_a, process_type="emergency_disclosure", emergency=False, emergency_justification=JUSTIFICATION
    )

    assert legal_request.emergency is True
    assert legal_request.is_emergency


def test_an_emergency_disclosure_cannot_be_unflagged_by_a_correction(officer_a):
    legal_request = draft_create(officer_a, process_type="emergency_disclosure", emergency=True)

    legal_request_update(legal_request=legal_request, actor=officer_a, data={"emergency": False})

    assert LegalRequest.objects.get(pk=legal_request.pk).emergency is True


@pytest.mark.parametrize(
    ("process_type", "emergency", "is_emergency"),
    [("emergency_disclosure", False, True), ("emergency_disclosure", True, True), ("production_order", True, True),
     ("production_order", False, False)],
)  # fmt: skip
def test_every_gate_asks_one_predicate_which_counts_the_process_type(process_type, emergency, is_emergency):
    row = LegalRequest(process_type=process_type, emergency=emergency)

    assert row.is_emergency is is_emergency
    # the call-back gate, even where the checks asked for no verification
    assert callback_required(row, NO_CHECKS) is is_emergency


def test_an_unflagged_emergency_disclosure_row_still_needs_a_call_back(emergency, analyst):
    # given a row stored before the flag was kept in step
    LegalRequest.objects.filter(pk=emergency.pk).update(emergency=False)
    emergency.refresh_from_db()

    with pytest.raises(Conflict, match=re.escape(ERR_VERIFICATION_REQUIRED)):
        proposal_create(legal_request=emergency, actor=analyst, decision=Decision.DISCLOSE, categories=["ip_addresses"])


def test_the_api_files_an_emergency_disclosure_without_the_flag_as_an_emergency(officer_a, in_review_factory):
    # the request body as an officer sends it: the flag false, the process type the emergency one
    legal_request = draft_create(officer_a, process_type="emergency_disclosure", emergency=False)

    body = api_client(officer_a).get(f"/api/v1/requests/{legal_request.ref}/").json()

    assert body["process_type"] == "emergency_disclosure" and body["emergency"] is True


# F2: a call-back verifies the request as last submitted


def resubmit_after_question(legal_request, analyst, officer):
    do_propose(legal_request=legal_request, actor=analyst, decision=Decision.NEED_INFO, reason="Which account?")
    legal_request.refresh_from_db()
    assert legal_request.state == State.NEEDS_INFO
    legal_request_update(
        legal_request=legal_request, actor=officer, data={"emergency_justification": JUSTIFICATION + " Rewritten."}
    )
    with TestCase.captureOnCommitCallbacks(execute=False):
        do_submit(legal_request=legal_request, actor=officer)
    do_validate(legal_request_id=legal_request.pk)
    legal_request.refresh_from_db()
    assert legal_request.state == State.IN_REVIEW


def test_a_call_back_made_before_a_resubmission_no_longer_counts(emergency, analyst, officer_a):
    call(emergency, analyst)
    resubmit_after_question(emergency, analyst, officer_a)

    with pytest.raises(Conflict, match=re.escape(ERR_VERIFICATION_REQUIRED)):
        propose_disclosure(emergency, analyst)

    call(emergency, analyst)
    propose_disclosure(emergency, analyst)
    emergency.refresh_from_db()
    assert emergency.state == State.PENDING_APPROVAL


def test_a_call_back_on_a_draft_is_refused(officer_a, analyst):
    draft = draft_create(officer_a, process_type="emergency_disclosure", emergency=True)

    with pytest.raises(Conflict, match="'draft'"):
        call(draft, analyst)
    assert not CallBack.objects.exists()


def test_a_call_back_on_a_closed_request_is_refused(emergency, analyst, officer_a):
    from workflow.services import do_withdraw

    do_withdraw(legal_request=emergency, actor=officer_a, reason="Found the child.")

    with pytest.raises(Conflict, match="'withdrawn'"):
        call(emergency, analyst)


def test_a_call_back_on_an_ordinary_request_is_refused(in_review_factory, officer_a, analyst):
    ordinary = in_review_factory(officer_a)

    with pytest.raises(Conflict, match=re.escape(ERR_CALLBACK_NOT_NEEDED)):
        call(ordinary, analyst)


def test_a_call_back_on_a_suspended_agencys_request_is_refused(emergency, analyst, admin_user):
    agency_suspend(agency=Agency.objects.get(pk=emergency.agency_id), actor=admin_user, reason="Compromised.")

    with pytest.raises(Conflict, match="suspended"):
        call(emergency, analyst)


def test_the_api_answers_409_to_a_call_back_on_an_ordinary_request(in_review_factory, officer_a, analyst):
    ordinary = in_review_factory(officer_a)

    response = api_client(analyst).post(
        f"/api/v1/requests/{ordinary.ref}/callbacks/",
        {"spoke_to": "Sgt. Miller", "outcome": "confirmed"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["detail"] == ERR_CALLBACK_NOT_NEEDED


# F4: four eyes around the call-back


def test_the_reviewer_who_confirmed_the_call_back_may_not_approve(emergency, analyst, reviewer, second_reviewer):
    callback = call(emergency, reviewer)
    propose_disclosure(emergency, analyst)

    with pytest.raises(Conflict, match=re.escape(ERR_APPROVER_CALLED_BACK.format(id=callback.pk))):
        proposal_decide(legal_request=emergency, actor=reviewer, approve=True)

    approval = do_decide(legal_request=emergency, actor=second_reviewer, approve=True)
    assert approval.approve


def test_the_api_answers_409_naming_the_call_back_to_its_caller_approving(emergency, analyst, reviewer):
    callback = call(emergency, reviewer)
    propose_disclosure(emergency, analyst)

    response = api_client(reviewer).post(
        f"/api/v1/requests/{emergency.ref}/approval/", {"approve": True}, format="json"
    )

    assert response.status_code == 409
    assert f"call-back #{callback.pk}" in response.json()["detail"]


def test_after_a_not_confirmed_call_back_only_someone_else_may_confirm(emergency, analyst, reviewer):
    denied = call(emergency, analyst, outcome="not_confirmed")

    with pytest.raises(Conflict, match=re.escape(ERR_CALLBACK_AFTER_NOT_CONFIRMED.format(id=denied.pk))):
        call(emergency, analyst)
    response = api_client(analyst).post(
        f"/api/v1/requests/{emergency.ref}/callbacks/",
        {"spoke_to": "Sgt. Miller", "outcome": "confirmed"},
        format="json",
    )
    assert response.status_code == 409

    assert call(emergency, reviewer).outcome == "confirmed"
