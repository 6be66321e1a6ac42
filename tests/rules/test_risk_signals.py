"""Risk signals: computed when a request is checked, stored with the check run, shown to the legal
team only; advisory (they block nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from requests_app.models import AgencyDomainChange, LegalRequest
from rules import risk
from rules.selectors import latest_check_run
from tests.conftest import api_client, submitted_create

WEDNESDAY_OFFICE = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York
SATURDAY_NIGHT = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)  # 03:00 in New York


def signals_of(legal_request: LegalRequest) -> set[str]:
    return {item["signal"] for item in latest_check_run(legal_request).risk_signals}


def submitted_at(moment: dt.datetime, officer, **overrides) -> LegalRequest:
    with time_machine.travel(moment, tick=False):
        return submitted_create(officer, **overrides)


@pytest.fixture
def seasoned(officer_a, agency_a):
    """Officer A with an account a year old, from an agency in New York whose domain is long known."""
    long_ago = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
    type(officer_a).objects.filter(pk=officer_a.pk).update(date_joined=long_ago)
    AgencyDomainChange.objects.filter(agency=agency_a).update(changed_at=long_ago)
    agency_a.timezone = "America/New_York"
    agency_a.save(update_fields=["timezone"])
    officer_a.refresh_from_db()
    return officer_a


def test_a_quiet_request_from_a_known_agency_has_no_signal_but_the_first_request(shipped_rules, seasoned):
    first = submitted_at(WEDNESDAY_OFFICE, seasoned)
    second = submitted_at(WEDNESDAY_OFFICE + dt.timedelta(hours=1), seasoned)

    assert signals_of(first) == {risk.FIRST_REQUEST}
    assert signals_of(second) == set()


def test_a_new_account_is_a_signal(shipped_rules, seasoned):
    type(seasoned).objects.filter(pk=seasoned.pk).update(date_joined=WEDNESDAY_OFFICE - dt.timedelta(days=3))

    legal_request = submitted_at(WEDNESDAY_OFFICE, seasoned)

    assert risk.NEW_ACCOUNT in signals_of(legal_request)
    message = next(
        s["message"] for s in latest_check_run(legal_request).risk_signals if s["signal"] == risk.NEW_ACCOUNT
    )
    assert message == "The officer's account was created 3 days ago."


@pytest.mark.parametrize(
    ("age", "words"), [(dt.timedelta(hours=5), "created today"), (dt.timedelta(days=1), "created yesterday")]
)
def test_a_new_account_age_reads_as_words(shipped_rules, seasoned, age, words):
    type(seasoned).objects.filter(pk=seasoned.pk).update(date_joined=WEDNESDAY_OFFICE - age)

    run = latest_check_run(submitted_at(WEDNESDAY_OFFICE, seasoned))

    assert f"The officer's account was {words}." in [s["message"] for s in run.risk_signals]


def test_a_recently_added_email_domain_is_a_signal(shipped_rules, seasoned, agency_a):
    AgencyDomainChange.objects.filter(agency=agency_a).update(changed_at=WEDNESDAY_OFFICE - dt.timedelta(days=2))

    assert risk.NEW_DOMAIN in signals_of(submitted_at(WEDNESDAY_OFFICE, seasoned))


def test_a_request_outside_the_agencys_office_hours_in_its_time_zone_is_a_signal(shipped_rules, seasoned):
    # 08:00 UTC on a Saturday is 03:00 in New York; the same hour on a weekday in UTC would be in hours
    assert risk.OUTSIDE_OFFICE_HOURS in signals_of(submitted_at(SATURDAY_NIGHT, seasoned))
    assert risk.OUTSIDE_OFFICE_HOURS not in signals_of(submitted_at(WEDNESDAY_OFFICE, seasoned))


def test_an_unusually_broad_scope_is_a_signal(shipped_rules, seasoned, settings):
    settings.LAWREQ_RISK_MAX_TARGETS = 1
    settings.LAWREQ_RISK_MAX_RANGE_DAYS = 10

    legal_request = submitted_at(
        WEDNESDAY_OFFICE,
        seasoned,
        categories=["ip_addresses", "phone_number", "subscriber_profile", "content"],
    )

    assert {risk.MANY_TARGETS, risk.LONG_RANGE, risk.ALL_CATEGORIES} <= signals_of(legal_request)


def test_several_emergencies_from_one_account_within_a_day_is_a_signal(shipped_rules, seasoned, settings):
    settings.LAWREQ_RISK_EMERGENCIES_PER_DAY = 2
    emergency = {
        "process_type": "emergency_disclosure",
        "emergency": True,
        "emergency_justification": "Life at risk.",
    }

    first = submitted_at(WEDNESDAY_OFFICE, seasoned, **emergency)
    second = submitted_at(WEDNESDAY_OFFICE + dt.timedelta(hours=3), seasoned, **emergency)
    next_week = submitted_at(WEDNESDAY_OFFICE + dt.timedelta(days=7), seasoned, **emergency)

    assert risk.EMERGENCY_BURST not in signals_of(first)
    assert risk.EMERGENCY_BURST in signals_of(second)
    assert risk.EMERGENCY_BURST not in signals_of(next_week)


def test_the_signals_are_those_known_at_the_check_and_block_nothing(shipped_rules, seasoned, agency_a):
    legal_request = submitted_at(SATURDAY_NIGHT, seasoned)
    check_run = latest_check_run(legal_request)

    # the agency's hours change later: the stored signals stay what was known then
    agency_a.timezone = "UTC"
    agency_a.office_days = [1, 2, 3, 4, 5, 6, 7]
    agency_a.save(update_fields=["timezone", "office_days"])

    assert risk.OUTSIDE_OFFICE_HOURS in signals_of(legal_request)
    assert check_run.recommendation == "proceed"
    assert legal_request.state == "in_review"


def test_the_legal_team_sees_the_signals_and_the_officer_does_not(shipped_rules, seasoned, analyst, client):
    legal_request = submitted_at(SATURDAY_NIGHT, seasoned)

    checks = api_client(analyst).get(f"/api/v1/requests/{legal_request.ref}/checks/").json()
    client.force_login(analyst)
    staff_page = client.get(reverse("web:staff-detail", kwargs={"ref": legal_request.ref})).content.decode()
    officer = api_client(seasoned)
    officer_views = [
        officer.get(f"/api/v1/requests/{legal_request.ref}/").content.decode(),
        officer.get(f"/api/v1/requests/{legal_request.ref}/checks/").content.decode(),
    ]
    client.force_login(seasoned)
    officer_views.append(client.get(reverse("web:portal-detail", kwargs={"ref": legal_request.ref})).content.decode())

    assert risk.OUTSIDE_OFFICE_HOURS in {item["signal"] for item in checks["risk_signals"]}
    assert 'id="risk-signals"' in staff_page and "outside the agency&#x27;s office hours" in staff_page
    for view in officer_views:
        assert risk.OUTSIDE_OFFICE_HOURS not in view and "office hours" not in view
