"""The rule engine's API: who reads and re-runs a request's checks, and the jurisdictions list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEntry
from rules.models import CheckRun
from workflow.services import do_submit, do_validate

JURISDICTIONS = "/api/v1/jurisdictions/"


def checks_url(ref: str) -> str:
    return f"/api/v1/requests/{ref}/checks/"


@pytest.fixture
def checked_request(shipped_rules, draft_factory, officer_a):
    today = timezone.now().date()
    legal_request = draft_factory(
        officer_a,
        issued_at=today - dt.timedelta(days=2),
        date_from=today - dt.timedelta(days=60),
        date_to=today - dt.timedelta(days=30),
    )
    do_submit(legal_request=legal_request, actor=officer_a)
    do_validate(legal_request_id=legal_request.pk)
    return legal_request


def test_analyst_reads_the_latest_check_results_and_versions(api, analyst, checked_request):
    response = api(analyst).get(checks_url(checked_request.ref))

    assert response.status_code == 200
    body = response.json()
    assert body["recommendation"] == "proceed"
    assert body["rule_versions"] == [
        {"ruleset": "platform", "version": 2, "effective_from": "2024-09-23"},
        {"ruleset": "US", "version": 1, "effective_from": "2000-01-01"},
    ]
    first = body["results"][0]
    assert {"rule", "outcome", "message", "citation"} <= set(first)
    assert first["rule"] == "policy.never_content" and first["outcome"] == "pass"


def test_reviewer_reads_the_check_results(api, reviewer, checked_request):
    assert api(reviewer).get(checks_url(checked_request.ref)).status_code == 200


def test_officer_is_told_the_checks_do_not_exist(api, officer_a, checked_request):
    assert api(officer_a).get(checks_url(checked_request.ref)).status_code == 404
    assert api(officer_a).post(checks_url(checked_request.ref)).status_code == 404


def test_auditor_may_not_read_or_run_checks(api, auditor, checked_request):
    # Outside the legal team a request's review does not exist, for auditors as for officers.
    assert api(auditor).get(checks_url(checked_request.ref)).status_code == 404
    assert api(auditor).post(checks_url(checked_request.ref)).status_code == 404


def test_anonymous_caller_must_authenticate(api, checked_request):
    assert api().get(checks_url(checked_request.ref)).status_code == 401
    assert api().get(JURISDICTIONS).status_code == 401


def test_checks_of_an_unknown_request_are_not_found(api, analyst, shipped_rules):
    assert api(analyst).get(checks_url("LR-2026-999999")).status_code == 404
    assert api(analyst).post(checks_url("LR-2026-999999")).status_code == 404


def test_analyst_runs_the_checks_again_and_it_is_audited(api, analyst, checked_request):
    response = api(analyst).post(checks_url(checked_request.ref))

    assert response.status_code == 201
    assert response.json()["run_by"] == analyst.username
    assert CheckRun.objects.filter(legal_request=checked_request).count() == 2
    entry = AuditEntry.objects.filter(action=AuditAction.REQUEST_CHECKED, request_ref=checked_request.ref).last()
    assert entry.actor_id == analyst.pk
    assert entry.details["check_run"] == response.json()["check_run"]


def test_reviewer_may_not_run_the_checks_again(api, reviewer, checked_request):
    assert api(reviewer).post(checks_url(checked_request.ref)).status_code == 403
    assert CheckRun.objects.filter(legal_request=checked_request).count() == 1


def test_checks_of_a_draft_cannot_be_run(api, analyst, shipped_rules, draft_factory, officer_a):
    draft = draft_factory(officer_a)

    assert api(analyst).get(checks_url(draft.ref)).json()["results"] == []
    assert api(analyst).post(checks_url(draft.ref)).status_code == 409


def test_every_authenticated_user_lists_the_jurisdictions(api, officer_a, auditor, shipped_rules):
    for user in (officer_a, auditor):
        response = api(user).get(JURISDICTIONS)

        assert response.status_code == 200
        listed = {item["code"]: item for item in response.json()}
        assert listed["US"]["name"] == "United States"
        assert "subpoena" in listed["US"]["process_types"]
        assert "content" not in listed["US"]["categories"]
        assert {"code", "name", "process_types", "categories"} <= set(listed["FR"])


def test_checks_of_a_decided_request_cannot_be_run_again(api, analyst, reviewer, checked_request):
    from workflow.services import do_decide, do_propose

    do_propose(legal_request=checked_request, actor=analyst, decision="reject", reasons=["Out of scope."])
    do_decide(legal_request=checked_request, actor=reviewer, approve=True)

    assert api(analyst).post(checks_url(checked_request.ref)).status_code == 409
    assert CheckRun.objects.filter(legal_request=checked_request).count() == 1


@pytest.mark.parametrize("closing", ["withdraw", "approve_rejection"])
def test_checks_are_not_run_again_on_a_closed_request_through_the_api(
    api, analyst, reviewer, officer_a, checked_request, closing
):
    from disclosure.models import Decision
    from rules.services import ERR_CHECK_STATE
    from workflow.services import do_decide, do_propose, do_withdraw

    if closing == "withdraw":
        do_withdraw(legal_request=checked_request, actor=officer_a)
    else:
        do_propose(legal_request=checked_request, actor=analyst, decision=Decision.REJECT, reasons=["No legal basis."])
        do_decide(legal_request=checked_request, actor=reviewer, approve=True)
    checked_request.refresh_from_db()
    runs = CheckRun.objects.filter(legal_request=checked_request).count()

    response = api(analyst).post(checks_url(checked_request.ref))

    assert response.status_code == 409
    assert response.json()["detail"] == ERR_CHECK_STATE.format(state=checked_request.state)
    assert CheckRun.objects.filter(legal_request=checked_request).count() == runs
