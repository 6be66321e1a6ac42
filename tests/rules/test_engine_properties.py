"""Properties of the pure engine: any request the request model accepts evaluates without error
against the shipped rules and against any rule set the schema accepts; every result explains
itself; evaluation is deterministic; a rule file survives dump and load unchanged."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from requests_app.choices import (
    AuthorityType,
    Category,
    DataKind,
    IpPurpose,
    LegalChannel,
    OffenseCategory,
    ProcessType,
    SignatureFormat,
    SignatureStatus,
)
from rules.checks import CHECKS
from rules.documents import dump_rule_document, load_rule_text, rule_file_schema, validate_rule_document
from rules.engine import FAIL, NEEDS_INFO, PROCEED, REJECT, compile_ruleset, evaluate
from rules.facts import DocumentSignature, RequestFacts
from tests.rules.conftest import CHAINS, judge, shipped_timelines_from_files

SHIPPED = shipped_timelines_from_files()
MANDATORY_FIELDS = rule_file_schema()["$defs"]["field"]["enum"]

dates = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2030, 12, 31))
texts = st.one_of(st.just(""), st.text(min_size=1, max_size=40))
domains = st.sampled_from(["police.fr", "springfield-pd.gov", "gmail.com", ""])


@st.composite
def request_facts(draw) -> RequestFacts:
    date_range = sorted(draw(st.lists(dates, min_size=2, max_size=2)))
    has_range = draw(st.sampled_from(["both", "from", "none"]))
    return RequestFacts(
        jurisdiction=draw(st.sampled_from(sorted(CHAINS))),
        process_type=draw(st.sampled_from(ProcessType.values)),
        received_at=draw(
            st.datetimes(
                min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2029, 12, 31), timezones=st.just(dt.UTC)
            )
        ),
        legal_channel=draw(st.sampled_from(LegalChannel.values)),
        emergency=draw(st.booleans()),
        emergency_justification=draw(texts),
        case_number=draw(texts),
        offense=draw(texts),
        offense_category=draw(st.sampled_from(["", *OffenseCategory.values])),
        offense_max_sentence_years=draw(st.one_of(st.none(), st.integers(min_value=0, max_value=32767))),
        terms_violation=draw(st.booleans()),
        issuing_authority_type=draw(st.sampled_from(["", *AuthorityType.values])),
        issuing_authority_name=draw(texts),
        issued_at=draw(st.one_of(st.none(), dates)),
        nondisclosure_until=draw(st.one_of(st.none(), dates)),
        date_from=date_range[0] if has_range != "none" else None,
        date_to=date_range[1] if has_range == "both" else None,
        categories=tuple(sorted(draw(st.sets(st.sampled_from(Category.values))))),
        documents_count=draw(st.integers(min_value=0, max_value=3)),
        targets_count=draw(st.integers(min_value=0, max_value=3)),
        agency_verified=draw(st.booleans()),
        agency_country=draw(st.sampled_from(["US", "FR", "DE", "GB", "BR", ""])),
        agency_email_domains=tuple(sorted(draw(st.sets(domains.filter(bool), max_size=2)))),
        officer_email_domain=draw(domains),
        ip_purpose=draw(st.sampled_from(["", *IpPurpose.values])),
        certificate_reference=draw(texts),
        validating_authority_type=draw(st.sampled_from(["", *AuthorityType.values])),
        validating_authority_name=draw(texts),
        enforcing_state=draw(st.sampled_from(["", "IE", "FR"])),
        enforcing_authority_name=draw(texts),
        enforcing_authority_notified=draw(st.booleans()),
        document_signatures=tuple(
            draw(
                st.lists(
                    st.builds(
                        DocumentSignature,
                        status=st.sampled_from(SignatureStatus.values),
                        signature_format=st.sampled_from(["", *SignatureFormat.values]),
                        qualified=st.booleans(),
                    ),
                    max_size=3,
                )
            )
        ),
    )


def _names(values, *, min_size=1):
    return st.lists(st.sampled_from(values), min_size=min_size, unique=True, max_size=len(values))


positive = st.integers(min_value=1, max_value=10_000)
PARAMS = {
    "process_type_recognised": st.fixed_dictionaries({"process_types": _names(ProcessType.values)}),
    "categories_allowed": st.fixed_dictionaries({"categories": _names(Category.values, min_size=0)}),
    "categories_never_disclosed": st.fixed_dictionaries({"categories": _names(Category.values)}),
    "issuing_authority": st.fixed_dictionaries(
        {"authorities": _names(AuthorityType.values)}, optional={"validation_allowed": st.booleans()}
    ),
    "mandatory_fields": st.fixed_dictionaries({"fields": _names(MANDATORY_FIELDS)}),
    "offence_categories": st.fixed_dictionaries({"categories": _names(OffenseCategory.values)}),
    "offence_min_max_sentence": st.fixed_dictionaries(
        {"min_years": positive}, optional={"except_offense_categories": _names(OffenseCategory.values, min_size=0)}
    ),
    "terms_violation_required": st.just({}),
    "document_max_age": st.fixed_dictionaries({"max_days": positive}),
    "date_range_max_span": st.fixed_dictionaries({"max_days": positive}),
    "date_range_not_future": st.just({}),
    "date_range_within_retention": st.fixed_dictionaries({"days": positive}),
    "emergency": st.fixed_dictionaries(
        {"allowed": st.booleans()},
        optional={
            "justification_required": st.booleans(),
            "categories": _names(Category.values, min_size=0),
            "deadline_hours": positive,
            "out_of_band_verification": st.booleans(),
        },
    ),
    "response_deadline": st.one_of(
        st.fixed_dictionaries({"days": positive}), st.fixed_dictionaries({"hours": positive})
    ),
    "nondisclosure_order": st.fixed_dictionaries({"allowed": st.booleans()}, optional={"max_days": positive}),
    "user_notice": st.fixed_dictionaries({"given": st.booleans()}),
    "preservation": st.fixed_dictionaries(
        {"days": positive, "extension_days": st.integers(min_value=0, max_value=1000)}
    ),
    "legal_channel": st.fixed_dictionaries({"channels": _names(LegalChannel.values)}),
    "enforcing_notification": st.fixed_dictionaries({"window_days": positive, "emergency_window_hours": positive}),
    "agency_verified": st.just({}),
    "officer_email_domain": st.just({}),
    "agency_country": st.just({}),
    "signed_order": st.fixed_dictionaries(
        {},
        optional={
            "process_types": _names(ProcessType.values),
            "require": st.sampled_from(["valid", "qualified"]),
            "accept_formats": _names(SignatureFormat.values),
            "allow_unsigned": st.booleans(),
        },
    ),
}
WHEN = st.fixed_dictionaries(
    {},
    optional={
        "process_types": _names(ProcessType.values),
        "categories": _names(Category.values),
        "data_kinds": _names(DataKind.values),
        "legal_channels": _names(LegalChannel.values),
        "emergency": st.booleans(),
    },
).filter(bool)
prose = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    str.strip
)


@st.composite
def rules(draw, index: int) -> dict:
    check = draw(st.sampled_from(sorted(PARAMS)))
    rule = {
        "id": f"r{index}.{check}",
        "check": check,
        "severity": draw(st.sampled_from(["fail", "warn"])),
        "message": draw(prose),
        "citation": draw(prose),
        "params": draw(PARAMS[check]),
    }
    if draw(st.booleans()):
        rule["when"] = draw(WHEN)
    if draw(st.booleans()):
        rule["note"] = draw(prose)
    if draw(st.booleans()):
        rule["officer_visible"] = draw(st.booleans())
    return rule


@st.composite
def rule_documents(draw) -> dict:
    count = draw(st.integers(min_value=1, max_value=12))
    jurisdiction = {"scope": "jurisdiction", "jurisdiction": "US", "name": draw(prose), "effective_from": "2000-01-01"}
    platform = {"scope": "platform", "name": draw(prose), "effective_from": "2000-01-01"}
    return {
        "format": "lawreq-rules/1",
        "rulesets": [
            {**platform, "rules": [draw(rules(index)) for index in range(draw(st.integers(1, 4)))]},
            {**jurisdiction, "rules": [draw(rules(100 + index)) for index in range(count)]},
        ],
    }


def test_the_strategies_cover_the_whole_vocabulary():
    assert set(PARAMS) == set(CHECKS)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=request_facts())
def test_any_request_evaluates_against_the_shipped_rules_and_explains_every_result(facts):
    evaluation = judge(facts, SHIPPED)

    assert evaluation.results
    for result in evaluation.results:
        assert result.message.strip() and result.citation.strip()
        assert result.outcome in {"pass", "fail", "warn"}
    assert set(evaluation.allowed_categories) <= set(facts.categories)
    assert evaluation.response_deadline > facts.received_at
    fails = [result for result in evaluation.results if result.outcome == FAIL]
    if any(not result.missing_information for result in fails):
        assert evaluation.recommendation == REJECT
    elif fails:
        assert evaluation.recommendation == NEEDS_INFO
        assert len(evaluation.missing_information) == len(fails)
    else:
        assert evaluation.recommendation == PROCEED


@settings(max_examples=100, deadline=None)
@given(facts=request_facts())
def test_evaluation_is_deterministic(facts):
    assert judge(facts, SHIPPED) == judge(facts, SHIPPED)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=rule_documents(), facts=request_facts())
def test_any_rule_set_the_schema_accepts_evaluates_any_request(document, facts):
    canonical = validate_rule_document(document)
    rulesets = [compile_ruleset(entry, version=1) for entry in canonical["rulesets"]]

    evaluation = evaluate(facts, rulesets)

    rule_count = len({rule["id"] for entry in canonical["rulesets"] for rule in entry["rules"]})
    assert len(evaluation.results) == rule_count
    assert all(result.message and result.citation for result in evaluation.results)
    assert evaluation == evaluate(facts, rulesets)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=rule_documents())
def test_a_rule_file_survives_dump_and_load(document):
    canonical = validate_rule_document(document)

    assert load_rule_text(dump_rule_document(canonical["rulesets"])) == canonical
