"""The rule engine: request facts and rule set versions in, explained results out.

``evaluate`` is pure and deterministic: no database, no clock ("now" is ``facts.received_at``).
Rule sets are given from the most general to the most specific layer (platform policy, then a
region such as EU, the country, a subdivision; or the platform policy and the fallback). A layer
overrides an earlier layer's rule by using the same rule id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from requests_app.choices import Category, DataKind, LegalChannel, ProcessType, data_kind_of
from rules.checks import CHECKS, Check, Finding, words
from rules.facts import RequestFacts

PASS, FAIL, WARN = "pass", "fail", "warn"
PROCEED, REJECT, NEEDS_INFO = "proceed", "reject", "needs_info"
SCOPE_PLATFORM, SCOPE_JURISDICTION, SCOPE_FALLBACK = "platform", "jurisdiction", "fallback"

DEFAULT_RESPONSE_TIME = dt.timedelta(days=10)
DEFAULT_EMERGENCY_RESPONSE_TIME = dt.timedelta(hours=8)
DEFAULT_PRESERVATION = (90, 90)

NO_PLATFORM_POLICY_RULE = "engine.platform_policy_in_force"
NO_PLATFORM_POLICY_MESSAGE = "Every request is checked against the platform policy in force when it was received."
NO_PLATFORM_POLICY_DETAIL = "No platform policy was in force on {day}."
NO_JURISDICTION_RULES_RULE = "engine.jurisdiction_rules_in_force"
NO_JURISDICTION_RULES_MESSAGE = "Every request is checked against its jurisdiction's rules or the fallback rules."
NO_JURISDICTION_RULES_DETAIL = "Neither rules for {jurisdiction} nor fallback rules were in force on {day}."
ENGINE_CITATION = "lawreq rule engine: a request is never judged without the rules in force at its receipt"


@dataclass(frozen=True, slots=True)
class When:
    """The conditions under which a rule applies; a rule that does not apply passes as not applicable."""

    process_types: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    legal_channels: frozenset[str] | None = None
    emergency: bool | None = None
    # The Regulation's data kinds (subscriber, identification, traffic, content): unlike the categories,
    # they depend on why IP addresses are asked (``requests_app.choices.data_kind_of``).
    data_kinds: frozenset[str] | None = None
    not_applicable: Finding = field(default=Finding(ok=True, applicable=False))

    def matches(self, facts: RequestFacts) -> bool:
        return (
            (self.process_types is None or facts.process_type in self.process_types)
            and (self.categories is None or not self.categories.isdisjoint(facts.categories))
            and (self.data_kinds is None or not self.data_kinds.isdisjoint(facts.data_kinds))
            and (self.legal_channels is None or facts.legal_channel in self.legal_channels)
            and (self.emergency is None or facts.emergency == self.emergency)
        )

    def categories_concerned(self, facts: RequestFacts) -> frozenset[str] | None:
        """The requested categories the rule is about, which its failure takes out of reach; None when
        the rule speaks of no category."""
        if self.categories is not None:
            return self.categories
        if self.data_kinds is not None:
            return frozenset(
                category
                for category in facts.categories
                if data_kind_of(category, ip_purpose=facts.ip_purpose) in self.data_kinds
            )
        return None


def compile_when(spec: Mapping[str, Any] | None) -> When | None:
    if not spec:
        return None
    conditions = []
    if "process_types" in spec:
        conditions.append(f"applies to {words(ProcessType, spec['process_types'])} only")
    if "categories" in spec:
        conditions.append(f"applies when {words(Category, spec['categories'])} are requested")
    if "data_kinds" in spec:
        conditions.append(f"applies when {words(DataKind, spec['data_kinds'])} are requested")
    if "legal_channels" in spec:
        conditions.append(f"applies to requests made as {words(LegalChannel, spec['legal_channels'])} only")
    if "emergency" in spec:
        conditions.append("applies to emergency requests only" if spec["emergency"] else "applies outside emergencies")
    return When(
        process_types=frozenset(spec["process_types"]) if "process_types" in spec else None,
        categories=frozenset(spec["categories"]) if "categories" in spec else None,
        legal_channels=frozenset(spec["legal_channels"]) if "legal_channels" in spec else None,
        emergency=spec.get("emergency"),
        data_kinds=frozenset(spec["data_kinds"]) if "data_kinds" in spec else None,
        not_applicable=Finding(ok=True, applicable=False, detail="Not applicable: " + "; ".join(conditions) + "."),
    )


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, Mapping):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    return value


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    check: Check
    severity: str
    message: str
    citation: str
    params: Mapping[str, Any]
    note: str = ""
    officer_visible: bool = True
    when: When | None = None


@dataclass(frozen=True, slots=True)
class CompiledRuleSet:
    """One rule set version, ready for evaluation."""

    key: str
    scope: str
    name: str
    effective_from: dt.date
    effective_to: dt.date | None
    rules: tuple[Rule, ...]
    version: int = 0
    version_id: int | None = None

    @property
    def label(self) -> str:
        return f"{self.key} v{self.version}"

    def reference(self) -> dict:
        return {"ruleset": self.key, "version": self.version, "effective_from": self.effective_from.isoformat()}


def compile_rule(spec: Mapping[str, Any]) -> Rule:
    check = CHECKS[spec["check"]]
    return Rule(
        id=spec["id"],
        check=check,
        severity=spec["severity"],
        message=spec["message"],
        citation=spec["citation"],
        params=_freeze(spec.get("params", {})),
        note=spec.get("note", ""),
        officer_visible=spec.get("officer_visible", check.officer_visible),
        when=compile_when(spec.get("when")),
    )


def compile_ruleset(entry: Mapping[str, Any], *, version: int = 0, version_id: int | None = None) -> CompiledRuleSet:
    """Compile a validated rule set entry (see ``rules.documents``)."""
    effective_to = entry.get("effective_to")
    return CompiledRuleSet(
        key=entry["jurisdiction"] if entry["scope"] == SCOPE_JURISDICTION else entry["scope"],
        scope=entry["scope"],
        name=entry["name"],
        effective_from=dt.date.fromisoformat(entry["effective_from"]),
        effective_to=dt.date.fromisoformat(effective_to) if effective_to else None,
        rules=tuple(compile_rule(spec) for spec in entry["rules"]),
        version=version,
        version_id=version_id,
    )


class RuleResult(NamedTuple):
    # A named tuple for the same reason as ``Finding``: one per rule and request.
    rule: str
    outcome: str
    message: str
    citation: str
    detail: str
    ruleset: str
    missing_information: bool = False
    officer_visible: bool = True
    note: str = ""
    # False when the rule's conditions (``when``) or its check say it does not concern this request:
    # it then "passes" only in the sense that it blocks nothing, and pages fold it away.
    applicable: bool = True

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "outcome": self.outcome,
            "message": self.message,
            "citation": self.citation,
            "detail": self.detail,
            "ruleset": self.ruleset,
            "missing_information": self.missing_information,
            "officer_visible": self.officer_visible,
            "note": self.note,
            "applicable": self.applicable,
        }

    @property
    def explanation(self) -> str:
        return f"{self.message} {self.detail}".strip()


@dataclass(frozen=True, slots=True)
class Evaluation:
    results: tuple[RuleResult, ...]
    rulesets: tuple[dict, ...]
    recommendation: str
    missing_information: tuple[str, ...]
    allowed_categories: tuple[str, ...]
    response_deadline: dt.datetime
    deadline_rule: str
    out_of_band_verification: bool
    preservation: tuple[int, int]
    followup: dt.timedelta | None = None

    def outcome_of(self, rule_id: str) -> str:
        return self.result_of(rule_id).outcome

    def result_of(self, rule_id: str) -> RuleResult:
        for result in self.results:
            if result.rule == rule_id:
                return result
        raise KeyError(rule_id)

    @property
    def outcomes(self) -> dict[str, str]:
        return {result.rule: result.outcome for result in self.results}


def version_in_force(timeline: Iterable[CompiledRuleSet], day: dt.date) -> CompiledRuleSet | None:
    """The version of one rule set in force on ``day``: the one that started last on or before it
    (the latest version among those starting the same day), unless its period has ended."""
    started = [version for version in timeline if version.effective_from <= day]
    if not started:
        return None
    current = max(started, key=lambda version: (version.effective_from, version.version))
    return current if current.effective_to is None or current.effective_to > day else None


def layers_in_force(
    timelines: Mapping[str, Iterable[CompiledRuleSet]], chain: Sequence[str], day: dt.date
) -> list[CompiledRuleSet]:
    """The rule sets that judge a request received on ``day`` from the jurisdiction whose layers are
    ``chain`` (most general first, e.g. ``["EU", "FR"]``): the platform policy, then every layer with
    a version in force, or the fallback when none has."""
    layers = [version for code in chain if (version := version_in_force(timelines.get(code, ()), day)) is not None]
    if not layers:
        fallback = version_in_force(timelines.get(SCOPE_FALLBACK, ()), day)
        layers = [fallback] if fallback is not None else []
    platform = version_in_force(timelines.get(SCOPE_PLATFORM, ()), day)
    return [platform, *layers] if platform is not None else layers


def merged_rules(rulesets: Sequence[CompiledRuleSet]) -> list[tuple[Rule, CompiledRuleSet]]:
    """Rules in layer order; a later layer's rule replaces an earlier one with the same id, in place."""
    merged: dict[str, tuple[Rule, CompiledRuleSet]] = {}
    for ruleset in rulesets:
        for rule in ruleset.rules:
            merged[rule.id] = (rule, ruleset)
    return list(merged.values())


def _engine_result(rule_id: str, message: str, detail: str) -> RuleResult:
    return RuleResult(rule=rule_id, outcome=FAIL, message=message, citation=ENGINE_CITATION, detail=detail, ruleset="")


def evaluate(facts: RequestFacts, rulesets: Sequence[CompiledRuleSet]) -> Evaluation:
    results: list[RuleResult] = []
    missing: list[str] = []
    allowed = set(facts.categories)
    rejecting = needs_info = verification = False
    deadline: dt.timedelta | None = None
    deadline_rule = ""
    preservation = DEFAULT_PRESERVATION
    followup: dt.timedelta | None = None

    if not any(ruleset.scope == SCOPE_PLATFORM for ruleset in rulesets):
        detail = NO_PLATFORM_POLICY_DETAIL.format(day=facts.received_on.isoformat())
        results.append(_engine_result(NO_PLATFORM_POLICY_RULE, NO_PLATFORM_POLICY_MESSAGE, detail))
        rejecting, allowed = True, set()
    if not any(ruleset.scope != SCOPE_PLATFORM for ruleset in rulesets):
        detail = NO_JURISDICTION_RULES_DETAIL.format(jurisdiction=facts.jurisdiction, day=facts.received_on.isoformat())
        results.append(_engine_result(NO_JURISDICTION_RULES_RULE, NO_JURISDICTION_RULES_MESSAGE, detail))
        rejecting, allowed = True, set()

    for rule, ruleset in merged_rules(rulesets):
        if rule.when is not None and not rule.when.matches(facts):
            finding = rule.when.not_applicable
        else:
            finding = rule.check.run(facts, rule.params)
        outcome = PASS if finding.ok else (WARN if rule.severity == WARN else FAIL)
        results.append(
            RuleResult(
                rule=rule.id,
                outcome=outcome,
                message=rule.message,
                citation=rule.citation,
                detail=finding.detail,
                ruleset=ruleset.key,
                missing_information=finding.missing,
                officer_visible=rule.officer_visible or finding.missing,
                note=rule.note,
                applicable=finding.applicable,
            )
        )
        if not finding.applicable:
            continue
        if outcome == FAIL:
            if finding.missing:
                needs_info = True
                missing.append(results[-1].explanation)
            else:
                rejecting = True
            if finding.permitted_categories is not None:
                allowed &= finding.permitted_categories
            elif rule.when is not None and rule.when.categories_concerned(facts) is not None:
                allowed -= rule.when.categories_concerned(facts)
            elif not finding.missing:
                allowed = set()
        verification = verification or finding.out_of_band_verification
        if finding.followup is not None and (followup is None or finding.followup < followup):
            followup = finding.followup
        if (
            finding.deadline is not None
            and _deadline_counts(rule, facts)
            and (deadline is None or finding.deadline < deadline)
        ):
            deadline, deadline_rule = finding.deadline, rule.id
        if finding.preservation is not None:
            preservation = finding.preservation

    if deadline is None:
        deadline = DEFAULT_EMERGENCY_RESPONSE_TIME if facts.emergency else DEFAULT_RESPONSE_TIME
    return Evaluation(
        results=tuple(results),
        rulesets=tuple(ruleset.reference() for ruleset in rulesets),
        recommendation=REJECT if rejecting else (NEEDS_INFO if needs_info else PROCEED),
        missing_information=tuple(missing),
        allowed_categories=tuple(category for category in Category.values if category in allowed),
        response_deadline=facts.received_at + deadline,
        deadline_rule=deadline_rule,
        out_of_band_verification=verification,
        preservation=preservation,
        followup=followup,
    )


def _deadline_counts(rule: Rule, facts: RequestFacts) -> bool:
    """An emergency is answered by the emergency deadlines only; other requests by the ordinary ones."""
    if rule.check.name == "emergency":
        return True
    explicitly_emergency = rule.when is not None and rule.when.emergency is True
    return explicitly_emergency == facts.emergency
