"""The analyst's Annex III grounds (Regulation (EU) 2023/1543) in the proposal: required for an
answer to a European order that falls short, refused anywhere else, each code checked; every refusal
a 400 that changes nothing; four eyes as before."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import TestCase

from audit.models import AuditEntry
from disclosure.annex_iii import (
    ERR_EXPLANATION_REQUIRED,
    ERR_GROUND_EPOC_ONLY,
    ERR_GROUNDS_NOT_APPLICABLE,
    ERR_GROUNDS_REQUIRED,
)
from disclosure.models import Approval, DisclosureSnapshot, Proposal
from disclosure.services import ERR_ANNEX_III_MISSING_AT_APPROVAL, ERR_OWN_PROPOSAL
from lawreq.errors import Conflict
from requests_app.models import LegalRequest
from requests_app.states import State
from tests.conftest import SHARED_PER_MODULE, api_client, in_review_create
from tests.subscribers.conftest import make_account_row
from workflow.services import do_decide, do_propose

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]

REJECT = {"decision": "reject", "reasons": ["The certificate names another provider."]}
CERTIFICATE = {"certificate_reference": "EPOC-FR-2026-0007", "ip_purpose": "identification"}


@pytest.fixture(scope="module")
def module_account(module_transaction, django_db_blocker) -> None:
    """The account behind the French requests' phone number, with events in the asked period."""
    with django_db_blocker.unblock():
        make_account_row(
            "acc-fr", username="quelquun", phone="+33612345678", events=[("2026-10-05 10:00:00", "192.0.2.9", 1)]
        )


@pytest.fixture
def epoc(officer_b, module_account) -> LegalRequest:
    return in_review_create(officer_b, process_type="production_order", categories=["ip_addresses"], **CERTIFICATE)


@pytest.fixture
def epoc_pr(officer_b, module_account) -> LegalRequest:
    return in_review_create(officer_b, process_type="preservation_order", categories=["ip_addresses"], **CERTIFICATE)


def propose(legal_request, analyst, body: dict):
    return api_client(analyst).post(f"/api/v1/requests/{legal_request.ref}/proposal/", body, format="json")


def nothing_changed(legal_request, *, entries_before: int) -> None:
    legal_request.refresh_from_db()
    assert legal_request.state == State.IN_REVIEW
    assert not Proposal.objects.filter(legal_request=legal_request).exists()
    assert AuditEntry.objects.filter(request_ref=legal_request.ref).count() == entries_before


def audit_count(legal_request) -> int:
    return AuditEntry.objects.filter(request_ref=legal_request.ref).count()


def test_rejecting_an_epoc_without_grounds_is_refused_and_changes_nothing(epoc, analyst):
    before = audit_count(epoc)

    response = propose(epoc, analyst, REJECT)

    assert response.status_code == 400
    assert response.json() == {"annex_iii_grounds": [ERR_GROUNDS_REQUIRED.format(certificate="EPOC")]}
    nothing_changed(epoc, entries_before=before)


def test_narrowing_an_epoc_without_grounds_is_refused(officer_b, analyst, module_account):
    legal_request = in_review_create(officer_b, process_type="production_order", **CERTIFICATE)  # IP and phone
    before = audit_count(legal_request)

    response = propose(legal_request, analyst, {"decision": "disclose", "categories": ["ip_addresses"]})

    assert response.status_code == 400
    assert "annex_iii_grounds" in response.json()
    nothing_changed(legal_request, entries_before=before)


def test_an_unknown_ground_is_refused_and_changes_nothing(epoc, analyst):
    before = audit_count(epoc)

    response = propose(epoc, analyst, {**REJECT, "annex_iii_grounds": ["manifest_errors", "we_dont_like_it"]})

    assert response.status_code == 400
    assert "'we_dont_like_it' is not a ground of Annex III" in response.json()["annex_iii_grounds"][0]
    nothing_changed(epoc, entries_before=before)


@pytest.mark.parametrize(
    "grounds", [["manifest_errors", "manifest_errors"], "manifest_errors", [7], [{"code": "x"}], [""] * 21]
)
def test_malformed_grounds_are_a_400(epoc, analyst, grounds):
    response = propose(epoc, analyst, {**REJECT, "annex_iii_grounds": grounds})

    assert response.status_code == 400
    assert not Proposal.objects.filter(legal_request=epoc).exists()


def test_grounds_that_need_an_explanation_are_refused_without_one(epoc, analyst):
    response = propose(epoc, analyst, {**REJECT, "annex_iii_grounds": ["other_reasons"]})

    assert response.status_code == 400
    assert response.json() == {"annex_iii_explanation": [ERR_EXPLANATION_REQUIRED.format(code="other_reasons")]}


def test_an_epoc_only_ground_is_refused_for_an_epoc_pr(epoc_pr, analyst):
    response = propose(
        epoc_pr,
        analyst,
        {**REJECT, "annex_iii_grounds": ["immunities_or_press_freedom"], "annex_iii_explanation": "A journalist."},
    )

    assert response.status_code == 400
    assert response.json()["annex_iii_grounds"] == [
        ERR_GROUND_EPOC_ONLY.format(code="immunities_or_press_freedom", certificate="EPOC-PR")
    ]


def test_grounds_on_a_us_subpoena_are_refused(officer_a, analyst):
    legal_request = in_review_create(officer_a)

    response = propose(legal_request, analyst, {**REJECT, "annex_iii_grounds": ["manifest_errors"]})

    assert response.status_code == 400
    assert response.json() == {"annex_iii_grounds": [ERR_GROUNDS_NOT_APPLICABLE]}


def test_grounds_on_a_full_disclosure_of_an_epoc_are_refused(epoc, analyst):
    response = propose(
        epoc, analyst, {"decision": "disclose", "categories": ["ip_addresses"], "annex_iii_grounds": ["incomplete"]}
    )

    assert response.status_code == 400
    assert response.json() == {"annex_iii_grounds": [ERR_GROUNDS_NOT_APPLICABLE]}


def test_a_late_full_disclosure_of_an_epoc_needs_grounds(epoc, analyst):
    with time_machine.travel(epoc.due_at + dt.timedelta(hours=1), tick=False):
        refused = propose(epoc, analyst, {"decision": "disclose", "categories": ["ip_addresses"]})
        accepted = propose(
            epoc,
            analyst,
            {
                "decision": "disclose",
                "categories": ["ip_addresses"],
                "annex_iii_grounds": ["other_reasons"],
                "annex_iii_explanation": "A failure of our data centre delayed the search.",
            },
        )

    assert refused.status_code == 400 and "annex_iii_grounds" in refused.json()
    assert accepted.status_code == 201, accepted.json()


def test_the_grounds_are_kept_shown_to_the_legal_team_and_four_eyes_still_holds(epoc, analyst, reviewer):
    response = propose(
        epoc,
        analyst,
        {**REJECT, "annex_iii_grounds": ["manifest_errors", "incomplete"], "annex_iii_explanation": "Wrong provider."},
    )

    assert response.status_code == 201, response.json()
    # in the form's order, whatever order they came in
    assert response.json()["annex_iii_grounds"] == ["incomplete", "manifest_errors"]
    assert response.json()["annex_iii_explanation"] == "Wrong provider."
    # the proposer cannot approve it
    own = api_client(analyst).post(f"/api/v1/requests/{epoc.ref}/approval/", {"approve": True}, format="json")
    assert own.status_code in (403, 409)
    assert not Approval.objects.filter(proposal__legal_request=epoc).exists()
    # another reviewer can, and the grounds are frozen with the answer
    approved = api_client(reviewer).post(f"/api/v1/requests/{epoc.ref}/approval/", {"approve": True}, format="json")
    assert approved.status_code == 200, approved.json()
    snapshot = DisclosureSnapshot.objects.get(legal_request=epoc)
    assert snapshot.annex_iii is True
    assert snapshot.annex_iii_grounds == ["incomplete", "manifest_errors"]


def test_an_analyst_reviewer_still_cannot_approve_an_annex_iii_proposal_of_their_own(epoc, analyst_reviewer):
    do_propose(legal_request=epoc, actor=analyst_reviewer, annex_iii_grounds=["incomplete"], **REJECT)

    with pytest.raises(Conflict, match=re.escape(ERR_OWN_PROPOSAL)):
        do_decide(legal_request=epoc, actor=analyst_reviewer, approve=True)


def test_an_answer_that_became_late_before_approval_is_sent_back_for_grounds(epoc, analyst, reviewer):
    do_propose(legal_request=epoc, actor=analyst, decision="disclose", categories=["ip_addresses"])

    late = epoc.due_at + dt.timedelta(minutes=5)
    with (
        time_machine.travel(late, tick=False),
        pytest.raises(Conflict) as refused,
        TestCase.captureOnCommitCallbacks(execute=False),
    ):
        do_decide(legal_request=epoc, actor=reviewer, approve=True)

    assert refused.value.message == ERR_ANNEX_III_MISSING_AT_APPROVAL.format(certificate="EPOC")
    epoc.refresh_from_db()
    assert epoc.state == State.PENDING_APPROVAL
    assert not DisclosureSnapshot.objects.filter(legal_request=epoc).exists()


def test_grounds_on_a_question_to_the_officer_are_refused(epoc, analyst):
    response = propose(
        epoc, analyst, {"decision": "need_info", "reason": "Which account?", "annex_iii_grounds": ["incomplete"]}
    )

    assert response.status_code == 400
    assert response.json() == {"annex_iii_grounds": [ERR_GROUNDS_NOT_APPLICABLE]}
    epoc.refresh_from_db()
    assert epoc.state == State.IN_REVIEW
