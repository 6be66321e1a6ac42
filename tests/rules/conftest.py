"""Fixtures of the rule engine tests: the shipped rule sets compiled without a database, request
facts that pass every shipped rule (cases change one thing), and the shipped rules in the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from rules.documents import load_rule_text
from rules.engine import CompiledRuleSet, Evaluation, compile_ruleset, evaluate, layers_in_force
from rules.facts import RequestFacts
from rules.services import SHIPPED_DIR, rules_load_shipped

BAD_FILES_DIR = Path(__file__).resolve().parent / "bad_files"
RECEIVED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)

# The jurisdiction table's parent links, for the pure tests (the database tests use the real table).
CHAINS = {
    "US": ["US"],
    "US-CA": ["US", "US-CA"],
    "FR": ["EU", "FR"],
    "DE": ["EU", "DE"],
    "IT": ["EU", "IT"],
    "DK": ["EU", "DK"],
    "GB": ["GB"],
    "BR": ["BR"],
    "JP": ["JP"],
}


def shipped_timelines_from_files() -> dict[str, list[CompiledRuleSet]]:
    timelines: dict[str, list[CompiledRuleSet]] = {}
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        for entry in load_rule_text(path.read_text(encoding="utf-8"))["rulesets"]:
            key = entry.get("jurisdiction") or entry["scope"]
            number = len(timelines.get(key, [])) + 1
            timelines.setdefault(key, []).append(compile_ruleset(entry, version=number))
    return timelines


@pytest.fixture(scope="session")
def shipped_timelines() -> dict[str, list[CompiledRuleSet]]:
    return shipped_timelines_from_files()


def judge(facts: RequestFacts, timelines: dict[str, list[CompiledRuleSet]]) -> Evaluation:
    return evaluate(facts, layers_in_force(timelines, CHAINS[facts.jurisdiction], facts.received_on))


def not_passed(evaluation: Evaluation) -> dict[str, str]:
    return {result.rule: result.outcome for result in evaluation.results if result.outcome != "pass"}


def us_facts(**overrides) -> RequestFacts:
    """A US subpoena for subscriber information and IP addresses that every shipped rule accepts."""
    facts = RequestFacts(
        jurisdiction="US",
        process_type="subpoena",
        received_at=RECEIVED,
        legal_channel="direct",
        case_number="2026-CR-0042",
        offense="Wire fraud (18 U.S.C. 1343)",
        offense_category="fraud",
        offense_max_sentence_years=20,
        terms_violation=True,
        issuing_authority_type="prosecutor",
        issuing_authority_name="U.S. Attorney's Office, D. Springfield",
        issued_at=dt.date(2026, 11, 18),
        date_from=dt.date(2026, 10, 1),
        date_to=dt.date(2026, 11, 1),
        categories=("ip_addresses", "subscriber_profile"),
        documents_count=1,
        targets_count=1,
        agency_verified=True,
        agency_country="US",
        agency_email_domains=("springfield-pd.gov",),
        officer_email_domain="springfield-pd.gov",
    )
    return replace(facts, **overrides)


def fr_facts(**overrides) -> RequestFacts:
    """A French judge's court order for IP addresses and the phone number that every shipped rule accepts."""
    facts = us_facts(
        jurisdiction="FR",
        process_type="court_order",
        case_number="PARQUET-2026-118",
        offense="Escroquerie en bande organisée (art. 313-2 CP)",
        offense_max_sentence_years=10,
        issuing_authority_type="judge",
        issuing_authority_name="Juge d'instruction, TJ Paris",
        categories=("ip_addresses", "phone_number"),
        agency_country="FR",
        agency_email_domains=("interieur.gouv.fr",),
        officer_email_domain="interieur.gouv.fr",
        # What a European Production Order's certificate adds (unused by a court order): IP addresses as
        # traffic data, the enforcing authority (Ireland's, where the platform is established) notified.
        certificate_reference="EPOC-FR-2026-0118",
        ip_purpose="traffic",
        enforcing_state="IE",
        enforcing_authority_name="An Garda Síochána, Mutual Assistance",
        enforcing_authority_notified=True,
    )
    return replace(facts, **overrides)


@pytest.fixture
def shipped_rules(db):
    return rules_load_shipped()
