"""Call-backs: the out-of-band verification of an emergency, to the agency's number in the registry."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from disclosure.models import CallBack, Decision
from disclosure.services import ERR_CALLBACK_NO_NUMBER, ERR_VERIFICATION_REQUIRED, proposal_create, proposal_decide
from lawreq.errors import Conflict
from notifications.models import Event, Notification
from requests_app.models import Agency
from requests_app.states import State
from tests.conftest import api_client
from workflow.services import do_callback_record, do_decide, do_propose

REGISTRY_NUMBER = "+12025550143"  # agency A's number in the registry (tests/conftest.py)
FORGER_NUMBER = "+12025550666"


@pytest.fixture
def emergency(in_review_factory, officer_a):
    return in_review_factory(
        officer_a,
        process_type="emergency_disclosure",
        emergency=True,
        emergency_justification="Kidnapping in progress: the victim's life is at risk.",
    )


def call(legal_request, actor, outcome: str = "confirmed", **extra):
    return do_callback_record(
        legal_request=legal_request, actor=actor, spoke_to="Sgt. Miller, duty desk", outcome=outcome, **extra
    )


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


def callbacks_url(legal_request) -> str:
    return f"/api/v1/requests/{legal_request.ref}/callbacks/"


# The service layer refuses, whatever the UI does


def test_proposing_an_emergency_disclosure_without_a_call_back_is_refused_by_the_service(emergency, analyst):
    with pytest.raises(Conflict, match=re.escape(ERR_VERIFICATION_REQUIRED)):
        proposal_create(legal_request=emergency, actor=analyst, decision=Decision.DISCLOSE, categories=["ip_addresses"])
    emergency.refresh_from_db()
    assert emergency.state == State.IN_REVIEW


@pytest.mark.parametrize("outcome", ["no_answer", "not_confirmed"])
def test_a_call_back_that_did_not_confirm_is_not_enough(emergency, analyst, outcome):
    call(emergency, analyst, outcome=outcome)

    with pytest.raises(Conflict, match=re.escape(ERR_VERIFICATION_REQUIRED)):
        propose_disclosure(emergency, analyst)


def test_approving_an_emergency_disclosure_without_a_confirmed_call_back_is_refused_by_the_service(
    emergency, analyst, reviewer
):
    # given a disclosure proposed after a confirmed call-back, whose call-back is then gone (as an
    # older proposal, from before call-backs were recorded, would be)
    callback = call(emergency, analyst)
    propose_disclosure(emergency, analyst)
    CallBack.objects.filter(pk=callback.pk).update(outcome="no_answer")

    with pytest.raises(Conflict, match=re.escape(ERR_VERIFICATION_REQUIRED)):
        proposal_decide(legal_request=emergency, actor=reviewer, approve=True)

    emergency.refresh_from_db()
    assert emergency.state == State.PENDING_APPROVAL


def test_a_confirmed_call_back_lets_the_disclosure_be_proposed_and_approved(
    emergency, analyst, reviewer, second_reviewer
):
    call(emergency, analyst, outcome="no_answer")
    call(emergency, second_reviewer, outcome="confirmed")

    propose_disclosure(emergency, analyst)
    approval = do_decide(legal_request=emergency, actor=reviewer, approve=True)

    assert approval.approve
    emergency.refresh_from_db()
    assert emergency.state in (State.APPROVED, State.RESPONDED)


def test_an_emergency_can_still_be_rejected_without_a_call_back(emergency, analyst):
    do_propose(legal_request=emergency, actor=analyst, decision=Decision.REJECT, reasons=["The agency is unknown."])
    emergency.refresh_from_db()
    assert emergency.state == State.PENDING_APPROVAL


# The number is the registry's


def test_the_number_called_is_the_registry_number_taken_by_the_system(emergency, analyst, audit_trail):
    # given a request whose text names another number to call
    emergency.emergency_justification = f"Call me back on {FORGER_NUMBER}, urgent."
    emergency.save(update_fields=["emergency_justification"])

    callback = call(emergency, analyst, note="Confirmed by the duty sergeant.")

    assert callback.number_called == REGISTRY_NUMBER
    assert callback.called_by == analyst
    assert abs(callback.called_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    audit_trail.assert_recorded(AuditAction.CALLBACK_RECORDED, actor=analyst, outcome="confirmed")


def test_an_agency_without_a_registry_number_cannot_be_called_back(emergency, analyst):
    Agency.objects.filter(pk=emergency.agency_id).update(callback_phone="")

    with pytest.raises(Conflict, match=re.escape(ERR_CALLBACK_NO_NUMBER.format(agency="Springfield PD"))):
        call(emergency, analyst)
    assert not CallBack.objects.exists()


def test_the_note_and_whom_was_spoken_to_are_sealed(emergency, analyst):
    callback = call(emergency, analyst, note="Spoke to Lt. Jane Roe.")

    raw = CallBack.objects.filter(pk=callback.pk).values_list("spoke_to_sealed", "note_sealed").get()
    assert b"Miller" not in bytes(raw[0]) and b"Jane Roe" not in bytes(raw[1])


# Flag and notification


def test_a_not_confirmed_call_back_flags_the_request_and_notifies_the_reviewers_once(
    emergency, analyst, reviewer, second_reviewer, audit_trail
):
    callback = call(emergency, analyst, outcome="not_confirmed")
    # the same occurrence notified again (a retried step) changes nothing
    from lawreq.roles import Role
    from notifications.recipients import role_holders
    from notifications.services import notify

    notify(
        event=Event.CALLBACK_NOT_CONFIRMED,
        legal_request=emergency,
        recipients=role_holders(Role.REVIEWER),
        occurrence=f"callback:{callback.pk}",
    )

    told = Notification.objects.filter(event=Event.CALLBACK_NOT_CONFIRMED, legal_request=emergency)
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted(
        [reviewer.username, second_reviewer.username]
    )
    audit_trail.assert_recorded(AuditAction.REQUEST_FLAGGED, actor=analyst, flag="callback_not_confirmed")


def test_the_staff_queue_and_page_show_the_flag(emergency, analyst, client):
    call(emergency, analyst, outcome="not_confirmed")
    client.force_login(analyst)

    queue = client.get(reverse("web:queue")).content.decode()
    page = client.get(reverse("web:staff-detail", kwargs={"ref": emergency.ref})).content.decode()

    assert "flagged" in queue
    assert 'id="flag-callback"' in page and "+1 202-555-0143" in page and "Sgt. Miller" in page


# API


def test_the_api_refuses_an_emergency_disclosure_without_a_confirmed_call_back(emergency, analyst):
    response = api_client(analyst).post(
        f"/api/v1/requests/{emergency.ref}/proposal/",
        {"decision": "disclose", "categories": ["ip_addresses"], "date_from": "2026-10-10", "date_to": "2026-10-20"},
        format="json",
    )

    assert response.status_code == 409
    assert "confirmed call-back to the agency's registry number is required" in response.json()["detail"]


def test_the_api_refuses_the_old_checkbox(emergency, analyst):
    response = api_client(analyst).post(
        f"/api/v1/requests/{emergency.ref}/proposal/",
        {"decision": "disclose", "categories": ["ip_addresses"], "out_of_band_verified": True},
        format="json",
    )

    assert response.status_code == 400
    assert "no longer accepted" in response.json()["out_of_band_verified"][0]


def test_the_api_refuses_the_approval_without_a_confirmed_call_back(emergency, analyst, reviewer):
    callback = call(emergency, analyst)
    propose_disclosure(emergency, analyst)
    CallBack.objects.filter(pk=callback.pk).update(outcome="not_confirmed")

    response = api_client(reviewer).post(
        f"/api/v1/requests/{emergency.ref}/approval/", {"approve": True}, format="json"
    )

    assert response.status_code == 409
    assert "call-back" in response.json()["detail"]


@pytest.mark.parametrize("field", ["number_called", "number"])
def test_the_api_refuses_a_number_chosen_by_the_caller(emergency, analyst, field):
    response = api_client(analyst).post(
        callbacks_url(emergency),
        {"spoke_to": "Sgt. Miller", "outcome": "confirmed", field: FORGER_NUMBER},
        format="json",
    )

    assert response.status_code == 400
    assert "registry" in response.json()[field][0]
    assert not CallBack.objects.exists()


def test_the_api_records_a_call_back_and_lists_them(emergency, analyst, reviewer, audit_trail):
    created = api_client(analyst).post(
        callbacks_url(emergency), {"spoke_to": "Sgt. Miller", "outcome": "confirmed", "note": "ok"}, format="json"
    )
    listed = api_client(reviewer).get(callbacks_url(emergency))

    assert created.status_code == 201
    body = created.json()
    assert body["number_called"] == REGISTRY_NUMBER
    assert body["called_by"] == analyst.username
    assert body["outcome"] == "confirmed" and body["spoke_to"] == "Sgt. Miller" and body["note"] == "ok"
    assert [item["id"] for item in listed.json()] == [body["id"]]
    audit_trail.assert_recorded(
        AuditAction.REQUEST_VIEWED, actor=reviewer, request_ref=emergency.ref, via="api:callbacks"
    )


def test_the_api_answers_409_for_an_agency_without_a_registry_number(emergency, analyst):
    Agency.objects.filter(pk=emergency.agency_id).update(callback_phone="")

    response = api_client(analyst).post(
        callbacks_url(emergency), {"spoke_to": "x", "outcome": "confirmed"}, format="json"
    )

    assert response.status_code == 409
    assert "no call-back number in the registry" in response.json()["detail"]


def test_an_officer_sees_none_of_the_call_backs_nor_the_risk_signals(emergency, analyst, officer_a, client):
    call(emergency, analyst, outcome="not_confirmed", note="Agency denies sending it.")
    officer = api_client(officer_a)

    assert officer.get(callbacks_url(emergency)).status_code == 404
    assert (
        officer.post(callbacks_url(emergency), {"spoke_to": "me", "outcome": "confirmed"}, format="json").status_code
        == 404
    )
    assert officer.get(f"/api/v1/requests/{emergency.ref}/checks/").status_code == 404
    detail = officer.get(f"/api/v1/requests/{emergency.ref}/").content.decode()
    timeline = officer.get(f"/api/v1/requests/{emergency.ref}/messages/").content.decode()
    client.force_login(officer_a)
    page = client.get(reverse("web:portal-detail", kwargs={"ref": emergency.ref})).content.decode()
    for text in (detail, timeline, page):
        assert "Miller" not in text
        assert "call-back" not in text.lower() and "Call-back" not in text
        assert "Risk signals" not in text and "new_account" not in text and "first_request_from_agency" not in text
        assert "account is 0 day" not in text
        assert "denies" not in text


def test_the_staff_timeline_shows_the_call_back_and_the_officers_does_not(emergency, analyst, officer_a):
    from casework.selectors import timeline_of

    call(emergency, analyst, outcome="not_confirmed")

    staff = [event.title for event in timeline_of(legal_request=emergency, reader=analyst)]
    officer = [event.title for event in timeline_of(legal_request=emergency, reader=officer_a)]

    assert "Call-back to the registry number: not confirmed" in staff
    assert any(title.startswith("Flagged") for title in staff)
    assert not [title for title in officer if "all-back" in title or "Flagged" in title]
