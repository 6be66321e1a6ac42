"""The legal team's workbench over the API: assignment, search by reference or case number, search
by target (staff only, audited with the identifier hashed)."""

from __future__ import annotations

import pytest

from audit.actions import AuditAction
from audit.services import audit_hash_identifier
from requests_app.services import ERR_ASSIGNEE_NOT_STAFF, ERR_ASSIGNEE_UNKNOWN
from tests.conftest import fr_request_payload

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/requests/"


def assign(client, legal_request, assignee):
    return client.post(f"{REQUESTS}{legal_request.ref}/assign/", {"assignee": assignee}, format="json")


def refs(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["ref"] for item in response.json()["results"]}


def test_an_analyst_assigns_a_request_to_a_reviewer_and_it_is_audited(
    draft_factory, officer_a, analyst, reviewer, api, audit_trail
):
    legal_request = draft_factory(officer_a)

    response = assign(api(analyst), legal_request, reviewer.username)

    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == reviewer.username
    audit_trail.assert_recorded(
        AuditAction.REQUEST_ASSIGNED, actor=analyst, request_ref=legal_request.ref, to=reviewer.pk, **{"from": None}
    )
    assert api(reviewer).get(f"{REQUESTS}{legal_request.ref}/").json()["assignee"] == reviewer.username


def test_null_unassigns(draft_factory, officer_a, analyst, api):
    legal_request = draft_factory(officer_a)
    assign(api(analyst), legal_request, analyst.username)

    response = assign(api(analyst), legal_request, None)

    assert response.status_code == 200 and response.json()["assignee"] is None


@pytest.mark.parametrize(
    ("who", "message"),
    [("officer_b", ERR_ASSIGNEE_NOT_STAFF), ("auditor", ERR_ASSIGNEE_NOT_STAFF), ("nobody", None)],
)
def test_only_legal_staff_can_be_assigned(draft_factory, officer_a, analyst, api, request, who, message):
    legal_request = draft_factory(officer_a)
    username = request.getfixturevalue(who).username if who != "nobody" else "no.such.user"

    response = assign(api(analyst), legal_request, username)

    assert response.status_code == 400
    expected = message or ERR_ASSIGNEE_UNKNOWN.format(username=username)
    assert response.json()["assignee"] == [expected]
    legal_request.refresh_from_db()
    assert legal_request.assignee is None


@pytest.mark.parametrize("who", ["officer_a", "auditor"])
def test_outside_the_legal_team_assigning_is_404(draft_factory, officer_a, analyst, api, request, who):
    legal_request = draft_factory(officer_a)

    response = assign(api(request.getfixturevalue(who)), legal_request, analyst.username)

    assert response.status_code == 404
    legal_request.refresh_from_db()
    assert legal_request.assignee is None


def test_bad_assign_bodies_are_400(draft_factory, officer_a, analyst, api):
    legal_request = draft_factory(officer_a)
    client = api(analyst)

    for body in ({}, {"assignee": 3}, {"assignee": ["x"]}, {"assignee": "x", "more": 1}):
        assert client.post(f"{REQUESTS}{legal_request.ref}/assign/", body, format="json").status_code == 400


def test_the_list_filters_assignee_me_and_none(draft_factory, officer_a, analyst, reviewer, api):
    mine, theirs, nobody = (draft_factory(officer_a) for _ in range(3))
    assign(api(analyst), mine, analyst.username)
    assign(api(analyst), theirs, reviewer.username)

    assert refs(api(analyst).get(REQUESTS, {"assignee": "me"})) == {mine.ref}
    assert refs(api(reviewer).get(REQUESTS, {"assignee": "me"})) == {theirs.ref}
    assert refs(api(analyst).get(REQUESTS, {"assignee": "none"})) == {nobody.ref}


def test_q_finds_a_request_by_reference_or_case_number_within_reach(draft_factory, officer_a, officer_b, analyst, api):
    american = draft_factory(officer_a)
    french = draft_factory(officer_b, **fr_request_payload())

    assert refs(api(analyst).get(REQUESTS, {"q": american.ref.lower()})) == {american.ref}
    assert refs(api(analyst).get(REQUESTS, {"q": "parquet-2026-118"})) == {french.ref}
    # an officer searches only their agency's requests
    assert refs(api(officer_a).get(REQUESTS, {"q": french.ref})) == set()
    assert refs(api(officer_b).get(REQUESTS, {"q": "PARQUET-2026-118"})) == {french.ref}


@pytest.mark.parametrize(
    "typed",
    ["+1 202-555-0199", "(202) 555-0199", "0012025550199", "@SomeOne", "someone"],
)
def test_target_finds_the_requests_naming_it_in_any_format_and_is_audited_hashed(
    draft_factory, officer_a, officer_b, analyst, api, audit_trail, typed
):
    american = draft_factory(officer_a)  # names @someone and (202) 555-0199
    draft_factory(officer_b, **fr_request_payload())

    response = api(analyst).get(REQUESTS, {"target": typed})

    assert refs(response) == {american.ref}
    entry = audit_trail.assert_recorded(
        AuditAction.TARGET_SEARCHED, actor=analyst, identifier_hash=audit_hash_identifier(typed)
    )
    assert typed not in str(entry.details)


def test_target_finds_an_account_id(draft_factory, officer_a, reviewer, api):
    legal_request = draft_factory(officer_a, targets=[{"type": "account_id", "value": "acc-77"}])

    assert refs(api(reviewer).get(REQUESTS, {"target": "acc-77"})) == {legal_request.ref}
    assert refs(api(reviewer).get(REQUESTS, {"target": "acc-78"})) == set()


def test_an_officer_searching_by_target_gets_403_recorded_as_a_denial_without_the_identifier(
    draft_factory, officer_a, api, audit_trail
):
    draft_factory(officer_a)

    response = api(officer_a).get(REQUESTS, {"target": "@someone"})

    assert response.status_code == 403
    audit_trail.assert_not_recorded(AuditAction.TARGET_SEARCHED)
    denial = audit_trail.assert_recorded(
        AuditAction.PERMISSION_DENIED, actor=officer_a, resource="requests_app.legalrequest.target_search"
    )
    assert "someone" not in str(denial.details)


def test_the_request_and_the_list_show_the_assignee(draft_factory, officer_a, analyst, api):
    legal_request = draft_factory(officer_a)
    assign(api(analyst), legal_request, analyst.username)

    listed = api(analyst).get(REQUESTS).json()["results"]

    assert [item["assignee"] for item in listed if item["ref"] == legal_request.ref] == [analyst.username]


def test_an_officer_never_learns_who_of_the_legal_team_has_the_request(draft_factory, officer_a, analyst, api):
    legal_request = draft_factory(officer_a)
    assign(api(analyst), legal_request, analyst.username)

    detail = api(officer_a).get(f"{REQUESTS}{legal_request.ref}/").json()
    listed = api(officer_a).get(REQUESTS).json()["results"]

    assert detail["assignee"] is None
    assert [item["assignee"] for item in listed] == [None]
    assert analyst.username not in str(detail) + str(listed)
