"""The enforcing authority's window over a European Production Order for traffic data (Regulation (EU)
2023/1543 Art. 8, 10(2), 10(4), 12): the disclosure is held until the window ends unless the authority
confirms it raises no grounds; grounds raised block it; an emergency is not held; the window is a deadline
the legal team sees and is told of."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from audit.actions import AuditAction
from audit.models import AuditEntry
from disclosure.models import Approval, Decision
from lawreq.errors import Conflict
from notifications import tasks
from notifications.models import Event, Notification
from requests_app.e_evidence import (
    ERR_DECISION_RECORDED,
    ERR_GROUNDS_RAISED,
    ERR_NOT_NOTIFIED,
    disclosure_hold_reason,
    enforcing_decision_record,
)
from requests_app.models import LegalRequest
from requests_app.states import State
from tests.conftest import api_client
from workflow.services import do_decide, do_propose

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
EPOC = {
    "process_type": "production_order",
    "categories": ["ip_addresses"],
    "certificate_reference": "EPOC-FR-2026-0118",
    "ip_purpose": "traffic",
    "enforcing_state": "IE",
    "enforcing_authority_name": "An Garda Síochána, Mutual Assistance",
    "enforcing_authority_notified": True,
    "date_from": "2026-10-01",
    "date_to": "2026-11-01",
}


@pytest.fixture
def epoc(officer_b, in_review_factory, make_account):
    make_account(account_id="acc-fr", phone="+33612345678", events=[("2026-10-10 10:00:00", "198.51.100.7", 443)])
    with time_machine.travel(T0, tick=False):
        return in_review_factory(officer_b, **EPOC)


def propose(legal_request, analyst):
    return do_propose(
        legal_request=legal_request,
        actor=analyst,
        decision=Decision.DISCLOSE,
        categories=["ip_addresses"],
        date_from=dt.date(2026, 10, 1),
        date_to=dt.date(2026, 11, 1),
        reason="Judge's order for traffic data; the enforcing state was notified.",
    )


def approve(legal_request, reviewer, at: dt.datetime):
    with time_machine.travel(at, tick=False):
        return do_decide(legal_request=legal_request, actor=reviewer, approve=True)


def test_the_window_ends_ten_days_after_receipt_and_the_officer_sees_it(epoc, officer_b):
    assert epoc.received_at == T0
    assert epoc.enforcing_window_ends_at == T0 + dt.timedelta(days=10)
    body = api_client(officer_b).get(f"/api/v1/requests/{epoc.ref}/").json()
    assert body["enforcing_authority"]["window_ends_at"] == "2026-12-11T09:00:00Z"
    assert AuditEntry.objects.filter(action=AuditAction.ENFORCING_WINDOW_SET, request_ref=epoc.ref).exists()


def test_approval_is_refused_while_the_window_runs(epoc, analyst, reviewer):
    propose(epoc, analyst)

    with pytest.raises(Conflict, match="may raise grounds for refusal until 2026-12-11 09:00 UTC"):
        approve(epoc, reviewer, T0 + dt.timedelta(days=9, hours=23))

    epoc.refresh_from_db()
    assert epoc.state == State.PENDING_APPROVAL
    assert not Approval.objects.filter(proposal__legal_request=epoc).exists()


def test_approval_through_the_api_answers_409_with_the_reason(epoc, analyst, reviewer):
    propose(epoc, analyst)

    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        response = api_client(reviewer).post(f"/api/v1/requests/{epoc.ref}/approval/", {"approve": True}, format="json")

    assert response.status_code == 409
    assert "enforcing authority (IE)" in response.json()["detail"]


def test_approval_passes_once_the_window_ended(epoc, analyst, reviewer):
    propose(epoc, analyst)

    approval = approve(epoc, reviewer, T0 + dt.timedelta(days=10))

    assert approval.pk is not None


def test_approval_passes_early_on_the_confirmation_that_no_grounds_are_raised(epoc, analyst, reviewer):
    propose(epoc, analyst)
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        enforcing_decision_record(legal_request=epoc, actor=analyst, decision="no_grounds")

    approval = approve(epoc, reviewer, T0 + dt.timedelta(days=2, hours=1))

    assert approval.pk is not None
    entry = AuditEntry.objects.get(action=AuditAction.ENFORCING_DECISION_RECORDED, request_ref=epoc.ref)
    assert entry.details["decision"] == "no_grounds"


def test_grounds_raised_block_the_disclosure_for_good(epoc, analyst, reviewer):
    propose(epoc, analyst)
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        response = api_client(reviewer).post(
            f"/api/v1/requests/{epoc.ref}/enforcing-decision/",
            {"decision": "grounds_raised", "grounds": ["fundamental_rights"]},
            format="json",
        )
    assert response.status_code == 200, response.json()
    assert response.json()["enforcing_authority"]["grounds"] == ["fundamental_rights"]

    with pytest.raises(Conflict, match="raised grounds for refusal"):
        approve(epoc, reviewer, T0 + dt.timedelta(days=30))
    epoc.refresh_from_db()
    assert disclosure_hold_reason(epoc, now=T0 + dt.timedelta(days=30)) == ERR_GROUNDS_RAISED


def test_no_disclosure_can_even_be_proposed_after_grounds_were_raised(epoc, analyst):
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        enforcing_decision_record(
            legal_request=epoc, actor=analyst, decision="grounds_raised", grounds=["ne_bis_in_idem"]
        )

    with pytest.raises(Conflict, match="raised grounds for refusal"):
        propose(epoc, analyst)


def test_a_decision_is_recorded_once_and_only_within_the_window(epoc, analyst):
    with (
        time_machine.travel(T0 + dt.timedelta(days=10, minutes=1), tick=False),
        pytest.raises(Conflict, match="window ended at 2026-12-11 09:00 UTC"),
    ):
        enforcing_decision_record(legal_request=epoc, actor=analyst, decision="no_grounds")
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        enforcing_decision_record(legal_request=epoc, actor=analyst, decision="no_grounds")
        with pytest.raises(Conflict, match=ERR_DECISION_RECORDED):
            enforcing_decision_record(
                legal_request=epoc, actor=analyst, decision="grounds_raised", grounds=["ne_bis_in_idem"]
            )


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "grounds_raised"},
        {"decision": "no_grounds", "grounds": ["ne_bis_in_idem"]},
        {"decision": "maybe"},
        {"decision": "grounds_raised", "grounds": ["politics"]},
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(epoc, analyst, body):
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        response = api_client(analyst).post(f"/api/v1/requests/{epoc.ref}/enforcing-decision/", body, format="json")

    assert response.status_code == 400
    assert LegalRequest.objects.get(pk=epoc.pk).enforcing_decision == ""


def test_the_officer_cannot_record_the_decision(epoc, officer_b):
    response = api_client(officer_b).post(
        f"/api/v1/requests/{epoc.ref}/enforcing-decision/", {"decision": "no_grounds"}, format="json"
    )

    assert response.status_code == 404
    assert LegalRequest.objects.get(pk=epoc.pk).enforcing_decision == ""


def test_identification_only_request_has_no_window(officer_b, in_review_factory, analyst):
    legal_request = in_review_factory(
        officer_b,
        **{**EPOC, "ip_purpose": "identification", "enforcing_authority_notified": False},
        issuing_authority={"type": "prosecutor", "name": "Parquet de Paris"},
    )

    assert legal_request.enforcing_window_ends_at is None
    with pytest.raises(Conflict, match=ERR_NOT_NOTIFIED):
        enforcing_decision_record(legal_request=legal_request, actor=analyst, decision="no_grounds")


def test_an_emergency_has_a_96_hour_window_and_is_not_held(officer_b, in_review_factory):
    with time_machine.travel(T0, tick=False):
        legal_request = in_review_factory(
            officer_b, **EPOC, emergency=True, emergency_justification="Kidnapping in progress: life at risk."
        )

    assert legal_request.enforcing_window_ends_at == T0 + dt.timedelta(hours=96)
    assert disclosure_hold_reason(legal_request, now=T0 + dt.timedelta(hours=1)) is None


def test_the_legal_team_is_told_once_when_the_window_ends(epoc, analyst):
    with time_machine.travel(T0 + dt.timedelta(days=9), tick=False):
        tasks.deadline_alerts.delay().get()
    assert not Notification.objects.filter(event=Event.ENFORCING_WINDOW_ENDED).exists()

    with time_machine.travel(T0 + dt.timedelta(days=10, minutes=5), tick=False):
        tasks.deadline_alerts.delay().get()
        tasks.deadline_alerts.delay().get()

    told = Notification.objects.filter(event=Event.ENFORCING_WINDOW_ENDED, legal_request=epoc)
    assert list(told.values_list("recipient__username", flat=True)) == [analyst.username]


# The window once set is the enforcing state's: the officer's later edits never cut it short.

EMERGENCY = {"emergency": True, "emergency_justification": "Kidnapping in progress: life at risk."}


def sent_back_for_information(legal_request, analyst):
    do_propose(
        legal_request=legal_request,
        actor=analyst,
        decision=Decision.NEED_INFO,
        reason="Please attach the certificate's Section B.",
    )
    legal_request.refresh_from_db()
    assert legal_request.state == State.NEEDS_INFO


@pytest.mark.parametrize(
    "body",
    [
        {"enforcing_authority": None},
        {"enforcing_authority": {"state": "IE", "name": "An Garda Síochána, Mutual Assistance", "notified": False}},
        {"enforcing_authority": {"state": "DE", "name": "Landgericht Berlin", "notified": True}},
        EMERGENCY,
    ],
    ids=["cleared", "unnotified", "another-state", "emergency"],
)
def test_the_officer_cannot_lift_the_enforcing_states_hold_by_editing_the_request(epoc, analyst, officer_b, body):
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        sent_back_for_information(epoc, analyst)
        before = AuditEntry.objects.filter(request_ref=epoc.ref).count()

        response = api_client(officer_b).patch(f"/api/v1/requests/{epoc.ref}/", body, format="json")

    assert response.status_code == 400, response.json()
    assert "can no longer be changed" in str(response.json())
    stored = LegalRequest.objects.get(pk=epoc.pk)
    assert (stored.enforcing_state, stored.enforcing_authority_notified, stored.emergency) == ("IE", True, False)
    assert AuditEntry.objects.filter(request_ref=epoc.ref).count() == before


def test_an_edit_that_drops_the_traffic_data_keeps_the_window(epoc, analyst, reviewer, officer_b):
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        sent_back_for_information(epoc, analyst)
        client = api_client(officer_b)
        patched = client.patch(
            f"/api/v1/requests/{epoc.ref}/",
            {"categories": ["subscriber_profile"], "ip_purpose": ""},
            format="json",
        )
        assert patched.status_code == 200, patched.json()
        assert client.post(f"/api/v1/requests/{epoc.ref}/submit/").status_code == 200

    epoc.refresh_from_db()
    assert epoc.enforcing_window_ends_at == T0 + dt.timedelta(days=10)
    assert disclosure_hold_reason(epoc, now=T0 + dt.timedelta(days=1)) is not None


# Art. 10(2): with a notified enforcing authority the data is transmitted at the end of the 10 days, so the
# answer given then is on time.


def test_a_notified_epoc_is_due_a_day_after_the_window_and_answered_then_is_not_late(epoc, analyst, reviewer):
    from disclosure.models import DisclosureSnapshot

    assert epoc.due_at == T0 + dt.timedelta(days=11)
    propose(epoc, analyst)

    approve(epoc, reviewer, T0 + dt.timedelta(days=10, hours=1))

    snapshot = DisclosureSnapshot.objects.get(legal_request=epoc)
    assert snapshot.outcome == "disclosed"
    assert not snapshot.annex_iii and not snapshot.annex_iii_late
    entry = AuditEntry.objects.filter(action=AuditAction.ENFORCING_WINDOW_SET, request_ref=epoc.ref).latest("pk")
    assert entry.details["due_at"] == "2026-12-12T09:00+00:00"


def test_an_emergency_keeps_its_own_deadline(officer_b, in_review_factory):
    with time_machine.travel(T0, tick=False):
        legal_request = in_review_factory(officer_b, **EPOC, **EMERGENCY)

    assert legal_request.due_at == T0 + dt.timedelta(hours=8)


# A notified authority's answer is recorded even where the rules set no window (identification data).


def test_grounds_raised_without_a_window_are_recorded_and_block_the_disclosure(officer_b, in_review_factory, analyst):
    legal_request = in_review_factory(
        officer_b,
        **{**EPOC, "ip_purpose": "identification"},
        issuing_authority={"type": "prosecutor", "name": "Parquet de Paris"},
    )
    assert legal_request.enforcing_authority_notified and legal_request.enforcing_window_ends_at is None

    response = api_client(analyst).post(
        f"/api/v1/requests/{legal_request.ref}/enforcing-decision/",
        {"decision": "grounds_raised", "grounds": ["fundamental_rights"]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    with pytest.raises(Conflict, match="raised grounds for refusal"):
        propose(legal_request, analyst)
