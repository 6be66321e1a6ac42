"""The review endpoints over HTTP: who reaches them, and that no input gives a 500."""

from __future__ import annotations

import pytest

from disclosure.models import Approval, Proposal
from disclosure.services import ERR_CATEGORY_NOT_ASKED, ERR_OWN_PROPOSAL, ERR_TARGET_FOREIGN
from requests_app.models import LegalRequest
from requests_app.states import State
from tests.conftest import SHARED_PER_MODULE, api_client, in_review_create
from tests.subscribers.conftest import make_account_row

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]

GOOD_PROPOSAL = {
    "decision": "disclose",
    "categories": ["ip_addresses"],
    "date_from": "2026-10-10",
    "date_to": "2026-10-20",
    "reason": "Narrowed to the days of the offence.",
}


def propose_through_the_api(legal_request, analyst) -> LegalRequest:
    response = api_client(analyst).post(f"/api/v1/requests/{legal_request.ref}/proposal/", GOOD_PROPOSAL, format="json")
    assert response.status_code == 201, response.json()
    return legal_request


@pytest.fixture(scope="module")
def module_account(module_transaction, django_db_blocker) -> None:
    """The account behind '@someone', with one IP event in the requested period."""
    with django_db_blocker.unblock():
        make_account_row("acc-1", username="someone", events=[("2026-10-15 12:00:00", "203.0.113.7", 443)])


@pytest.fixture
def in_review(in_review_factory, officer_a, module_account):
    return in_review_factory(officer_a)


@pytest.fixture
def pending(in_review, analyst):
    return propose_through_the_api(in_review, analyst)


@pytest.fixture(scope="module")
def module_requests(module_cast, module_shipped_rules, module_account, django_db_blocker) -> dict[str, int]:
    """A request in review and one with a proposal waiting, as ``in_review`` and ``pending`` make
    them, for the tests that do not change them."""
    with django_db_blocker.unblock():
        officer_a = module_cast.get("officer_a")
        pending = propose_through_the_api(in_review_create(officer_a), module_cast.get("analyst"))
        return {"in_review": in_review_create(officer_a).pk, "pending": pending.pk}


@pytest.fixture
def shared_in_review(module_requests) -> LegalRequest:
    return LegalRequest.objects.get(pk=module_requests["in_review"])


@pytest.fixture
def shared_pending(module_requests) -> LegalRequest:
    return LegalRequest.objects.get(pk=module_requests["pending"])


def url(legal_request, what: str) -> str:
    return f"/api/v1/requests/{legal_request.ref}/{what}/"


def test_an_analyst_proposes_through_the_api(in_review, api, analyst):
    response = api(analyst).post(url(in_review, "proposal"), GOOD_PROPOSAL, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["decision"], body["status"], body["state"], body["proposed_by"]) == (
        "disclose",
        "open",
        "pending_approval",
        "anna.analyst",
    )
    assert [t["categories"] for t in body["targets"]] == [["ip_addresses"], ["ip_addresses"]]


def test_staff_read_the_current_proposal(shared_pending, api, reviewer):
    body = api(reviewer).get(url(shared_pending, "proposal")).json()

    assert (body["decision"], body["status"], body["approval"]) == ("disclose", "open", None)


def test_no_proposal_yet_is_not_found(shared_in_review, api, analyst):
    assert api(analyst).get(url(shared_in_review, "proposal")).status_code == 404
    assert api(analyst).get(url(shared_in_review, "snapshot")).status_code == 404


def test_a_reviewer_approves_and_the_legal_team_reads_the_snapshot(pending, api, reviewer, analyst):
    response = api(reviewer).post(url(pending, "approval"), {"approve": True, "comment": "Fine."}, format="json")

    assert response.status_code == 200
    assert response.json()["approval"]["approved_by"] == "rita.reviewer"
    snapshot = api(analyst).get(url(pending, "snapshot")).json()
    assert snapshot["targets"][0]["ip_events"] == [{"ts": "2026-10-15T12:00:00Z", "ip": "203.0.113.7", "port": 443}]


def test_the_proposer_approving_gets_409(in_review, api, analyst_reviewer):
    assert api(analyst_reviewer).post(url(in_review, "proposal"), GOOD_PROPOSAL, format="json").status_code == 201

    response = api(analyst_reviewer).post(url(in_review, "approval"), {"approve": True}, format="json")

    assert response.status_code == 409
    assert response.json()["detail"] == ERR_OWN_PROPOSAL


def test_an_analyst_approving_gets_403(shared_pending, api, django_user_model):
    from django.contrib.auth.models import Group

    other = django_user_model.objects.create_user(username="second.analyst")
    other.groups.add(Group.objects.get(name="analyst"))

    assert api(other).post(url(shared_pending, "approval"), {"approve": True}, format="json").status_code == 403


def test_a_reviewer_proposing_gets_403(shared_in_review, api, reviewer):
    assert api(reviewer).post(url(shared_in_review, "proposal"), GOOD_PROPOSAL, format="json").status_code == 403


@pytest.mark.parametrize("who", ["officer_a", "officer_b", "auditor"])
@pytest.mark.parametrize(
    ("method", "what", "body"),
    [
        ("post", "proposal", GOOD_PROPOSAL),
        ("get", "proposal", None),
        ("post", "approval", {"approve": True}),
        ("get", "snapshot", None),
    ],
)
def test_outside_the_legal_team_every_review_endpoint_is_404(pending, api, reviewer, request, who, method, what, body):
    api(reviewer).post(url(pending, "approval"), {"approve": True}, format="json")
    client = api(request.getfixturevalue(who))

    response = getattr(client, method)(url(pending, what), body, format="json")

    assert response.status_code == 404
    assert "ip_events" not in response.content.decode()


@pytest.mark.parametrize(("method", "what"), [("post", "proposal"), ("post", "approval"), ("get", "snapshot")])
def test_anonymous_callers_get_401(shared_pending, api, method, what):
    assert getattr(api(None), method)(url(shared_pending, what), {}, format="json").status_code == 401


def test_an_unknown_request_is_404(api, analyst, db):
    assert (
        api(analyst).post("/api/v1/requests/LR-2026-999999/proposal/", GOOD_PROPOSAL, format="json").status_code == 404
    )


def test_proposing_in_the_wrong_state_is_409(shared_pending, api, analyst):
    assert api(analyst).post(url(shared_pending, "proposal"), GOOD_PROPOSAL, format="json").status_code == 409


def test_approving_in_review_is_409(shared_in_review, api, reviewer):
    assert api(reviewer).post(url(shared_in_review, "approval"), {"approve": True}, format="json").status_code == 409


def test_a_wider_proposal_names_the_field(shared_in_review, api, analyst):
    response = api(analyst).post(
        url(shared_in_review, "proposal"), {**GOOD_PROPOSAL, "categories": ["subscriber_profile"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"categories": [ERR_CATEGORY_NOT_ASKED.format(category="subscriber_profile")]}


def test_a_target_of_another_request_names_the_field(shared_in_review, in_review_factory, officer_a, api, analyst):
    foreign = in_review_factory(officer_a, case_number="2026-CR-0077").targets.first()

    response = api(analyst).post(
        url(shared_in_review, "proposal"), {**GOOD_PROPOSAL, "targets": [foreign.pk]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"targets": [ERR_TARGET_FOREIGN.format(id=foreign.pk)]}


BAD_PROPOSALS = [
    ["not", "an", "object"],
    "a string",
    {},
    {**GOOD_PROPOSAL, "decision": "publish"},
    {**GOOD_PROPOSAL, "decision": None},
    {**GOOD_PROPOSAL, "categories": "ip_addresses"},
    {**GOOD_PROPOSAL, "categories": ["ip_addresses", "ip_addresses"]},
    {**GOOD_PROPOSAL, "categories": [{"$ne": None}]},
    {**GOOD_PROPOSAL, "date_from": "10/10/2026"},
    {**GOOD_PROPOSAL, "date_from": 20261010},
    {**GOOD_PROPOSAL, "date_to": "2026-02-30"},
    {**GOOD_PROPOSAL, "date_from": "2026-10-20", "date_to": "2026-10-10"},
    {**GOOD_PROPOSAL, "targets": ["1"]},
    {**GOOD_PROPOSAL, "targets": [True]},
    {**GOOD_PROPOSAL, "targets": [-1]},
    {**GOOD_PROPOSAL, "targets": [2**70]},
    {**GOOD_PROPOSAL, "targets": [{"id": 1, "admin": True}]},
    {**GOOD_PROPOSAL, "targets": [{"categories": ["ip_addresses"]}]},
    {**GOOD_PROPOSAL, "targets": list(range(1, 10_001))},
    {**GOOD_PROPOSAL, "targets": {"id": 1}},
    {**GOOD_PROPOSAL, "reason": "x" * 100_000},
    {**GOOD_PROPOSAL, "reason": "null \x00 byte"},
    {**GOOD_PROPOSAL, "reason": 42},
    {**GOOD_PROPOSAL, "reasons": "one reason"},
    {**GOOD_PROPOSAL, "approved": True},
    {"decision": "reject"},
    {"decision": "need_info", "reason": ""},
]


@pytest.mark.parametrize("body", BAD_PROPOSALS)
def test_bad_proposals_are_400_and_change_nothing(shared_in_review, api, analyst, body):
    proposals = Proposal.objects.count()

    response = api(analyst).post(url(shared_in_review, "proposal"), body, format="json")

    assert response.status_code == 400, response.content
    shared_in_review.refresh_from_db()
    assert shared_in_review.state == State.IN_REVIEW and Proposal.objects.count() == proposals


@pytest.mark.parametrize("raw", [b"{", b"\xff\xfe", b"null", b"[]", b'{"decision": "disclose", ' * 1000])
def test_malformed_json_is_400(shared_in_review, api, analyst, raw):
    response = api(analyst).post(url(shared_in_review, "proposal"), raw, content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"approve": "yes"},
        {"approve": 1},
        {"approve": None},
        {"approve": True, "comment": 5},
        {"approve": True, "comment": "x" * 10_000},
        {"approve": True, "as_user": "rita.reviewer"},
        [True],
    ],
)
def test_bad_approvals_are_400_and_change_nothing(shared_pending, api, reviewer, body):
    response = api(reviewer).post(url(shared_pending, "approval"), body, format="json")

    assert response.status_code == 400, response.content
    shared_pending.refresh_from_db()
    assert shared_pending.state == State.PENDING_APPROVAL and not Approval.objects.exists()


def test_a_proposal_keeps_its_reasons_for_the_letter_apart_from_the_justification(in_review, api, analyst):
    body = {**GOOD_PROPOSAL, "reasons": ["Only the days of the offence are needed."]}

    response = api(analyst).post(url(in_review, "proposal"), body, format="json")

    assert response.status_code == 201
    proposal = response.json()
    assert proposal["reason"] == GOOD_PROPOSAL["reason"]
    assert proposal["reasons"] == ["Only the days of the offence are needed."]


def test_a_rejection_with_only_a_justification_is_400_on_reasons(in_review, api, analyst):
    body = {"decision": "reject", "reason": "Internal: the agency is under review by our team."}

    response = api(analyst).post(url(in_review, "proposal"), body, format="json")

    assert response.status_code == 400
    assert "reasons" in response.json()
    assert not Proposal.objects.filter(legal_request=in_review).exists()
