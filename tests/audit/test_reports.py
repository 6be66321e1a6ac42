"""Report figures against independent recounts over a generated history of a few thousand requests."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEntry
from audit.services import audit_permission_denied, audit_record
from audit.verification import audit_chain_verify
from demo.audit_history import audit_bulk_append, synthetic_history_rows, synthetic_requests
from lawreq.errors import InvalidInput
from reports.selectors import (
    activity_report,
    half_year_bounds,
    permission_denials_report,
    personal_data_access_report,
    sla_report,
    transparency_report,
)
from requests_app import services as request_services
from requests_app.choices import Outcome
from requests_app.models import LegalRequest
from workflow.services import do_submit

pytestmark = pytest.mark.django_db

HALVES = [(2025, 1), (2025, 2), (2026, 1), (2026, 2)]
FIGURES = (
    "received",
    "emergency",
    "disclosed",
    "partially_disclosed",
    "no_records",
    "preserved",
    "rejected",
    "withdrawn",
    "accounts_affected",
)


@pytest.fixture
def history():
    requests = synthetic_requests(
        3000, start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2026, 12, 31, tzinfo=dt.UTC), seed=2026
    )
    audit_bulk_append(synthetic_history_rows(requests))
    return requests


def count_from_ground_truth(requests, start, end) -> dict[str, Counter]:
    """What the generator decided, counted without looking at the audit trail."""
    figures: dict[str, Counter] = defaultdict(Counter)
    for request in requests:
        row = figures[request.jurisdiction]
        if start <= request.received_at < end:
            row["received"] += 1
            row[f"process:{request.process_type}"] += 1
            row["emergency"] += request.emergency
        if request.answered_at and start <= request.answered_at < end:
            if request.fate == "responded":
                row[request.outcome] += 1
                row["accounts_affected"] += request.accounts_affected
            else:
                row[request.fate] += 1
    return {code: counts for code, counts in figures.items() if +counts}


def recount_from_audit_trail(start, end) -> dict[str, Counter]:
    """Replaying every transition entry in Python, as an auditor with only the trail would."""
    figures: dict[str, Counter] = defaultdict(Counter)
    transitions = AuditEntry.objects.filter(action=AuditAction.REQUEST_TRANSITIONED).order_by("seq")
    for created_at, details in transitions.values_list("created_at", "details").iterator():
        if not start <= created_at < end:
            continue
        row = figures[details["jurisdiction"]]
        if (details["from"], details["to"]) == ("draft", "received"):
            row["received"] += 1
            row[f"process:{details['process_type']}"] += 1
            row["emergency"] += details["emergency"]
        elif details["to"] == "responded":
            row[details["outcome"]] += 1
            row["accounts_affected"] += details["accounts_affected"]
        elif details["to"] in ("rejected", "withdrawn"):
            row[details["to"]] += 1
    return {code: counts for code, counts in figures.items() if +counts}


def report_as_counters(report) -> dict[str, Counter]:
    result = {}
    for row in report.jurisdictions:
        counts = Counter({name: getattr(row, name) for name in FIGURES})
        counts.update({f"process:{name}": count for name, count in row.by_process_type.items()})
        result[row.jurisdiction] = +counts
    return result


def test_transparency_report_matches_a_recount_from_the_audit_trail(history):
    for year, half in HALVES:
        start, end = half_year_bounds(year, half)

        report = transparency_report(year=year, half=half)

        assert report_as_counters(report) == recount_from_audit_trail(start, end), (year, half)
        assert report_as_counters(report) == count_from_ground_truth(history, start, end), (year, half)


def test_generated_history_is_a_valid_chain_and_the_report_is_not_empty(history):
    assert audit_chain_verify().ok
    report = transparency_report(year=2026, half=1)
    assert report.totals.received > 500
    assert report.totals.disclosed > 0 and report.totals.rejected > 0 and report.totals.emergency > 0
    # preservation orders are answered by preserving: never counted as disclosed
    assert report.totals.preserved > 0
    assert sum(report.totals.by_process_type.values()) == report.totals.received


def test_a_request_received_again_after_more_information_counts_once(history):
    asked = [r for r in history if r.asked_for_info and r.received_at.year == 2025 and r.received_at.month <= 6]
    assert asked, "the generated history includes requests that went back for information"
    start, end = half_year_bounds(2025, 1)
    received = sum(1 for r in history if start <= r.received_at < end)
    assert transparency_report(year=2025, half=1).totals.received == received


def test_transparency_report_counts_requests_moved_by_the_request_services(officer_a, analyst, reviewer, draft_factory):
    # given two US requests taken through the services: one disclosed for two accounts, one rejected
    disclosed, rejected = draft_factory(officer_a), draft_factory(officer_a, emergency=False)
    for legal_request in (disclosed, rejected):
        do_submit(legal_request=legal_request, actor=officer_a)
        request_services.legal_request_start_review(legal_request=legal_request, actor=analyst)
        request_services.legal_request_await_approval(legal_request=legal_request, actor=analyst)
    request_services.legal_request_approve(legal_request=disclosed, actor=reviewer)
    request_services.legal_request_mark_responded(
        legal_request=disclosed, outcome=Outcome.DISCLOSED, accounts_affected=2, actor=reviewer
    )
    request_services.legal_request_reject(legal_request=rejected, actor=reviewer, reasons=["no legal basis"])
    now = timezone.now()

    # when
    report = transparency_report(year=now.year, half=1 if now.month <= 6 else 2)

    # then
    (us,) = report.jurisdictions
    assert (us.jurisdiction, us.received, us.disclosed, us.rejected, us.accounts_affected) == ("US", 2, 1, 1, 2)
    assert us.by_process_type == {LegalRequest.objects.get(pk=disclosed.pk).process_type: 2}


def test_contested_counts_the_legal_teams_pushback_not_the_checks_questions(
    officer_a, analyst, reviewer, draft_factory
):
    by_checks, by_legal_team = draft_factory(officer_a), draft_factory(officer_a, emergency=False)
    for legal_request in (by_checks, by_legal_team):
        do_submit(legal_request=legal_request, actor=officer_a)
    # the rule engine sends one back (no actor: role system); an analyst sends the other back
    request_services.legal_request_ask_for_info(legal_request=by_checks, question="An identifier is missing.")
    request_services.legal_request_start_review(legal_request=by_legal_team, actor=analyst)
    request_services.legal_request_ask_for_info(legal_request=by_legal_team, question="Which account?", actor=analyst)
    for legal_request in (by_checks, by_legal_team):
        legal_request.refresh_from_db()
        do_submit(legal_request=legal_request, actor=officer_a)
        request_services.legal_request_start_review(legal_request=legal_request, actor=analyst)
        request_services.legal_request_await_approval(legal_request=legal_request, actor=analyst)
        request_services.legal_request_reject(legal_request=legal_request, actor=reviewer, reasons=["no legal basis"])
    now = timezone.now()

    report = transparency_report(year=now.year, half=1 if now.month <= 6 else 2)

    assert (report.totals.rejected, report.totals.contested) == (2, 1)


@pytest.mark.parametrize(("year", "half"), [(1999, 1), (2026, 3), (2026, 0)])
def test_transparency_report_refuses_periods_that_are_not_half_years(year, half):
    with pytest.raises(InvalidInput):
        transparency_report(year=year, half=half)


def test_activity_report_counts_entries_by_month_user_and_action(analyst, auditor):
    for _ in range(3):
        audit_record(action=AuditAction.REQUEST_VIEWED, actor=analyst, request_ref="LR-2026-000001")
    audit_record(action=AuditAction.AUDIT_VERIFIED, actor=auditor)

    rows = activity_report(period="month")

    month = timezone.now().date().replace(day=1).isoformat()
    assert {(r["period_start"], r["actor"], r["action"], r["count"]) for r in rows} == {
        (month, analyst.username, AuditAction.REQUEST_VIEWED, 3),
        (month, auditor.username, AuditAction.AUDIT_VERIFIED, 1),
    }


def test_personal_data_access_report_counts_reads_and_distinct_requests(analyst, reviewer):
    for ref in ("LR-2026-000001", "LR-2026-000001", "LR-2026-000002"):
        audit_record(action=AuditAction.REQUEST_VIEWED, actor=analyst, request_ref=ref)
    audit_record(action=AuditAction.SNAPSHOT_READ, actor=reviewer, request_ref="LR-2026-000002")
    audit_record(action=AuditAction.REQUEST_CREATED, actor=analyst, request_ref="LR-2026-000003")

    rows = {(r["actor"], r["action"]): (r["count"], r["requests"]) for r in personal_data_access_report()}

    assert rows == {
        (analyst.username, AuditAction.REQUEST_VIEWED): (3, 2),
        (reviewer.username, AuditAction.SNAPSHOT_READ): (1, 1),
    }


def test_permission_denials_report_groups_by_user_and_resource(officer_b, auditor):
    for ref in ("LR-2026-000001", "LR-2026-000002"):
        audit_permission_denied(actor=officer_b, resource="requests_app.legalrequest", request_ref=ref)
    audit_permission_denied(actor=auditor, resource="disclosure.snapshot", request_ref="LR-2026-000001")

    rows = [(r["actor"], r["resource"], r["count"], r["requests"]) for r in permission_denials_report()]

    assert rows == [
        (officer_b.username, "requests_app.legalrequest", 2, 2),
        (auditor.username, "disclosure.snapshot", 1, 1),
    ]


def test_sla_report_names_requests_answered_after_their_deadline(officer_a, analyst, reviewer, draft_factory):
    on_time, late = draft_factory(officer_a), draft_factory(officer_a)
    for legal_request in (on_time, late):
        do_submit(legal_request=legal_request, actor=officer_a)
        request_services.legal_request_start_review(legal_request=legal_request, actor=analyst)
        request_services.legal_request_await_approval(legal_request=legal_request, actor=analyst)
        request_services.legal_request_reject(legal_request=legal_request, actor=reviewer, reasons=["x"])
    LegalRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=30))

    report = sla_report()

    assert report["jurisdictions"] == [
        {
            "jurisdiction": "US",
            "answered": 2,
            "late": 1,
            "median_late_hours": report["late_requests"][0]["late_by_hours"],
            "max_late_hours": report["late_requests"][0]["late_by_hours"],
        }
    ]
    (late_row,) = report["late_requests"]
    assert late_row["ref"] == late.ref and 29.9 <= late_row["late_by_hours"] <= 30.5


def test_personal_data_access_report_counts_document_downloads_and_target_searches(
    api, officer_a, analyst, draft_factory
):
    from requests_app.selectors import legal_requests_naming_target, legal_requests_visible_to
    from requests_app.services import legal_document_download

    legal_request = draft_factory(officer_a)
    document = legal_request.documents.get()
    api(analyst).get(f"/api/v1/requests/{legal_request.ref}/documents/{document.pk}/")
    legal_document_download(legal_request=legal_request, actor=officer_a, document_id=document.pk)
    list(legal_requests_naming_target(legal_requests_visible_to(analyst), identifier="+12025550199", actor=analyst))

    rows = {(r["actor"], r["action"]): (r["count"], r["requests"]) for r in personal_data_access_report()}

    assert rows[(analyst.username, AuditAction.DOCUMENT_DOWNLOADED)] == (1, 1)
    assert rows[(officer_a.username, AuditAction.DOCUMENT_DOWNLOADED)] == (1, 1)
    assert rows[(analyst.username, AuditAction.TARGET_SEARCHED)][0] == 1
