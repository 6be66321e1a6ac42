"""Selectors other apps call: rule sets in force, deadlines, preservation, jurisdictions."""

from __future__ import annotations

import datetime as dt

import yaml

from requests_app.models import Jurisdiction
from rules.selectors import (
    fields_required_by_rules,
    jurisdiction_chain,
    jurisdictions_in_force,
    preservation_period,
    response_deadline,
    rulesets_in_force,
)
from rules.services import rules_export, rules_load

RECEIVED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def test_french_requests_are_judged_by_the_policy_the_eu_layer_and_the_french_layer(shipped_rules):
    layers = rulesets_in_force(jurisdiction_code="FR", at=RECEIVED)

    assert [(ruleset.key, ruleset.version) for ruleset in layers] == [("platform", 2), ("EU", 1), ("FR", 1)]


def test_a_member_state_without_rules_inherits_the_eu_layer(shipped_rules):
    layers = rulesets_in_force(jurisdiction_code="IT", at=RECEIVED)

    assert [ruleset.key for ruleset in layers] == ["platform", "EU"]


def test_a_country_without_rules_gets_the_fallback(shipped_rules):
    assert [ruleset.key for ruleset in rulesets_in_force(jurisdiction_code="BR", at=RECEIVED)] == [
        "platform",
        "fallback",
    ]


def test_a_subdivision_inherits_its_country(shipped_rules):
    Jurisdiction.objects.create(code="US-CA", name="California", parent=Jurisdiction.objects.get(code="US"))

    assert jurisdiction_chain("US-CA") == ["US", "US-CA"]
    assert [ruleset.key for ruleset in rulesets_in_force(jurisdiction_code="US-CA", at=RECEIVED)] == ["platform", "US"]


def test_the_old_policy_judges_requests_received_before_23_september_2024(shipped_rules):
    before = rulesets_in_force(jurisdiction_code="US", at=dt.datetime(2024, 9, 22, 23, 59, tzinfo=dt.UTC))
    after = rulesets_in_force(jurisdiction_code="US", at=dt.datetime(2024, 9, 23, 0, 0, tzinfo=dt.UTC))

    assert before[0].version == 1
    assert after[0].version == 2


def test_response_deadline_follows_the_rules_or_the_default(shipped_rules):
    def due(code, process_type="production_order", emergency=False):
        return response_deadline(
            jurisdiction_code=code, process_type=process_type, emergency=emergency, received_at=RECEIVED
        )

    assert due("FR") == RECEIVED + dt.timedelta(days=10)
    assert due("FR", emergency=True) == RECEIVED + dt.timedelta(hours=8)
    assert due("GB") == RECEIVED + dt.timedelta(days=7)
    assert due("US", "subpoena") == RECEIVED + dt.timedelta(days=10)
    assert due("US", "emergency_disclosure", emergency=True) == RECEIVED + dt.timedelta(hours=8)
    assert due("BR", "court_order") == RECEIVED + dt.timedelta(days=10)


def test_an_operator_changes_a_deadline_with_a_file(shipped_rules):
    text = rules_export(jurisdiction_code="GB").replace("days: 7", "days: 5")

    rules_load(text=text)

    deadline = response_deadline(
        jurisdiction_code="GB", process_type="production_order", emergency=False, received_at=RECEIVED
    )
    assert deadline == RECEIVED + dt.timedelta(days=5)


def test_preservation_period_per_jurisdiction(shipped_rules):
    assert preservation_period(jurisdiction_code="US", at=RECEIVED) == (90, 90)
    assert preservation_period(jurisdiction_code="FR", at=RECEIVED) == (60, 30)
    assert preservation_period(jurisdiction_code="DE", at=RECEIVED) == (60, 30)
    assert preservation_period(jurisdiction_code="BR", at=RECEIVED) == (90, 90)


def test_jurisdictions_in_force_list_what_each_accepts(shipped_rules):
    listed = {item["code"]: item for item in jurisdictions_in_force(at=RECEIVED)}

    assert listed["US"]["process_types"] == [
        "subpoena",
        "court_order",
        "search_warrant",
        "preservation_order",
        "emergency_disclosure",
        "mlat_request",
    ]
    assert listed["US"]["categories"] == ["phone_number", "ip_addresses", "subscriber_profile"]
    assert listed["FR"]["process_types"] == ["court_order", "production_order", "preservation_order", "mlat_request"]
    assert listed["FR"]["rules"] == "own"
    assert listed["IT"]["rules"] == "inherited"
    assert listed["BR"]["rules"] == "fallback" and listed["BR"]["legal_channels"] == ["mlat"]
    assert listed["GB"]["legal_channels"] == ["mlat", "agreement"]
    assert "EU" not in listed


def test_jurisdictions_in_force_before_the_e_evidence_regulation(shipped_rules):
    listed = {item["code"]: item for item in jurisdictions_in_force(at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))}

    assert listed["FR"]["rules"] == "fallback"


def test_the_compiled_rules_follow_a_new_version(shipped_rules):
    document = yaml.safe_load(rules_export(jurisdiction_code="US"))
    document["rulesets"][0]["rules"][0]["params"]["process_types"] = ["subpoena"]
    rules_load(text=yaml.safe_dump(document))

    layers = rulesets_in_force(jurisdiction_code="US", at=RECEIVED)

    assert layers[-1].version == 2
    assert layers[-1].rules[0].params["process_types"] == ("subpoena",)


def test_a_european_order_needs_its_certificate_reference_and_the_ip_purpose(shipped_rules):
    epoc = fields_required_by_rules(
        jurisdiction_code="FR", process_type="production_order", categories=["ip_addresses"]
    )
    court_order = fields_required_by_rules(
        jurisdiction_code="FR", process_type="court_order", categories=["ip_addresses"]
    )

    assert {"certificate_reference", "ip_purpose", "issuing_authority_type"} <= epoc
    assert "certificate_reference" not in court_order and "ip_purpose" not in court_order
