"""The e-Evidence rules of the shipped EU layer (Regulation (EU) 2023/1543): what an IP request's purpose
changes, validation by another authority, the enforcing authority's notification and the certificate's
fields. Italy inherits the EU layer as it is."""

from __future__ import annotations

from rules.engine import NEEDS_INFO, PROCEED, REJECT
from tests.rules.conftest import fr_facts, judge, not_passed


def _it_epoc(**overrides):
    """An Italian prosecutor's European Production Order for an account's IP addresses."""
    defaults = {
        "jurisdiction": "IT",
        "agency_country": "IT",
        "process_type": "production_order",
        "issuing_authority_type": "prosecutor",
        "issuing_authority_name": "Procura della Repubblica di Milano",
        "categories": ("ip_addresses",),
        "offense": "Minaccia (art. 612 c.p.)",
        "offense_category": "other",
        "offense_max_sentence_years": 1,
    }
    return fr_facts(**(defaults | overrides))


def test_prosecutor_may_order_ip_addresses_solely_to_identify_the_user_for_any_offence(shipped_timelines):
    evaluation = judge(_it_epoc(ip_purpose="identification", enforcing_authority_notified=False), shipped_timelines)

    assert not_passed(evaluation) == {}
    assert evaluation.recommendation == PROCEED
    assert evaluation.allowed_categories == ("ip_addresses",)


def test_prosecutor_may_not_order_ip_addresses_as_traffic_data(shipped_timelines):
    evaluation = judge(_it_epoc(ip_purpose="traffic"), shipped_timelines)

    assert not_passed(evaluation) == {"eu.authority.traffic": "fail", "eu.offence.threshold": "fail"}
    assert evaluation.recommendation == REJECT
    assert evaluation.allowed_categories == ()
    assert "Art. 4(2)" in evaluation.result_of("eu.authority.traffic").citation


def test_ip_request_without_a_stated_purpose_asks_for_it_and_is_judged_as_traffic(shipped_timelines):
    evaluation = judge(_it_epoc(ip_purpose=""), shipped_timelines)

    assert not_passed(evaluation) == {
        "eu.ip_purpose": "fail",
        "eu.authority.traffic": "fail",
        "eu.offence.threshold": "fail",
    }
    assert any("purpose of the IP request" in text for text in evaluation.missing_information)


def test_judge_may_order_traffic_data_for_an_offence_of_three_years(shipped_timelines):
    facts = _it_epoc(
        ip_purpose="traffic", issuing_authority_type="judge", offense_max_sentence_years=3, offense_category="fraud"
    )

    assert not_passed(judge(facts, shipped_timelines)) == {}


def test_police_order_validated_by_a_judge_counts_for_traffic_data(shipped_timelines):
    facts = _it_epoc(
        ip_purpose="traffic",
        issuing_authority_type="police",
        validating_authority_type="judge",
        validating_authority_name="GIP, Tribunale di Milano",
        offense_max_sentence_years=5,
    )

    evaluation = judge(facts, shipped_timelines)

    assert not_passed(evaluation) == {}
    assert "validated by a judge" in evaluation.result_of("eu.authority.traffic").detail


def test_validation_by_a_prosecutor_does_not_count_for_traffic_data(shipped_timelines):
    facts = _it_epoc(ip_purpose="traffic", issuing_authority_type="police", validating_authority_type="prosecutor")

    assert judge(facts, shipped_timelines).outcome_of("eu.authority.traffic") == "fail"


def test_traffic_order_not_notified_to_the_enforcing_authority_is_flagged(shipped_timelines):
    facts = _it_epoc(
        ip_purpose="traffic",
        issuing_authority_type="judge",
        offense_max_sentence_years=5,
        enforcing_authority_notified=False,
    )

    evaluation = judge(facts, shipped_timelines)

    assert not_passed(evaluation) == {"eu.enforcing_notification": "warn"}
    assert "Art. 8" in evaluation.result_of("eu.enforcing_notification").citation


def test_notified_order_names_the_enforcing_state_or_asks_for_it(shipped_timelines):
    facts = _it_epoc(
        ip_purpose="traffic",
        issuing_authority_type="judge",
        offense_max_sentence_years=5,
        enforcing_state="",
        enforcing_authority_name="",
    )

    result = judge(facts, shipped_timelines).result_of("eu.enforcing_notification")

    assert result.outcome == "warn"
    assert result.missing_information
    assert "the enforcing state" in result.detail


def test_notification_concerns_neither_identification_data_nor_preservation(shipped_timelines):
    identification = judge(_it_epoc(ip_purpose="identification", enforcing_authority_notified=False), shipped_timelines)
    preservation = judge(
        _it_epoc(process_type="preservation_order", ip_purpose="traffic", enforcing_authority_notified=False),
        shipped_timelines,
    )

    assert identification.result_of("eu.enforcing_notification").applicable is False
    assert preservation.result_of("eu.enforcing_notification").applicable is False


def test_certificate_without_its_reference_asks_for_it(shipped_timelines):
    evaluation = judge(_it_epoc(ip_purpose="identification", certificate_reference=""), shipped_timelines)

    assert not_passed(evaluation) == {"eu.certificate": "fail"}
    assert evaluation.recommendation == NEEDS_INFO
    assert any("certificate's reference" in text for text in evaluation.missing_information)


def test_preservation_order_holds_sixty_days_plus_thirty(shipped_timelines):
    evaluation = judge(_it_epoc(process_type="preservation_order", ip_purpose="traffic"), shipped_timelines)

    assert evaluation.preservation == (60, 30)
    assert "Art. 11" in evaluation.result_of("eu.preservation").citation


def test_prosecutor_may_order_traffic_data_preserved_for_any_offence(shipped_timelines):
    evaluation = judge(_it_epoc(process_type="preservation_order", ip_purpose="traffic"), shipped_timelines)

    assert not_passed(evaluation) == {}
    assert evaluation.outcome_of("eu.authority.preservation") == "pass"
    assert evaluation.result_of("eu.authority.traffic").applicable is False


def test_police_may_not_order_traffic_data_preserved_without_validation(shipped_timelines):
    facts = _it_epoc(process_type="preservation_order", ip_purpose="traffic", issuing_authority_type="police")

    assert not_passed(judge(facts, shipped_timelines)) == {"eu.authority.preservation": "fail"}


def test_a_prosecutor_still_reaches_subscriber_data_when_traffic_data_is_refused(shipped_timelines):
    facts = _it_epoc(ip_purpose="traffic", categories=("ip_addresses", "subscriber_profile"))

    evaluation = judge(facts, shipped_timelines)

    assert evaluation.outcome_of("eu.authority.traffic") == "fail"
    assert evaluation.allowed_categories == ("subscriber_profile",)


def test_a_danish_european_order_fails_denmark_is_not_bound(shipped_timelines):
    facts = _it_epoc(
        jurisdiction="DK",
        agency_country="DK",
        ip_purpose="identification",
        enforcing_authority_notified=False,
        certificate_reference="EPOC-DK-2026-0001",
    )

    evaluation = judge(facts, shipped_timelines)

    assert not_passed(evaluation).get("eu.process_types") == "fail"
    assert evaluation.recommendation == REJECT
    assert "Denmark" in evaluation.result_of("eu.process_types").citation
    mlat = _it_epoc(jurisdiction="DK", agency_country="DK", process_type="mlat_request", ip_purpose="identification")
    assert judge(mlat, shipped_timelines).result_of("eu.process_types").outcome == "pass"
