"""Write services of the rule engine: loading rule sets, exporting them, checking requests."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.errors import Conflict, NotFound, NotPermitted
from lawreq.roles import Role, has_role
from requests_app.choices import in_sentence, label_of
from requests_app.models import Jurisdiction, LegalRequest
from requests_app.selectors import require_legal_staff_on
from requests_app.states import CHECKABLE_STATES, EDITABLE_STATES, State
from requests_app.trust import legal_request_signatures_recheck
from rules.checks import FIELD_LABELS
from rules.documents import (
    RuleFileInvalid,
    RuleFileProblem,
    content_hash,
    dump_rule_document,
    format_path,
    parse_rule_text,
    period_text,
    scope_key,
    validate_rule_document,
)
from rules.engine import FAIL, NEEDS_INFO, PROCEED, REJECT, WARN, evaluate
from rules.facts import facts_from_request
from rules.models import CheckRun, RuleSet, RuleSetVersion, Scope
from rules.risk import risk_signals_of
from rules.selectors import (
    RetentionWindow,
    overlapping_version,
    retention_windows,
    ruleset_timeline,
    rulesets_in_force,
)

SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"
SHIPPED_FILES = ("platform.yaml", "us.yaml", "eu.yaml", "gb.yaml", "fallback.yaml")

ERR_OVERLAP_STORED = "the period {period} overlaps {label} ({other_period})"
ERR_NO_RULESET = "No rule set for '{code}'."
ERR_RERUN_ROLE = "Only analysts run checks again."
ERR_CHECK_STATE = "The checks run on a submitted request that is not decided yet; this one is '{state}'."
ERR_PRECHECK_STATE = (
    "A request is checked before filing while it is a draft or waits for information; this one is {state}."
)
MISSING_DOCUMENT = "Missing: " + FIELD_LABELS["legal_document"] + "."


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _known_jurisdictions(codes: set[str]) -> set[str]:
    return set(Jurisdiction.objects.filter(code__in=codes).values_list("code", flat=True))


def _locked_ruleset(entry: dict) -> RuleSet:
    key = scope_key(entry)
    jurisdiction = Jurisdiction.objects.get(code=key) if entry["scope"] == Scope.JURISDICTION else None
    RuleSet.objects.get_or_create(key=key, defaults={"scope": entry["scope"], "jurisdiction": jurisdiction})
    # The lock serialises version numbers and overlap checks between concurrent loads.
    return RuleSet.objects.select_for_update().get(key=key)


def _same_content_version(ruleset: RuleSet, start: dt.date, digest: str, *, any_earlier: bool) -> RuleSetVersion | None:
    versions = RuleSetVersion.objects.filter(ruleset=ruleset, effective_from=start, content_hash=digest)
    if not any_earlier:
        versions = versions.filter(superseded_by__isnull=True)
    return versions.first()


def rules_load(*, text: str | bytes, actor=None, source: str = "file", skip_known_content: bool = False) -> LoadReport:
    """Load a rule file's text; see ``rules_load_document``."""
    return rules_load_document(
        document=parse_rule_text(text), actor=actor, source=source, skip_known_content=skip_known_content
    )


@transaction.atomic
def rules_load_document(
    *, document: Any, actor=None, source: str = "file", skip_known_content: bool = False
) -> LoadReport:
    """Load a parsed rule file as a whole: every rule set version in it, or nothing.

    An entry identical to the version in force for the same rule set and start creates nothing,
    so loading an export changes nothing. A changed entry becomes a new version; one starting on the
    same day as a stored version replaces it. ``skip_known_content`` also skips content that was
    loaded once and replaced since (an operator's change is not undone by reloading shipped files).
    """
    document = validate_rule_document(document, known_jurisdictions=_known_jurisdictions)
    report = LoadReport()
    problems: list[RuleFileProblem] = []
    # Earlier periods first, so a file may shorten a stored period and add the one that follows.
    order = sorted(enumerate(document["rulesets"]), key=lambda item: (scope_key(item[1]), item[1]["effective_from"]))
    for index, entry in order:
        ruleset = _locked_ruleset(entry)
        start = dt.date.fromisoformat(entry["effective_from"])
        end = dt.date.fromisoformat(entry["effective_to"]) if entry["effective_to"] else None
        digest = content_hash(entry)
        same = _same_content_version(ruleset, start, digest, any_earlier=skip_known_content)
        if same is not None:
            report.unchanged.append(same.label)
            continue
        overlap = overlapping_version(key=ruleset.key, start=start, end=end)
        if overlap is not None:
            where = "effective_to" if overlap.effective_from > start else "effective_from"
            problems.append(
                RuleFileProblem(
                    format_path(["rulesets", index, where]),
                    ERR_OVERLAP_STORED.format(
                        period=period_text(start, end),
                        label=overlap.label,
                        other_period=period_text(overlap.effective_from, overlap.effective_to),
                    ),
                )
            )
            continue
        version = _version_create(ruleset=ruleset, entry=entry, digest=digest, actor=actor, source=source)
        report.created.append(version.label)
    if problems:
        raise RuleFileInvalid(sorted(problems, key=lambda p: p.path))
    return report


def _version_create(*, ruleset: RuleSet, entry: dict, digest: str, actor, source: str) -> RuleSetVersion:
    start = dt.date.fromisoformat(entry["effective_from"])
    replaced = RuleSetVersion.objects.filter(ruleset=ruleset, effective_from=start, superseded_by__isnull=True).first()
    last = ruleset.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = RuleSetVersion(
        ruleset=ruleset,
        number=last + 1,
        name=entry["name"],
        effective_from=start,
        effective_to=dt.date.fromisoformat(entry["effective_to"]) if entry["effective_to"] else None,
        rules=entry["rules"],
        content_hash=digest,
        change_note=entry["change_note"],
        supersedes=replaced,
        author=actor if actor is not None and actor.is_authenticated else None,
    )
    version.full_clean()
    version.save()
    audit_record(
        action=AuditAction.RULESET_CHANGED,
        actor=actor,
        obj=version,
        details={
            "ruleset": ruleset.key,
            "version": version.number,
            "effective_from": version.effective_from.isoformat(),
            "effective_to": version.effective_to.isoformat() if version.effective_to else None,
            "replaces_version": replaced.number if replaced is not None else None,
            "content_hash": digest,
            "rules": len(version.rules),
            "change_note": version.change_note,
            "source": source,
        },
    )
    return version


@transaction.atomic
def rules_load_shipped(*, actor=None) -> LoadReport:
    """Load the rule sets shipped in ``rules/shipped/``; a second call creates no new version."""
    report = LoadReport()
    for name in SHIPPED_FILES:
        loaded = rules_load(
            text=(SHIPPED_DIR / name).read_text(encoding="utf-8"),
            actor=actor,
            source=f"shipped:{name}",
            skip_known_content=True,
        )
        report.created += loaded.created
        report.unchanged += loaded.unchanged
    return report


@transaction.atomic
def rules_export(*, jurisdiction_code: str | None = None, actor=None) -> str:
    """The rule sets' timelines as a rule file (all of them, or one jurisdiction's), audited."""
    keys = None
    if jurisdiction_code:
        code = jurisdiction_code.strip()
        code = code if code in {Scope.PLATFORM, Scope.FALLBACK} else code.upper()
        if not RuleSet.objects.filter(key=code).exists():
            raise NotFound(ERR_NO_RULESET.format(code=jurisdiction_code))
        keys = [code]
    versions = ruleset_timeline(keys=keys)
    text = dump_rule_document(version.as_entry() for version in versions)
    audit_record(
        action=AuditAction.RULES_EXPORTED,
        actor=actor,
        details={
            "jurisdiction": keys[0] if keys else "",
            "versions": [version.label for version in versions],
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        },
    )
    return text


@transaction.atomic
def legal_request_check(*, legal_request: LegalRequest, actor=None) -> CheckRun:
    """Evaluate the request against the rules in force at its receipt; store and audit the result.

    ``actor=None`` is the system validating a submission; a person running them again is an analyst.
    """
    if actor is not None:
        require_legal_staff_on(legal_request, actor)
        if not has_role(actor, Role.ANALYST):
            raise NotPermitted(ERR_RERUN_ROLE)
    # The state is read under the row lock: a withdrawal committing meanwhile is seen, not raced.
    state = LegalRequest.objects.select_for_update().values_list("state", flat=True).get(pk=legal_request.pk)
    if state not in CHECKABLE_STATES:
        raise Conflict(ERR_CHECK_STATE.format(state=state))
    # The trust roots may have changed since the documents were uploaded.
    legal_request_signatures_recheck(legal_request=legal_request)
    facts = facts_from_request(legal_request)
    rulesets = rulesets_in_force(jurisdiction_code=facts.jurisdiction, at=facts.received_at)
    evaluation = evaluate(facts, rulesets)
    check_run = CheckRun.objects.create(
        legal_request=legal_request,
        results=[result.as_dict() for result in evaluation.results],
        versions=list(evaluation.rulesets),
        recommendation=evaluation.recommendation,
        allowed_categories=list(evaluation.allowed_categories),
        missing_information=list(evaluation.missing_information),
        response_deadline=evaluation.response_deadline,
        out_of_band_verification=evaluation.out_of_band_verification,
        followup_hours=int(evaluation.followup.total_seconds() // 3600) if evaluation.followup else None,
        risk_signals=[signal.as_dict() for signal in risk_signals_of(legal_request)],
        run_by=actor if actor is not None and actor.is_authenticated else None,
    )
    check_run.rule_set_versions.set([ruleset.version_id for ruleset in rulesets if ruleset.version_id is not None])
    audit_record(
        action=AuditAction.REQUEST_CHECKED,
        actor=actor,
        obj=check_run,
        request_ref=legal_request.ref,
        details=check_run_audit_details(check_run),
    )
    return check_run


def check_run_audit_details(check_run: CheckRun) -> dict:
    return {
        "check_run": check_run.pk,
        "recommendation": check_run.recommendation,
        "rule_versions": check_run.versions,
        "failed_rules": [r["rule"] for r in check_run.results if r["outcome"] == FAIL],
        "warned_rules": [r["rule"] for r in check_run.results if r["outcome"] == WARN],
        "allowed_categories": check_run.allowed_categories,
        "out_of_band_verification": check_run.out_of_band_verification,
        "risk_signals": [signal["signal"] for signal in check_run.risk_signals],
    }


@dataclass(frozen=True)
class PrecheckFinding:
    rule: str
    outcome: str
    message: str
    citation: str
    # Failed only for want of something the officer can add (it is listed in ``missing`` too).
    missing_information: bool = False


@dataclass(frozen=True)
class Precheck:
    """What the rules say about a draft, as its officer may read it."""

    recommendation: str
    findings: tuple[PrecheckFinding, ...]
    missing: tuple[str, ...]
    retention: tuple[RetentionWindow, ...]

    @property
    def other_findings(self) -> tuple[PrecheckFinding, ...]:
        """The findings that are not about something missing: what would be refused or is warned."""
        return tuple(finding for finding in self.findings if not finding.missing_information)

    @property
    def missing_without_rule(self) -> tuple[str, ...]:
        """What is missing that no finding names (the document a submission needs)."""
        named = {finding.message for finding in self.findings if finding.missing_information}
        return tuple(text for text in self.missing if text not in named)


@transaction.atomic
def legal_request_precheck(*, legal_request: LegalRequest, actor) -> Precheck:
    """Run the rules that validate a submission on a draft (or a request sent back for information)
    and keep what its officer may read: the failed and warned rules they can act on, with their
    citations, never the legal team's notes nor the identity checks; what is missing; how far back
    the asked data is kept. The verdict is drawn from those findings only, so an internal check does
    not show through it. Nothing changes but one audit entry."""
    state = LegalRequest.objects.values_list("state", flat=True).get(pk=legal_request.pk)
    if state not in EDITABLE_STATES:
        raise Conflict(ERR_PRECHECK_STATE.format(state=in_sentence(label_of(State, state))))
    facts = facts_from_request(legal_request)
    rulesets = rulesets_in_force(jurisdiction_code=facts.jurisdiction, at=facts.received_at)
    evaluation = evaluate(facts, rulesets)
    visible = [
        result
        for result in evaluation.results
        if result.applicable
        and result.outcome in {FAIL, WARN}
        and (result.officer_visible or result.missing_information)
    ]
    missing = list(evaluation.missing_information)
    if facts.documents_count == 0 and not any(FIELD_LABELS["legal_document"] in text for text in missing):
        # Submitting needs a document whatever the rules say.
        missing.append(MISSING_DOCUMENT)
    failed = [result for result in visible if result.outcome == FAIL]
    if any(not result.missing_information for result in failed):
        recommendation = REJECT
    elif missing:
        recommendation = NEEDS_INFO
    else:
        recommendation = PROCEED
    precheck = Precheck(
        recommendation=recommendation,
        findings=tuple(
            PrecheckFinding(
                rule=r.rule,
                outcome=r.outcome,
                message=r.explanation,
                citation=r.citation,
                missing_information=r.missing_information,
            )
            for r in visible
        ),
        missing=tuple(missing),
        retention=tuple(retention_windows(facts, rulesets)),
    )
    audit_record(
        action=AuditAction.REQUEST_PRECHECKED,
        actor=actor,
        obj=legal_request,
        request_ref=legal_request.ref,
        details={
            "recommendation": recommendation,
            "rule_versions": list(evaluation.rulesets),
            "failed_rules": [f.rule for f in precheck.findings if f.outcome == FAIL],
            "warned_rules": [f.rule for f in precheck.findings if f.outcome == WARN],
            "missing": len(missing),
        },
    )
    return precheck
