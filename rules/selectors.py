"""Reads of the rule sets: which versions are in force, and what they say about a request."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache

from django.db.models import Q

from requests_app.choices import Category, IpPurpose, ProcessType, data_kinds
from requests_app.models import Jurisdiction, LegalRequest
from rules.engine import (
    FAIL,
    NEEDS_INFO,
    PASS,
    PROCEED,
    REJECT,
    WARN,
    CompiledRuleSet,
    RuleResult,
    compile_ruleset,
    evaluate,
    layers_in_force,
    merged_rules,
    version_in_force,
)
from rules.facts import RequestFacts, facts_from_request
from rules.models import CheckRun, RuleSet, RuleSetVersion, Scope

MAX_JURISDICTION_DEPTH = 5


@lru_cache(maxsize=1024)
def _compiled(version_id: int, content_hash: str) -> CompiledRuleSet:
    # Versions are immutable, so a version compiled once stays valid for the life of the process.
    version = RuleSetVersion.objects.select_related("ruleset").get(pk=version_id)
    return compile_ruleset(version.as_entry(), version=version.number, version_id=version.pk)


def jurisdiction_chain(jurisdiction_code: str) -> list[str]:
    """The codes whose rules apply to a jurisdiction, most general first: ``["EU", "FR"]``, ``["US", "US-CA"]``.

    Parents come from the jurisdiction table; a subdivision without a recorded parent belongs to its country.
    """
    chain: list[str] = []
    code: str | None = jurisdiction_code
    # Subdivision, country, region: two joins cover the usual depth; deeper parents load lazily.
    jurisdiction = Jurisdiction.objects.select_related("parent__parent").filter(code=code).first()
    while code and code not in chain and len(chain) < MAX_JURISDICTION_DEPTH:
        chain.append(code)
        parent = jurisdiction.parent if jurisdiction is not None else None
        if parent is not None:
            code, jurisdiction = parent.code, parent
        elif "-" in code:
            code = code.split("-")[0]
            jurisdiction = Jurisdiction.objects.select_related("parent__parent").filter(code=code).first()
        else:
            code = None
    return list(reversed(chain))


def _timelines(*, keys: list[str], at: dt.date) -> dict[str, list[CompiledRuleSet]]:
    """The stored timelines of the named rule sets, up to ``at``, compiled (from the cache when known)."""
    versions = (
        RuleSetVersion.objects.filter(ruleset__key__in=keys, effective_from__lte=at, superseded_by__isnull=True)
        .select_related("ruleset")
        .only("id", "content_hash", "ruleset__key")
    )
    timelines: dict[str, list[CompiledRuleSet]] = {}
    for version in versions:
        timelines.setdefault(version.ruleset.key, []).append(_compiled(version.pk, version.content_hash))
    return timelines


def versions_in_force(*, keys: list[str], at: dt.date) -> dict[str, CompiledRuleSet]:
    """The version of each named rule set in force on ``at``."""
    in_force = {}
    for key, timeline in _timelines(keys=keys, at=at).items():
        version = version_in_force(timeline, at)
        if version is not None:
            in_force[key] = version
    return in_force


def ruleset_version_in_force(*, key: str, at: dt.date) -> RuleSetVersion | None:
    compiled = versions_in_force(keys=[key], at=at).get(key)
    return RuleSetVersion.objects.select_related("ruleset").get(pk=compiled.version_id) if compiled else None


def rulesets_in_force(*, jurisdiction_code: str, at: dt.datetime) -> list[CompiledRuleSet]:
    """The rule set versions that judge a request received at ``at``, most general first:
    the platform policy, then the jurisdiction's layers (region, country, subdivision), or the
    fallback when none of those layers has rules in force."""
    day = at.astimezone(dt.UTC).date()
    chain = jurisdiction_chain(jurisdiction_code)
    return layers_in_force(_timelines(keys=[Scope.PLATFORM, Scope.FALLBACK, *chain], at=day), chain, day)


def _facts_for(*, jurisdiction_code: str, process_type: str, emergency: bool, received_at: dt.datetime) -> RequestFacts:
    return RequestFacts(
        jurisdiction=jurisdiction_code, process_type=process_type, emergency=emergency, received_at=received_at
    )


def response_deadline(
    *, jurisdiction_code: str, process_type: str, emergency: bool, received_at: dt.datetime
) -> dt.datetime:
    """When a request must be answered: the shortest deadline the rules in force set for it, else
    10 days (8 hours in an emergency)."""
    facts = _facts_for(
        jurisdiction_code=jurisdiction_code, process_type=process_type, emergency=emergency, received_at=received_at
    )
    return evaluate(facts, rulesets_in_force(jurisdiction_code=jurisdiction_code, at=received_at)).response_deadline


def preservation_period(*, jurisdiction_code: str, at: dt.datetime) -> tuple[int, int]:
    """(days, extension days) a preservation request from the jurisdiction holds data for."""
    facts = _facts_for(
        jurisdiction_code=jurisdiction_code,
        process_type=ProcessType.PRESERVATION_ORDER,
        emergency=False,
        received_at=at,
    )
    return evaluate(facts, rulesets_in_force(jurisdiction_code=jurisdiction_code, at=at)).preservation


def _static_summary(rulesets: list[CompiledRuleSet]) -> dict:
    """What a jurisdiction's rules accept, read from the rules without a request."""
    rules = [rule for rule, _ in merged_rules(rulesets)]
    recognised = [p.value for p in ProcessType]
    channels = ["direct", "mlat", "agreement"]
    for rule in rules:
        if rule.check.name == "process_type_recognised":
            recognised = [p for p in recognised if p in rule.params["process_types"]]
        elif rule.check.name == "legal_channel" and rule.when is None:
            channels = [c for c in channels if c in rule.params["channels"]]
    categories: set[str] = set()
    for process_type in recognised:
        reachable = set(Category.values)
        for rule in rules:
            if rule.check.name not in {"categories_allowed", "categories_never_disclosed"}:
                continue
            if rule.when is not None and (
                rule.when.emergency is True
                or (rule.when.process_types is not None and process_type not in rule.when.process_types)
            ):
                continue
            if rule.check.name == "categories_allowed":
                reachable &= set(rule.params["categories"])
            else:
                reachable -= set(rule.params["categories"])
        categories |= reachable
    return {
        "process_types": recognised,
        "categories": [category for category in Category.values if category in categories],
        "legal_channels": channels,
    }


def process_types_recognised(*, jurisdiction_code: str, at: dt.datetime) -> list[str]:
    """The legal processes the rules in force for the jurisdiction recognise (all, when none says)."""
    return _static_summary(rulesets_in_force(jurisdiction_code=jurisdiction_code, at=at))["process_types"]


def jurisdictions_in_force(*, at: dt.datetime) -> list[dict]:
    """Every jurisdiction a request can name, with what the rules in force at ``at`` accept from it.

    ``rules`` says where they come from: ``own`` (a rule set for the code), ``inherited`` (from a
    region or country above it) or ``fallback`` (mutual legal assistance only).
    """
    day = at.astimezone(dt.UTC).date()
    keys = list(RuleSet.objects.values_list("key", flat=True))
    in_force = versions_in_force(keys=keys, at=day)
    platform = in_force.get(Scope.PLATFORM)
    fallback = in_force.get(Scope.FALLBACK)
    jurisdictions = list(Jurisdiction.objects.filter(is_region=False).select_related("parent").order_by("code"))
    parents = {j.code: j.parent.code if j.parent_id else None for j in Jurisdiction.objects.select_related("parent")}
    summaries: dict[tuple, dict] = {}
    listed = []
    for jurisdiction in jurisdictions:
        chain, code = [], jurisdiction.code
        while code and code not in chain and len(chain) < MAX_JURISDICTION_DEPTH:
            chain.append(code)
            code = parents.get(code) or (code.split("-")[0] if "-" in code else None)
        layers = [in_force[c] for c in reversed(chain) if c in in_force]
        source = "own" if jurisdiction.code in in_force else ("inherited" if layers else "fallback")
        if not layers:
            layers = [fallback] if fallback else []
        versions = ([platform] if platform else []) + layers
        cache_key = tuple(v.version_id for v in versions)
        if cache_key not in summaries:
            summaries[cache_key] = _static_summary(versions)
        listed.append({"code": jurisdiction.code, "name": jurisdiction.name, **summaries[cache_key], "rules": source})
    return listed


def latest_check_run(legal_request: LegalRequest) -> CheckRun | None:
    return CheckRun.objects.filter(legal_request=legal_request).order_by("-created_at", "-id").first()


def check_results(check_run: CheckRun) -> list[RuleResult]:
    return [RuleResult(**result) for result in check_run.results]


def officer_failures(check_run: CheckRun | None) -> list[RuleResult]:
    """The failed rules an officer may read (the portal and the rejection letter show these):
    missing or wrong information, never internal notes or identity checks."""
    if check_run is None:
        return []
    return [
        result
        for result in check_results(check_run)
        if result.outcome == FAIL and (result.officer_visible or result.missing_information)
    ]


def officer_findings(check_run: CheckRun | None) -> list[str]:
    return [result.explanation for result in officer_failures(check_run)]


def checks_missing_text(check_run: CheckRun | None) -> str:
    """What the checks found missing, one finding a line: what a request asked by the checks keeps
    as ``info_requested``."""
    return "\n".join(check_run.missing_information) if check_run is not None else ""


def ruleset_versions(*, key: str) -> list[RuleSetVersion]:
    return list(RuleSetVersion.objects.filter(ruleset__key=key).select_related("ruleset", "author").order_by("-number"))


def ruleset_timeline(*, keys: list[str] | None = None) -> list[RuleSetVersion]:
    """The versions that make up each rule set's timeline (not replaced), ordered for export."""
    queryset = RuleSetVersion.objects.filter(superseded_by__isnull=True).select_related("ruleset")
    if keys is not None:
        queryset = queryset.filter(ruleset__key__in=keys)
    scope_order = {Scope.PLATFORM: 0, Scope.JURISDICTION: 1, Scope.FALLBACK: 2}
    return sorted(queryset, key=lambda v: (scope_order[v.ruleset.scope], v.ruleset.key, v.effective_from))


def overlapping_version(*, key: str, start: dt.date, end: dt.date | None) -> RuleSetVersion | None:
    """A version on the rule set's timeline whose period collides with [start, end), other than one
    starting on ``start`` (which a new version replaces)."""
    timeline = RuleSetVersion.objects.filter(ruleset__key=key, superseded_by__isnull=True).exclude(effective_from=start)
    before = timeline.filter(effective_from__lt=start).order_by("-effective_from").first()
    if before is not None and before.effective_to is not None and before.effective_to > start:
        return before
    if end is not None:
        return (
            timeline.filter(Q(effective_from__gt=start) & Q(effective_from__lt=end)).order_by("effective_from").first()
        )
    return None


# The rule panel of the request page: the verdict in words first, then what needs attention.

NOT_APPLICABLE_PREFIX = "Not applicable"
RECOMMENDATION_WORDS = {
    PROCEED: "The rules allow an answer: propose a disclosure within what is allowed.",
    REJECT: "The rules recommend rejecting the request: legal requirements are not met.",
    NEEDS_INFO: "The officer must add information before a decision.",
}


def rule_applies(result: dict) -> bool:
    """Whether a stored result concerns the request (runs stored before the flag: by their detail)."""
    if "applicable" in result:
        return bool(result["applicable"])
    return not str(result.get("detail", "")).startswith(NOT_APPLICABLE_PREFIX)


@dataclass(frozen=True)
class CheckSummary:
    recommendation: str
    in_words: str
    missing: tuple[str, ...]
    blocked_categories: tuple[str, ...]
    blocking_rules: tuple[dict, ...]  # the failed rules that block (not the ones asking for information)
    failures: tuple[dict, ...]
    warnings: tuple[dict, ...]
    passes: tuple[dict, ...]
    not_applicable: tuple[dict, ...]


def check_summary(check_run: CheckRun, *, asked_categories) -> CheckSummary:
    """A check run as the legal team reads it: failures first, then warnings and passes; the rules
    that do not concern the request apart (they are not passes); which asked categories are blocked
    and by which rules."""
    applicable = [result for result in check_run.results if rule_applies(result)]
    failures = tuple(r for r in applicable if r["outcome"] == FAIL)
    allowed = set(check_run.allowed_categories)
    return CheckSummary(
        recommendation=check_run.recommendation,
        in_words=RECOMMENDATION_WORDS.get(check_run.recommendation, check_run.get_recommendation_display()),
        missing=tuple(check_run.missing_information),
        blocked_categories=tuple(category for category in asked_categories if category not in allowed),
        blocking_rules=tuple(r for r in failures if not r.get("missing_information")),
        failures=failures,
        warnings=tuple(r for r in applicable if r["outcome"] == WARN),
        passes=tuple(r for r in applicable if r["outcome"] == PASS),
        not_applicable=tuple(result for result in check_run.results if not rule_applies(result)),
    )


# What an officer may learn from the rules before filing: which asked categories the process cannot
# reach, how long the asked data is kept. Both read the rule sets; nothing here is hard-coded.

CATEGORY_RULE_CHECKS = frozenset({"categories_allowed", "categories_never_disclosed", "emergency"})
RETENTION_CHECK = "date_range_within_retention"


@dataclass(frozen=True)
class UnreachableCategory:
    category: str
    message: str
    citation: str


@dataclass(frozen=True)
class RetentionWindow:
    category: str
    days: int | None  # None: the rules set no retention limit for it
    oldest_kept: dt.date | None
    message: str
    citation: str


def categories_out_of_reach(facts: RequestFacts, rulesets: list[CompiledRuleSet]) -> list[UnreachableCategory]:
    """The asked categories that a rule in force refuses for these facts (process type, emergency,
    channel), each with the first rule that refuses it, in the rules' own words."""
    refused: dict[str, UnreachableCategory] = {}
    for rule, _ in merged_rules(rulesets):
        if rule.check.name not in CATEGORY_RULE_CHECKS or (rule.when is not None and not rule.when.matches(facts)):
            continue
        finding = rule.check.run(facts, rule.params)
        if finding.ok or finding.permitted_categories is None:
            continue
        for category in facts.categories:
            if category not in finding.permitted_categories and category not in refused:
                refused[category] = UnreachableCategory(category=category, message=rule.message, citation=rule.citation)
    return [refused[category] for category in Category.values if category in refused]


def categories_out_of_reach_at_intake(
    *, jurisdiction_code: str, process_type: str, categories, emergency: bool = False, legal_channel: str = "direct"
) -> list[UnreachableCategory]:
    """The same, for a request being written: judged by the rules in force now."""
    now = dt.datetime.now(tz=dt.UTC)
    facts = RequestFacts(
        jurisdiction=jurisdiction_code,
        process_type=process_type,
        received_at=now,
        emergency=emergency,
        legal_channel=legal_channel,
        categories=tuple(sorted(set(categories))),
    )
    return categories_out_of_reach(facts, rulesets_in_force(jurisdiction_code=jurisdiction_code, at=now))


def retention_windows(facts: RequestFacts, rulesets: list[CompiledRuleSet]) -> list[RetentionWindow]:
    """For each asked category, how far back the rules in force say its data is kept (the shortest
    window of the retention rules that apply to it), as of the facts' day."""
    windows = []
    for category in (c for c in Category.values if c in facts.categories):
        alone = replace(facts, categories=(category,))
        rules = [
            rule
            for rule, _ in merged_rules(rulesets)
            if rule.check.name == RETENTION_CHECK and (rule.when is None or rule.when.matches(alone))
        ]
        if not rules:
            windows.append(RetentionWindow(category=category, days=None, oldest_kept=None, message="", citation=""))
            continue
        shortest = min(rules, key=lambda rule: rule.params["days"])
        days = shortest.params["days"]
        windows.append(
            RetentionWindow(
                category=category,
                days=days,
                oldest_kept=facts.received_on - dt.timedelta(days=days),
                message=shortest.message,
                citation=shortest.citation,
            )
        )
    return windows


# The request's fields each kind of rule needs, as the intake form names them (a rule about the
# legal document or the targets concerns no field of the form's first step).
_FIELDS_OF_CHECK = {
    "terms_violation_required": ("terms_violation",),
    "issuing_authority": ("issuing_authority_type",),
    "offence_categories": ("offense_category",),
    "offence_min_max_sentence": ("offense_max_sentence_years",),
}
_FIELDS_OF_MANDATORY = {"date_range": ("date_from", "date_to")}


def _possible_data_kinds(categories) -> frozenset[str]:
    """The Regulation's data kinds the categories may be, whichever the IP purpose the officer gives."""
    return frozenset().union(*(data_kinds(categories, ip_purpose=purpose) for purpose in (*IpPurpose.values, "")))


def fields_required_by_rules(*, jurisdiction_code: str, process_type: str = "", categories=()) -> frozenset[str]:
    """The fields the rules in force now need before a request from the jurisdiction can be filed:
    the intake form marks them. A rule with conditions counts when the conditions match what is
    known (the process type and categories chosen), or when nothing is chosen yet."""
    now = dt.datetime.now(tz=dt.UTC)
    fields: set[str] = set()
    for rule, _ in merged_rules(rulesets_in_force(jurisdiction_code=jurisdiction_code, at=now)):
        if rule.when is not None:
            if rule.when.emergency is True or rule.when.legal_channels is not None:
                continue
            if process_type and rule.when.process_types is not None and process_type not in rule.when.process_types:
                continue
            if categories and rule.when.categories is not None and rule.when.categories.isdisjoint(categories):
                continue
            if (
                categories
                and rule.when.data_kinds is not None
                and rule.when.data_kinds.isdisjoint(_possible_data_kinds(categories))
            ):
                continue
        if rule.check.name == "mandatory_fields":
            for name in rule.params["fields"]:
                fields.update(_FIELDS_OF_MANDATORY.get(name, (name,)))
        else:
            fields.update(_FIELDS_OF_CHECK.get(rule.check.name, ()))
    return frozenset(fields)


def enforcing_window(*, legal_request: LegalRequest) -> dt.timedelta | None:
    """How long after receipt the enforcing authority notified of the request may raise grounds for refusal,
    as the applicable ``enforcing_notification`` rule in force at receipt says; None when no authority was
    notified or no such rule applies."""
    facts = facts_from_request(legal_request)
    if not facts.enforcing_authority_notified:
        return None
    window = None
    for rule, _ in merged_rules(rulesets_in_force(jurisdiction_code=facts.jurisdiction, at=facts.received_at)):
        if rule.check.name == "enforcing_notification" and (rule.when is None or rule.when.matches(facts)):
            if facts.emergency:
                window = dt.timedelta(hours=rule.params["emergency_window_hours"])
            else:
                window = dt.timedelta(days=rule.params["window_days"])
    return window


# Where the rule does not say: a day to transmit the data once the window ended (Art. 10(2)).
DEFAULT_TRANSMIT_HOURS_AFTER_WINDOW = 24


def enforcing_transmit_after(*, legal_request: LegalRequest) -> dt.timedelta:
    """How long after the enforcing authority's window ends the data is due: Art. 10(2) of Regulation (EU)
    2023/1543 has it transmitted "at the end of that 10-day period", so the answer is not late then; the
    applicable ``enforcing_notification`` rule's ``transmit_hours_after_window`` gives the time to send it."""
    facts = facts_from_request(legal_request)
    hours = DEFAULT_TRANSMIT_HOURS_AFTER_WINDOW
    for rule, _ in merged_rules(rulesets_in_force(jurisdiction_code=facts.jurisdiction, at=facts.received_at)):
        if rule.check.name == "enforcing_notification" and (rule.when is None or rule.when.matches(facts)):
            hours = rule.params.get("transmit_hours_after_window", DEFAULT_TRANSMIT_HOURS_AFTER_WINDOW)
    return dt.timedelta(hours=hours)


@dataclass(frozen=True)
class NoticeRule:
    """What the rules in force say of telling the affected users after a disclosure."""

    given: bool
    rule: str = ""
    citation: str = ""


def user_notice_rule(*, legal_request: LegalRequest) -> NoticeRule:
    """The most specific applicable ``user_notice`` rule in force at the request's receipt; notice is
    given when no rule speaks of it."""
    facts = facts_from_request(legal_request)
    found = NoticeRule(given=True)
    for rule, _ in merged_rules(rulesets_in_force(jurisdiction_code=facts.jurisdiction, at=facts.received_at)):
        if rule.check.name == "user_notice" and (rule.when is None or rule.when.matches(facts)):
            found = NoticeRule(given=bool(rule.params["given"]), rule=rule.id, citation=rule.citation)
    return found
