"""An agency suspended: its open requests frozen and flagged, its officers reading but not filing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import TestCase
from django.urls import reverse

from audit.actions import AuditAction
from disclosure.models import Decision
from lawreq.errors import Conflict, InvalidInput, NotPermitted
from letters.models import Response, ResponseStatus
from requests_app.services import (
    ERR_AGENCY_SUSPENDED,
    ERR_OFFICER_AGENCY_SUSPENDED,
    agency_reinstate,
    agency_suspend,
)
from requests_app.states import State
from tests.conftest import api_client, draft_create, us_request_payload
from workflow.services import do_callback_record, do_decide, do_issue_response, do_propose, do_submit

FROZEN = ERR_AGENCY_SUSPENDED.format(agency="Springfield PD")


def propose(legal_request, analyst):
    return do_propose(
        legal_request=legal_request,
        actor=analyst,
        decision=Decision.DISCLOSE,
        categories=["ip_addresses"],
        date_from=dt.date(2026, 10, 10),
        date_to=dt.date(2026, 10, 20),
        reason="Proportionate.",
    )


@pytest.fixture
def in_review(in_review_factory, officer_a):
    return in_review_factory(officer_a)


def suspend(agency, actor):
    return agency_suspend(agency=agency, actor=actor, reason="Officer account reported compromised.")


def test_a_suspension_needs_a_reason(agency_a, analyst):
    with pytest.raises(InvalidInput):
        agency_suspend(agency=agency_a, actor=analyst, reason="  ")
    agency_a.refresh_from_db()
    assert not agency_a.is_suspended


def test_a_suspended_agencys_request_cannot_be_proposed(in_review, agency_a, analyst, audit_trail):
    suspend(agency_a, analyst)

    with pytest.raises(Conflict, match=re.escape(FROZEN)):
        propose(in_review, analyst)

    in_review.refresh_from_db()
    assert in_review.state == State.IN_REVIEW
    audit_trail.assert_recorded(AuditAction.AGENCY_SUSPENDED, actor=analyst, frozen_requests=[in_review.ref])
    audit_trail.assert_recorded(AuditAction.REQUEST_FLAGGED, request_ref=in_review.ref, flag="agency_suspended")


def test_a_suspended_agencys_proposal_cannot_be_approved(in_review, agency_a, analyst, reviewer):
    propose(in_review, analyst)
    suspend(agency_a, analyst)

    with pytest.raises(Conflict, match=re.escape(FROZEN)):
        do_decide(legal_request=in_review, actor=reviewer, approve=True)

    in_review.refresh_from_db()
    assert in_review.state == State.PENDING_APPROVAL


def test_a_suspended_agencys_letter_is_not_issued(in_review, agency_a, analyst, reviewer):
    propose(in_review, analyst)
    with TestCase.captureOnCommitCallbacks(execute=False):
        do_decide(legal_request=in_review, actor=reviewer, approve=True)
    suspend(agency_a, analyst)

    from letters.services import ResponseGenerationFailed

    with pytest.raises(ResponseGenerationFailed):
        do_issue_response(legal_request_id=in_review.pk)

    response = Response.objects.get(legal_request=in_review)
    assert response.status == ResponseStatus.FAILED and "suspended" in response.error
    in_review.refresh_from_db()
    assert in_review.state == State.APPROVED


def test_the_api_answers_409_naming_the_suspension(in_review, agency_a, analyst):
    suspend(agency_a, analyst)

    response = api_client(analyst).post(
        f"/api/v1/requests/{in_review.ref}/proposal/",
        {"decision": "disclose", "categories": ["ip_addresses"]},
        format="json",
    )

    assert response.status_code == 409
    assert "is suspended" in response.json()["detail"]


def test_a_suspended_agencys_officers_cannot_create_nor_submit_but_still_read(
    in_review, agency_a, officer_a, analyst, shipped_rules
):
    draft = draft_create(officer_a)
    suspend(agency_a, analyst)
    officer = api_client(officer_a)

    created = officer.post("/api/v1/requests/", us_request_payload(), format="json")
    submitted = officer.post(f"/api/v1/requests/{draft.ref}/submit/")
    read = officer.get(f"/api/v1/requests/{in_review.ref}/")
    listed = officer.get("/api/v1/requests/")

    assert created.status_code == 403 and "suspended" in created.json()["detail"]
    assert submitted.status_code == 403 and "suspended" in submitted.json()["detail"]
    assert read.status_code == 200
    assert {item["ref"] for item in listed.json()["results"]} >= {in_review.ref, draft.ref}
    with pytest.raises(NotPermitted, match=re.escape(ERR_OFFICER_AGENCY_SUSPENDED)):
        do_submit(legal_request=draft, actor=officer_a)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_the_analyst_sees_the_banner_and_the_queue_the_flag(in_review, agency_a, analyst, client):
    suspend(agency_a, analyst)
    client.force_login(analyst)

    page = client.get(reverse("web:staff-detail", kwargs={"ref": in_review.ref})).content.decode()
    queue = client.get(reverse("web:queue")).content.decode()

    assert 'id="agency-suspended"' in page and "frozen" in page
    assert ">suspended</span>" in queue


def test_reinstatement_lifts_the_freeze(in_review, agency_a, officer_a, analyst, reviewer, audit_trail):
    suspend(agency_a, analyst)
    agency_reinstate(agency=agency_a, actor=analyst, reason="The account was secured.")

    propose(in_review, analyst)
    do_decide(legal_request=in_review, actor=reviewer, approve=True)
    created = api_client(officer_a).post("/api/v1/requests/", us_request_payload(), format="json")

    in_review.refresh_from_db()
    assert in_review.state in (State.APPROVED, State.RESPONDED)
    assert created.status_code == 201
    audit_trail.assert_recorded(AuditAction.AGENCY_REINSTATED, actor=analyst, open_requests=[in_review.ref])


def test_a_suspension_also_blocks_the_call_back_free_paths_of_an_emergency(
    in_review_factory, officer_a, agency_a, analyst
):
    emergency = in_review_factory(
        officer_a, process_type="emergency_disclosure", emergency=True, emergency_justification="Life at risk."
    )
    do_callback_record(legal_request=emergency, actor=analyst, spoke_to="Sgt. Miller", outcome="confirmed")
    suspend(agency_a, analyst)

    with pytest.raises(Conflict, match=re.escape(FROZEN)):
        propose(emergency, analyst)


def test_a_suspended_agencys_officers_can_neither_withdraw_nor_change_but_still_write(
    in_review, agency_a, officer_a, analyst
):
    from requests_app.services import legal_request_update
    from workflow.services import do_message_post, do_withdraw

    draft = draft_create(officer_a)
    suspend(agency_a, analyst)
    officer = api_client(officer_a)

    with pytest.raises(NotPermitted, match=re.escape(ERR_OFFICER_AGENCY_SUSPENDED)):
        do_withdraw(legal_request=in_review, actor=officer_a, reason="Closed.")
    with pytest.raises(NotPermitted, match=re.escape(ERR_OFFICER_AGENCY_SUSPENDED)):
        legal_request_update(legal_request=draft, actor=officer_a, data={"case_number": "FORGED-1"})
    withdrawn = officer.post(f"/api/v1/requests/{in_review.ref}/withdraw/", {"reason": "x"}, format="json")
    patched = officer.patch(f"/api/v1/requests/{draft.ref}/", {"case_number": "FORGED-2"}, format="json")
    # messages stay open: the legal team needs to talk to the agency while it investigates
    message = do_message_post(legal_request=in_review, actor=officer_a, body="Why is our request frozen?")
    posted = officer.post(f"/api/v1/requests/{in_review.ref}/messages/", {"body": "Any news?"}, format="json")

    assert withdrawn.status_code == 403 and "suspended" in withdrawn.json()["detail"]
    assert patched.status_code == 403 and "suspended" in patched.json()["detail"]
    assert message.pk and posted.status_code == 201
    in_review.refresh_from_db()
    draft.refresh_from_db()
    assert in_review.state == State.IN_REVIEW
    assert draft.case_number != "FORGED-1" and draft.case_number != "FORGED-2"
