"""Checking stored requests: the check run, its audit entry, and the hand-over after submission."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEntry
from lawreq.errors import Conflict
from requests_app.states import State
from rules.models import CheckRun, ImmutableError, RuleSetVersion
from rules.selectors import latest_check_run, officer_findings
from rules.services import legal_request_check
from workflow.services import do_submit, do_validate, do_withdraw
from workflow.tasks import validate_request


def _recent(**overrides) -> dict:
    today = timezone.now().date()
    return {
        "issued_at": today - dt.timedelta(days=2),
        "date_from": today - dt.timedelta(days=60),
        "date_to": today - dt.timedelta(days=30),
        **overrides,
    }


@pytest.fixture
def received(shipped_rules, draft_factory):
    """A request submitted by ``officer`` whose background validation has not run yet."""

    def build(officer, **overrides):
        legal_request = draft_factory(officer, **_recent(**overrides))
        do_submit(legal_request=legal_request, actor=officer)
        legal_request.refresh_from_db()
        assert legal_request.state == State.RECEIVED
        return legal_request

    return build


def test_a_valid_request_goes_to_review_with_a_proceed_recommendation(received, officer_a):
    legal_request = received(officer_a)

    do_validate(legal_request_id=legal_request.pk)

    legal_request.refresh_from_db()
    check_run = latest_check_run(legal_request)
    assert legal_request.state == State.IN_REVIEW
    assert check_run.recommendation == "proceed"
    assert [v["ruleset"] for v in check_run.versions] == ["platform", "US"]
    assert check_run.allowed_categories == ["phone_number", "ip_addresses"]


def test_a_french_court_order_is_judged_by_eu_and_french_rules(received, officer_b):
    legal_request = received(officer_b)

    check_run = legal_request_check(legal_request=legal_request)

    assert check_run.recommendation == "proceed"
    assert [v["ruleset"] for v in check_run.versions] == ["platform", "EU", "FR"]
    assert set(check_run.rule_set_versions.values_list("ruleset__key", flat=True)) == {"platform", "EU", "FR"}


def test_missing_information_sends_the_request_back_to_the_officer_with_what_is_missing(received, officer_a):
    legal_request = received(officer_a, case_number="")

    do_validate(legal_request_id=legal_request.pk)

    legal_request.refresh_from_db()
    assert legal_request.state == State.NEEDS_INFO
    assert "Missing: the case number." in legal_request.info_requested
    assert latest_check_run(legal_request).recommendation == "needs_info"


def test_a_failing_request_goes_to_review_with_a_reject_recommendation(received, officer_a):
    legal_request = received(officer_a, categories=["content"])

    do_validate(legal_request_id=legal_request.pk)

    legal_request.refresh_from_db()
    check_run = latest_check_run(legal_request)
    assert legal_request.state == State.IN_REVIEW
    assert check_run.recommendation == "reject"
    assert check_run.allowed_categories == []


def test_the_decision_in_the_audit_log_names_the_rule_versions(received, officer_a):
    legal_request = received(officer_a)

    do_validate(legal_request_id=legal_request.pk)

    checked = AuditEntry.objects.get(action=AuditAction.REQUEST_CHECKED, request_ref=legal_request.ref)
    moved = AuditEntry.objects.filter(action=AuditAction.REQUEST_TRANSITIONED, request_ref=legal_request.ref).last()
    expected_versions = [
        {"ruleset": "platform", "version": 2, "effective_from": "2024-09-23"},
        {"ruleset": "US", "version": 1, "effective_from": "2000-01-01"},
    ]
    assert checked.details["rule_versions"] == expected_versions
    assert checked.details["recommendation"] == "proceed"
    assert checked.role == "system"
    assert moved.details["to"] == State.IN_REVIEW
    assert moved.details["rule_versions"] == expected_versions


def test_validation_runs_once_even_when_the_task_is_delivered_twice(received, officer_a):
    legal_request = received(officer_a)

    do_validate(legal_request_id=legal_request.pk)
    do_validate(legal_request_id=legal_request.pk)

    assert CheckRun.objects.filter(legal_request=legal_request).count() == 1


def test_a_request_withdrawn_before_validation_is_left_alone(received, officer_a):
    legal_request = received(officer_a)
    do_withdraw(legal_request=legal_request, actor=officer_a)

    do_validate(legal_request_id=legal_request.pk)

    legal_request.refresh_from_db()
    assert legal_request.state == State.WITHDRAWN
    assert not CheckRun.objects.filter(legal_request=legal_request).exists()


def test_validating_an_unknown_request_does_nothing(shipped_rules):
    do_validate(legal_request_id=987654)

    assert not CheckRun.objects.exists()


def test_an_emergency_is_flagged_for_out_of_band_verification(received, officer_a):
    legal_request = received(
        officer_a, process_type="emergency_disclosure", emergency=True, emergency_justification="Threat to life"
    )

    do_validate(legal_request_id=legal_request.pk)

    check_run = latest_check_run(legal_request)
    assert check_run.out_of_band_verification is True
    assert check_run.recommendation == "proceed"
    assert check_run.response_deadline == legal_request.received_at + dt.timedelta(hours=8)


def test_the_officer_reads_missing_and_wrong_information_but_no_identity_checks(received, officer_a, agency_a):
    agency_a.verified = False
    agency_a.save()
    legal_request = received(officer_a, case_number="", categories=["content"])

    findings = officer_findings(legal_request_check(legal_request=legal_request))

    assert any("Missing: the case number." in finding for finding in findings)
    assert any("never discloses message content" in finding for finding in findings)
    assert not any("agency" in finding.lower() for finding in findings)


def test_an_officer_whose_domain_does_not_match_fails_the_identity_check(received, officer_a):
    officer_a.email = "alice@gmail.com"
    officer_a.save()
    legal_request = received(officer_a)

    check_run = legal_request_check(legal_request=legal_request)

    outcomes = {result["rule"]: result["outcome"] for result in check_run.results}
    assert outcomes["policy.officer_domain"] == "fail"
    assert check_run.recommendation == "reject"


def test_a_draft_is_not_checked(shipped_rules, draft_factory, officer_a):
    legal_request = draft_factory(officer_a, **_recent())

    with pytest.raises(Conflict):
        legal_request_check(legal_request=legal_request)


def test_the_task_validates_the_request(received, officer_a):
    legal_request = received(officer_a)

    validate_request.delay(legal_request.pk)

    legal_request.refresh_from_db()
    assert legal_request.state == State.IN_REVIEW


def test_submission_enqueues_validation_after_commit(
    shipped_rules, draft_factory, officer_a, django_capture_on_commit_callbacks
):
    legal_request = draft_factory(officer_a, **_recent())

    with django_capture_on_commit_callbacks(execute=True):
        do_submit(legal_request=legal_request, actor=officer_a)

    legal_request.refresh_from_db()
    assert legal_request.state == State.IN_REVIEW
    assert latest_check_run(legal_request) is not None


def test_submission_uses_the_rules_deadline(shipped_rules, draft_factory, officer_a, officer_b):
    us_request = draft_factory(officer_a, **_recent())
    fr_emergency = draft_factory(
        officer_b, **_recent(process_type="production_order", emergency=True, emergency_justification="Threat to life")
    )

    do_submit(legal_request=us_request, actor=officer_a)
    do_submit(legal_request=fr_emergency, actor=officer_b)

    us_request.refresh_from_db()
    fr_emergency.refresh_from_db()
    assert us_request.due_at == us_request.received_at + dt.timedelta(days=10)
    assert fr_emergency.due_at == fr_emergency.received_at + dt.timedelta(hours=8)


def test_a_check_keeps_the_versions_it_was_made_under_after_the_rules_change(received, officer_a):
    from rules.services import rules_export, rules_load

    legal_request = received(officer_a)
    first = legal_request_check(legal_request=legal_request)
    rules_load(text=rules_export(jurisdiction_code="US").replace("days: 90\n", "days: 120\n", 1))

    second = legal_request_check(legal_request=legal_request)

    first.refresh_from_db()
    assert [v["version"] for v in first.versions if v["ruleset"] == "US"] == [1]
    assert [v["version"] for v in second.versions if v["ruleset"] == "US"] == [2]
    assert RuleSetVersion.objects.filter(ruleset__key="US").count() == 2


def test_check_runs_are_immutable(received, officer_a):
    check_run = legal_request_check(legal_request=received(officer_a))
    check_run.recommendation = "proceed"

    with pytest.raises(ImmutableError):
        check_run.save()
    with pytest.raises(ImmutableError):
        CheckRun.objects.filter(pk=check_run.pk).update(recommendation="reject")


def test_the_task_retries_when_the_database_is_briefly_unavailable(received, officer_a, monkeypatch):
    from django.db import OperationalError

    import workflow.services

    legal_request = received(officer_a)
    calls = []

    def flaky_validate(*, legal_request_id):
        calls.append(legal_request_id)
        if len(calls) == 1:
            raise OperationalError("could not connect to server")
        do_validate(legal_request_id=legal_request_id)

    monkeypatch.setattr(workflow.services, "do_validate", flaky_validate)
    monkeypatch.setattr(validate_request, "default_retry_delay", 0)

    result = validate_request.apply(args=[legal_request.pk], throw=False)

    legal_request.refresh_from_db()
    assert result.successful()
    assert calls == [legal_request.pk, legal_request.pk]
    assert legal_request.state == State.IN_REVIEW
