"""The warning at intake: which asked categories the chosen process cannot reach, read from the rules
(never a list in the code), each with the refusing rule's own words and citation."""

from __future__ import annotations

import pytest

from rules.engine import compile_ruleset, layers_in_force
from rules.selectors import categories_out_of_reach, categories_out_of_reach_at_intake
from tests.rules.conftest import CHAINS, RECEIVED, us_facts


def us_rules(timelines):
    return layers_in_force(timelines, CHAINS["US"], RECEIVED.date())


def test_a_subpoena_cannot_reach_message_content(shipped_timelines):
    refused = categories_out_of_reach(us_facts(categories=("content", "ip_addresses")), us_rules(shipped_timelines))

    assert [item.category for item in refused] == ["content"]
    assert refused[0].message == "The platform never discloses message content."
    assert refused[0].citation == "Platform policy: no disclosure of message content"


def test_what_the_process_may_reach_gives_no_warning(shipped_timelines):
    facts = us_facts(categories=("ip_addresses", "phone_number", "subscriber_profile"))

    assert categories_out_of_reach(facts, us_rules(shipped_timelines)) == []


def test_the_warning_follows_the_rule_set_not_the_code(shipped_timelines):
    # given a US layer under which a subpoena reaches only the subscriber profile
    narrow = compile_ruleset(
        {
            "scope": "jurisdiction",
            "jurisdiction": "US",
            "name": "US, narrowed",
            "effective_from": "2020-01-01",
            "rules": [
                {
                    "id": "us.subpoena.categories",
                    "check": "categories_allowed",
                    "severity": "fail",
                    "message": "A subpoena reaches basic subscriber information only.",
                    "citation": "18 U.S.C. 2703(c)(2)",
                    "when": {"process_types": ["subpoena"]},
                    "params": {"categories": ["subscriber_profile"]},
                }
            ],
        },
        version=99,
    )
    platform = [ruleset for ruleset in us_rules(shipped_timelines) if ruleset.scope == "platform"]
    facts = us_facts(categories=("ip_addresses", "subscriber_profile"))

    refused = categories_out_of_reach(facts, [*platform, narrow])

    assert [(item.category, item.citation) for item in refused] == [("ip_addresses", "18 U.S.C. 2703(c)(2)")]
    # the same request by court order is not concerned by that rule
    assert categories_out_of_reach(facts.__class__(**{**facts.__dict__, "process_type": "court_order"}), [narrow]) == []


def test_an_emergency_rule_that_limits_categories_warns_only_in_an_emergency(shipped_timelines):
    emergency_only = compile_ruleset(
        {
            "scope": "jurisdiction",
            "jurisdiction": "US",
            "name": "US emergencies",
            "effective_from": "2020-01-01",
            "rules": [
                {
                    "id": "us.emergency",
                    "check": "emergency",
                    "severity": "fail",
                    "message": "In an emergency only the phone number is produced.",
                    "citation": "18 U.S.C. 2702(c)(4)",
                    "params": {"allowed": True, "categories": ["phone_number"], "justification_required": False},
                }
            ],
        }
    )
    calm = us_facts(categories=("ip_addresses",))
    urgent = us_facts(categories=("ip_addresses",), emergency=True, process_type="emergency_disclosure")

    assert categories_out_of_reach(calm, [emergency_only]) == []
    assert [item.category for item in categories_out_of_reach(urgent, [emergency_only])] == ["ip_addresses"]


@pytest.mark.django_db
def test_at_intake_the_rules_in_force_are_read_from_the_database(shipped_rules):
    refused = categories_out_of_reach_at_intake(
        jurisdiction_code="US", process_type="subpoena", categories=["content", "phone_number"]
    )

    assert [item.category for item in refused] == ["content"]
