"""A withdrawn request: its open proposal is closed, and an approved answer's disclosed data destroyed."""

from __future__ import annotations

import pytest

from audit.actions import AuditAction
from audit.models import AuditEntry
from disclosure.models import Decision, DisclosureSnapshot, ProposalStatus, SnapshotTarget
from disclosure.selectors import ERR_SNAPSHOT_SHREDDED, approved_decision
from lawreq.errors import NotFound
from requests_app.states import State
from workflow.services import do_decide, do_propose, do_withdraw

pytestmark = pytest.mark.django_db

DISCLOSE = {
    "decision": Decision.DISCLOSE,
    "categories": ["ip_addresses", "phone_number"],
    "date_from": None,
    "date_to": None,
    "reason": "As asked.",
}


@pytest.fixture
def platform_data(make_account):
    make_account("acc-1", username="someone", phone="+12025550100", events=[("2026-10-15 12:30:00", "2001:db8::7", 1)])
    make_account("acc-2", username="bob", phone="+12025550199", events=[("2026-10-12 10:00:00", "198.51.100.9", 2)])


def propose_disclosure(legal_request, analyst):
    terms = {key: value for key, value in DISCLOSE.items() if value is not None}
    return do_propose(legal_request=legal_request, actor=analyst, **terms)


def test_withdrawal_after_approval_destroys_the_disclosed_data_and_audits_it(
    api, in_review_factory, officer_a, analyst, reviewer, platform_data, django_capture_on_commit_callbacks
):
    # given: an approved disclosure whose letter is not out yet
    legal_request = in_review_factory(officer_a)
    propose_disclosure(legal_request, analyst)
    with django_capture_on_commit_callbacks(execute=False):
        do_decide(legal_request=legal_request, actor=reviewer, approve=True)
    entries = SnapshotTarget.objects.filter(snapshot__legal_request=legal_request)
    sealed_before = sum(1 for entry in entries for field in SnapshotTarget.SEALED_FIELDS if getattr(entry, field))
    assert legal_request.state == State.APPROVED and sealed_before > 0

    # when: the officer withdraws it
    response = api(officer_a).post(
        f"/api/v1/requests/{legal_request.ref}/withdraw/", {"reason": "Case closed"}, format="json"
    )

    # then: every sealed field is gone, the snapshot says when, and the trail says how many
    assert response.status_code == 200
    assert all(not bytes(getattr(entry, field)) for entry in entries.all() for field in SnapshotTarget.SEALED_FIELDS)
    snapshot = DisclosureSnapshot.objects.get(legal_request=legal_request)
    assert snapshot.shredded_at is not None
    shredded = AuditEntry.objects.get(action=AuditAction.SNAPSHOT_SHREDDED, request_ref=legal_request.ref)
    assert shredded.actor_id == officer_a.pk
    assert shredded.details["sealed_values_destroyed"] == sealed_before
    with pytest.raises(NotFound, match=ERR_SNAPSHOT_SHREDDED):
        approved_decision(legal_request=legal_request, actor=None, purpose="the letter")
    assert api(reviewer).get(f"/api/v1/requests/{legal_request.ref}/snapshot/").status_code == 404


def test_a_withdrawn_requests_proposal_does_not_stay_open(
    api, in_review_factory, officer_a, analyst, reviewer, platform_data
):
    legal_request = in_review_factory(officer_a)
    proposal = propose_disclosure(legal_request, analyst)
    assert proposal.status == ProposalStatus.OPEN

    do_withdraw(legal_request=legal_request, actor=officer_a)

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    withdrawn = AuditEntry.objects.get(action=AuditAction.PROPOSAL_WITHDRAWN, request_ref=legal_request.ref)
    assert withdrawn.details == {"proposal_ids": [proposal.pk]}
    approval = api(reviewer).post(f"/api/v1/requests/{legal_request.ref}/approval/", {"approve": True}, format="json")
    assert approval.status_code == 409
    assert not DisclosureSnapshot.objects.filter(legal_request=legal_request).exists()


def test_a_rejection_freezes_no_disclosed_data_to_shred(in_review_factory, officer_a, analyst, reviewer):
    legal_request = in_review_factory(officer_a)
    do_propose(legal_request=legal_request, actor=analyst, decision=Decision.REJECT, reasons=["No legal basis."])
    do_decide(legal_request=legal_request, actor=reviewer, approve=True)

    assert not SnapshotTarget.objects.filter(snapshot__legal_request=legal_request).exists()
