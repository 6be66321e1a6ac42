"""The table of cases per shipped jurisdiction, evaluated by the pure engine on the shipped files.

Each case is one request and the outcome of every rule that does not pass (all others pass), and
the overall recommendation.
"""

from __future__ import annotations

import datetime as dt

import pytest

from rules.engine import NEEDS_INFO, PROCEED, REJECT
from tests.rules.conftest import fr_facts, judge, not_passed, us_facts

OLD_POLICY_DAY = dt.datetime(2024, 9, 1, 10, 0, tzinfo=dt.UTC)
NEW_POLICY_DAY = dt.datetime(2024, 10, 1, 10, 0, tzinfo=dt.UTC)


def _us_court_order_received(received_at: dt.datetime, **overrides):
    day = received_at.date()
    return us_facts(
        process_type="court_order",
        issuing_authority_type="judge",
        issuing_authority_name="U.S. District Court, D. Springfield",
        categories=("ip_addresses", "phone_number"),
        received_at=received_at,
        issued_at=day - dt.timedelta(days=2),
        date_from=day - dt.timedelta(days=60),
        date_to=day - dt.timedelta(days=30),
        **overrides,
    )


CASES = [
    pytest.param(fr_facts(), {}, PROCEED, id="FR court order for IP and phone"),
    pytest.param(
        fr_facts(
            issuing_authority_type="prosecutor", issuing_authority_name="Parquet de Paris", categories=("ip_addresses",)
        ),
        {"eu.authority.traffic": "fail"},
        REJECT,
        id="FR prosecutor asking for traffic-level data",
    ),
    pytest.param(us_facts(), {}, PROCEED, id="US subpoena for subscriber info and IP"),
    pytest.param(
        us_facts(categories=("content",)),
        {"policy.never_content": "fail", "policy.disclosable_categories": "fail", "us.subpoena.categories": "fail"},
        REJECT,
        id="US subpoena for content",
    ),
    pytest.param(
        us_facts(
            process_type="search_warrant",
            issuing_authority_type="judge",
            issuing_authority_name="U.S. Magistrate Judge, D. Springfield",
            categories=("content",),
        ),
        {"policy.never_content": "fail", "policy.disclosable_categories": "fail"},
        REJECT,
        id="US warrant for content",
    ),
    pytest.param(
        us_facts(issued_at=dt.date(2023, 11, 20)),
        {"policy.document_current": "fail"},
        REJECT,
        id="order issued 3 years ago",
    ),
    pytest.param(
        us_facts(date_from=dt.date(2021, 11, 1), date_to=dt.date(2026, 11, 1)),
        {"policy.period_span": "fail"},
        REJECT,
        id="5-year date range",
    ),
    pytest.param(
        us_facts(process_type="emergency_disclosure", emergency=True, emergency_justification=""),
        {"policy.emergency_verification": "fail", "us.emergency": "fail"},
        NEEDS_INFO,
        id="US emergency without justification",
    ),
    pytest.param(
        us_facts(jurisdiction="BR", agency_country="BR", process_type="court_order", issuing_authority_type="judge"),
        {"fallback.mlat": "fail"},
        REJECT,
        id="country with no rule set sent directly",
    ),
    pytest.param(
        us_facts(jurisdiction="BR", agency_country="BR", legal_channel="mlat", process_type="mlat_request"),
        {},
        PROCEED,
        id="country with no rule set through MLAT",
    ),
    pytest.param(
        _us_court_order_received(OLD_POLICY_DAY),
        {"policy.terrorism_only": "fail"},
        REJECT,
        id="fraud court order received 2024-09-01 (old policy)",
    ),
    pytest.param(
        _us_court_order_received(OLD_POLICY_DAY, offense_category="terrorism"),
        {},
        PROCEED,
        id="terrorism court order received 2024-09-01 (old policy)",
    ),
    pytest.param(
        _us_court_order_received(NEW_POLICY_DAY), {}, PROCEED, id="fraud court order received 2024-10-01 (new policy)"
    ),
    pytest.param(us_facts(agency_verified=False), {"policy.agency_verified": "fail"}, REJECT, id="unverified agency"),
    pytest.param(
        us_facts(officer_email_domain="gmail.com"),
        {"policy.officer_domain": "fail"},
        REJECT,
        id="officer domain mismatch",
    ),
    pytest.param(
        us_facts(
            agency_country="FR", agency_email_domains=("interieur.gouv.fr",), officer_email_domain="interieur.gouv.fr"
        ),
        {"policy.agency_country": "fail"},
        REJECT,
        id="agency of another country",
    ),
    pytest.param(
        us_facts(case_number="", terms_violation=False),
        {"policy.criminal_suspect": "fail", "policy.terms_violation": "fail", "us.process.identified": "fail"},
        NEEDS_INFO,
        id="US subpoena missing its case number and the terms link",
    ),
    pytest.param(
        fr_facts(offense_max_sentence_years=None),
        {"eu.offence.threshold": "fail"},
        NEEDS_INFO,
        id="FR order for IP without the maximum sentence",
    ),
    pytest.param(
        fr_facts(offense_max_sentence_years=2),
        {"eu.offence.threshold": "fail"},
        REJECT,
        id="FR order for IP about a 2-year offence",
    ),
    pytest.param(
        fr_facts(offense_max_sentence_years=2, offense_category="terrorism"),
        {},
        PROCEED,
        id="FR order for IP about a listed offence",
    ),
    pytest.param(
        fr_facts(date_from=dt.date(2025, 6, 1), date_to=dt.date(2025, 8, 1)),
        {"fr.retention.connection": "warn", "fr.retention.account": "warn"},
        PROCEED,
        id="FR order for data older than the retention period (warning only)",
    ),
    pytest.param(
        fr_facts(jurisdiction="IT", agency_country="IT"),
        {"eu.process_types": "fail"},
        REJECT,
        id="IT court order: the EU layer alone recognises only European orders",
    ),
    pytest.param(
        fr_facts(jurisdiction="IT", agency_country="IT", process_type="production_order"),
        {},
        PROCEED,
        id="IT European production order",
    ),
    pytest.param(
        fr_facts(
            jurisdiction="DE",
            agency_country="DE",
            process_type="production_order",
            issuing_authority_type="police",
            issuing_authority_name="Bundeskriminalamt",
            categories=("subscriber_profile",),
        ),
        {},
        PROCEED,
        id="DE police asking for subscriber data (DE overrides the EU rule)",
    ),
    pytest.param(
        fr_facts(
            jurisdiction="IT",
            agency_country="IT",
            process_type="production_order",
            issuing_authority_type="police",
            issuing_authority_name="Polizia di Stato",
            categories=("subscriber_profile",),
        ),
        {"eu.authority.subscriber": "fail"},
        REJECT,
        id="IT police asking for subscriber data (EU rule)",
    ),
    pytest.param(
        fr_facts(
            jurisdiction="DE",
            agency_country="DE",
            process_type="production_order",
            issuing_authority_type="police",
            issuing_authority_name="Bundeskriminalamt",
            categories=("ip_addresses",),
        ),
        {"eu.authority.traffic": "fail", "de.dynamic_ip": "fail"},
        REJECT,
        id="DE police asking for a dynamic IP",
    ),
    pytest.param(
        fr_facts(jurisdiction="GB", agency_country="GB", process_type="production_order", legal_channel="agreement"),
        {},
        PROCEED,
        id="GB overseas production order under the agreement",
    ),
    pytest.param(
        fr_facts(jurisdiction="GB", agency_country="GB", process_type="production_order"),
        {"gb.channel": "fail"},
        REJECT,
        id="GB order sent directly",
    ),
    pytest.param(
        us_facts(nondisclosure_until=dt.date(2028, 11, 20)),
        {"us.nondisclosure": "warn"},
        PROCEED,
        id="US non-disclosure order of two years (warning)",
    ),
    pytest.param(
        us_facts(date_to=dt.date(2026, 12, 31)),
        {"policy.period_not_future": "fail"},
        REJECT,
        id="period reaching into the future",
    ),
]


@pytest.mark.parametrize(("facts", "expected", "recommendation"), CASES)
def test_shipped_rules_decide_each_case(shipped_timelines, facts, expected, recommendation):
    evaluation = judge(facts, shipped_timelines)

    assert not_passed(evaluation) == expected
    assert evaluation.recommendation == recommendation


def test_us_subpoena_for_content_cites_the_platform_policy_and_the_sca(shipped_timelines):
    evaluation = judge(us_facts(categories=("content",)), shipped_timelines)

    citations = [result.citation for result in evaluation.results if result.outcome == "fail"]
    assert any("Platform policy" in citation for citation in citations)
    assert any("18 U.S.C. 2703(c)(2)" in citation for citation in citations)
    assert evaluation.allowed_categories == ()


def test_french_prosecutor_may_still_reach_subscriber_data(shipped_timelines):
    facts = fr_facts(issuing_authority_type="prosecutor", categories=("ip_addresses", "subscriber_profile"))

    evaluation = judge(facts, shipped_timelines)

    assert evaluation.outcome_of("eu.authority.traffic") == "fail"
    assert evaluation.outcome_of("eu.authority.subscriber") == "pass"
    assert evaluation.allowed_categories == ("subscriber_profile",)


def test_valid_french_order_allows_what_was_asked_and_is_due_in_ten_days(shipped_timelines):
    evaluation = judge(fr_facts(), shipped_timelines)

    assert evaluation.allowed_categories == ("phone_number", "ip_addresses")
    assert evaluation.response_deadline == fr_facts().received_at + dt.timedelta(days=10)
    assert evaluation.deadline_rule == "eu.deadline"
    assert [ruleset["ruleset"] for ruleset in evaluation.rulesets] == ["platform", "EU", "FR"]


def test_emergency_is_due_in_hours_and_flagged_for_out_of_band_verification(shipped_timelines):
    facts = fr_facts(
        process_type="production_order",
        emergency=True,
        emergency_justification="Threat to life: kidnapping in progress",
    )

    evaluation = judge(facts, shipped_timelines)

    assert evaluation.recommendation == PROCEED
    assert evaluation.out_of_band_verification is True
    assert evaluation.response_deadline == facts.received_at + dt.timedelta(hours=8)
    assert evaluation.deadline_rule == "eu.emergency"


def test_emergency_without_justification_tells_the_officer_what_is_missing(shipped_timelines):
    facts = us_facts(process_type="emergency_disclosure", emergency=True, emergency_justification="")

    evaluation = judge(facts, shipped_timelines)

    assert evaluation.out_of_band_verification is True
    assert len(evaluation.missing_information) == 2
    assert all("emergency justification" in message for message in evaluation.missing_information)


def test_gb_order_is_due_in_seven_days(shipped_timelines):
    facts = fr_facts(jurisdiction="GB", agency_country="GB", process_type="production_order", legal_channel="agreement")

    evaluation = judge(facts, shipped_timelines)

    assert evaluation.response_deadline == facts.received_at + dt.timedelta(days=7)


def test_us_request_without_deadline_rule_gets_the_default_ten_days(shipped_timelines):
    evaluation = judge(us_facts(), shipped_timelines)

    assert evaluation.response_deadline == us_facts().received_at + dt.timedelta(days=10)
    assert evaluation.deadline_rule == ""


def test_requests_are_judged_by_the_policy_version_in_force_at_receipt(shipped_timelines):
    before = judge(_us_court_order_received(OLD_POLICY_DAY), shipped_timelines)
    after = judge(_us_court_order_received(NEW_POLICY_DAY), shipped_timelines)

    assert before.rulesets[0] == {"ruleset": "platform", "version": 1, "effective_from": "2000-01-01"}
    assert after.rulesets[0] == {"ruleset": "platform", "version": 2, "effective_from": "2024-09-23"}


def test_request_from_no_rule_set_country_names_mlat(shipped_timelines):
    facts = us_facts(jurisdiction="JP", agency_country="JP", process_type="court_order", issuing_authority_type="judge")

    evaluation = judge(facts, shipped_timelines)

    failing = [result for result in evaluation.results if result.outcome == "fail"]
    assert [result.rule for result in failing] == ["fallback.mlat"]
    assert "MLAT" in failing[0].explanation
    assert [ruleset["ruleset"] for ruleset in evaluation.rulesets] == ["platform", "fallback"]


def test_french_request_before_the_e_evidence_regulation_falls_back_to_mlat(shipped_timelines):
    received = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    facts = fr_facts(
        received_at=received,
        issued_at=dt.date(2026, 3, 1),
        date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 2, 1),
    )

    evaluation = judge(facts, shipped_timelines)

    assert [ruleset["ruleset"] for ruleset in evaluation.rulesets] == ["platform", "fallback"]
    assert evaluation.outcome_of("fallback.mlat") == "fail"


def test_gb_request_before_the_agreement_falls_back_to_mlat(shipped_timelines):
    received = dt.datetime(2022, 6, 1, 9, 0, tzinfo=dt.UTC)
    facts = fr_facts(
        jurisdiction="GB",
        agency_country="GB",
        process_type="production_order",
        legal_channel="agreement",
        received_at=received,
        issued_at=dt.date(2022, 5, 30),
        date_from=dt.date(2022, 3, 1),
        date_to=dt.date(2022, 4, 1),
        offense_category="terrorism",
    )

    evaluation = judge(facts, shipped_timelines)

    assert [ruleset["ruleset"] for ruleset in evaluation.rulesets] == ["platform", "fallback"]


def test_identity_checks_are_not_shown_to_the_officer(shipped_timelines):
    evaluation = judge(us_facts(agency_verified=False, officer_email_domain="gmail.com"), shipped_timelines)

    hidden = {result.rule for result in evaluation.results if not result.officer_visible}
    assert {"policy.agency_verified", "policy.officer_domain", "policy.agency_country"} <= hidden


def test_without_any_rules_in_force_the_engine_refuses_to_pass(shipped_timelines):
    evaluation = judge(us_facts(), {})

    assert evaluation.recommendation == REJECT
    assert not_passed(evaluation) == {
        "engine.platform_policy_in_force": "fail",
        "engine.jurisdiction_rules_in_force": "fail",
    }


@pytest.mark.parametrize(
    ("process_type", "sentence"),
    [
        ("emergency_disclosure", "An emergency disclosure request is recognised."),
        ("subpoena", "A subpoena is recognised."),
    ],
)
def test_the_process_type_finding_takes_the_right_article(shipped_timelines, process_type, sentence):
    evaluation = judge(us_facts(process_type=process_type), shipped_timelines)

    details = [result.detail for result in evaluation.results]
    assert sentence in details
    assert not any(detail.startswith("A emergency") for detail in details)


def test_a_european_order_takes_a_not_an():
    from rules.checks import with_article

    assert with_article("European Production Order (EPOC)") == "A European Production Order (EPOC)"
    assert with_article("other legal process") == "An other legal process"
