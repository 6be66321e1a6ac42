"""Loading rule files: a bad file is refused whole, naming the bad element, and nothing changes;
export and load round-trip; versions are immutable and effective-dated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from audit.actions import AuditAction
from audit.models import AuditEntry
from rules.documents import RuleFileInvalid, load_rule_text
from rules.models import ImmutableError, RuleSet, RuleSetVersion
from rules.selectors import rulesets_in_force
from rules.services import SHIPPED_DIR, rules_export, rules_load, rules_load_shipped
from tests.rules.conftest import BAD_FILES_DIR

BAD_FILES = sorted(BAD_FILES_DIR.glob("*.yaml"))


def _expected_problem(path: Path) -> str:
    return path.read_text().splitlines()[0].removeprefix("# expect: ")


def _database_state() -> tuple:
    return (
        list(RuleSet.objects.order_by("pk").values_list("pk", "key")),
        list(RuleSetVersion.objects.order_by("pk").values_list("pk", "content_hash")),
        AuditEntry.objects.count(),
    )


def _italy(effective_from: str = "2026-01-01", **overrides) -> dict:
    entry = {
        "scope": "jurisdiction",
        "jurisdiction": "IT",
        "name": "Italy",
        "effective_from": effective_from,
        "change_note": "test",
        "rules": [
            {
                "id": "it.deadline",
                "check": "response_deadline",
                "severity": "fail",
                "message": "Answer within 5 days.",
                "citation": "Test law",
                "params": {"days": 5},
            }
        ],
    }
    entry.update(overrides)
    return entry


def _file(*entries: dict) -> str:
    return yaml.safe_dump({"format": "lawreq-rules/1", "rulesets": list(entries)}, sort_keys=False)


@pytest.mark.parametrize("path", BAD_FILES, ids=[path.stem for path in BAD_FILES])
def test_bad_rule_file_is_refused_naming_the_element_and_nothing_changes(shipped_rules, path):
    # given
    before = _database_state()

    # when
    with pytest.raises(RuleFileInvalid) as refused:
        rules_load(text=path.read_text())

    # then
    problems = [str(problem) for problem in refused.value.problems]
    assert any(problem.startswith(_expected_problem(path)) for problem in problems), problems
    assert _database_state() == before


def test_load_rules_command_reports_the_path_and_fails(shipped_rules):
    path = BAD_FILES_DIR / "wrong_type_max_days.yaml"

    with pytest.raises(CommandError) as refused:
        call_command("load_rules", str(path))

    assert "rulesets[0].rules[1].params.max_days: must be a positive integer" in str(refused.value)
    assert "nothing was loaded" in str(refused.value)


def test_every_shipped_file_is_valid_and_every_rule_cites_its_source():
    for path in SHIPPED_DIR.glob("*.yaml"):
        for entry in load_rule_text(path.read_text(encoding="utf-8"))["rulesets"]:
            assert all(rule["citation"].strip() for rule in entry["rules"])


def test_the_documented_example_loads(shipped_rules):
    readme = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    example = readme.read_text().split("```yaml\n", 1)[1].split("```", 1)[0]

    report = rules_load(text=example)

    assert report.created == ["IT v1"]


def test_shipped_rules_load_once(db):
    first = rules_load_shipped()
    versions = RuleSetVersion.objects.count()

    second = rules_load_shipped()

    assert len(first.created) == versions == 9  # DK: not bound by the e-Evidence Regulation
    assert second.created == []
    assert RuleSetVersion.objects.count() == versions


def test_reloading_shipped_rules_does_not_undo_an_operators_change(shipped_rules):
    text = rules_export(jurisdiction_code="GB").replace("days: 7", "days: 5")
    rules_load(text=text)

    report = rules_load_shipped()

    assert report.created == []
    assert RuleSetVersion.objects.filter(ruleset__key="GB", superseded_by__isnull=True).get().number == 2


def test_export_then_load_changes_nothing_and_exports_the_same_text(shipped_rules):
    exported = rules_export()

    report = rules_load(text=exported)

    assert report.created == []
    assert rules_export() == exported


def test_export_holds_the_same_content_as_the_shipped_files(shipped_rules):
    exported = load_rule_text(rules_export())["rulesets"]
    shipped = [
        entry
        for path in SHIPPED_DIR.glob("*.yaml")
        for entry in load_rule_text(path.read_text(encoding="utf-8"))["rulesets"]
    ]

    def key(entry):
        return (entry["scope"], entry.get("jurisdiction", ""), entry["effective_from"])

    assert sorted(exported, key=key) == sorted(shipped, key=key)


def test_export_of_one_jurisdiction_holds_only_its_rule_set(shipped_rules):
    exported = load_rule_text(rules_export(jurisdiction_code="fr"))

    assert [entry.get("jurisdiction") for entry in exported["rulesets"]] == ["FR"]


def test_export_of_an_unknown_rule_set_is_refused(shipped_rules):
    with pytest.raises(CommandError, match="No rule set for 'JP'"):
        call_command("export_rules", "--jurisdiction", "JP")


def test_export_and_every_change_are_audited(shipped_rules, admin_user):
    rules_load(text=_file(_italy()), actor=admin_user)
    rules_export(jurisdiction_code="IT", actor=admin_user)

    changed = AuditEntry.objects.filter(action=AuditAction.RULESET_CHANGED).order_by("-id").first()
    exported = AuditEntry.objects.filter(action=AuditAction.RULES_EXPORTED).get()
    assert changed.details["ruleset"] == "IT" and changed.details["version"] == 1
    assert changed.actor_id == admin_user.pk
    assert AuditEntry.objects.filter(action=AuditAction.RULESET_CHANGED).count() == 10
    assert exported.details["versions"] == ["IT v1"]


def test_a_new_jurisdiction_is_added_by_a_file_without_code(shipped_rules, tmp_path):
    received = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert [ruleset.key for ruleset in rulesets_in_force(jurisdiction_code="IT", at=received)] == [
        "platform",
        "fallback",
    ]

    path = tmp_path / "italy.yaml"
    path.write_text(_file(_italy()))
    call_command("load_rules", str(path))

    assert [ruleset.key for ruleset in rulesets_in_force(jurisdiction_code="IT", at=received)] == ["platform", "IT"]


def test_a_changed_version_with_the_same_start_replaces_the_old_one_which_stays_readable(shipped_rules):
    rules_load(text=_file(_italy()))
    changed = _italy(name="Italy, corrected")

    rules_load(text=_file(changed))

    first, second = RuleSetVersion.objects.filter(ruleset__key="IT").order_by("number")
    assert second.supersedes == first and second.name == "Italy, corrected"
    assert first.name == "Italy"
    in_force = rulesets_in_force(jurisdiction_code="IT", at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    assert in_force[-1].version == 2


def test_a_new_period_starts_a_new_version_and_the_old_one_still_judges_earlier_requests(shipped_rules):
    rules_load(text=_file(_italy()))

    rules_load(text=_file(_italy("2027-01-01", name="Italy 2027")))

    assert rulesets_in_force(jurisdiction_code="IT", at=dt.datetime(2026, 12, 31, tzinfo=dt.UTC))[-1].version == 1
    assert rulesets_in_force(jurisdiction_code="IT", at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))[-1].version == 2


def test_a_period_reaching_into_a_stored_later_period_is_refused(shipped_rules):
    rules_load(text=_file(_italy("2027-01-01")))

    with pytest.raises(RuleFileInvalid) as refused:
        rules_load(text=_file(_italy("2026-01-01", effective_to="2027-06-01")))

    assert str(refused.value.problems[0]) == (
        "rulesets[0].effective_to: the period 2026-01-01 to 2027-06-01 overlaps IT v1 (2027-01-01 to open end)"
    )


def test_after_a_closed_period_the_jurisdiction_inherits_its_region_again(shipped_rules):
    rules_load(text=_file(_italy("2026-01-01", effective_to="2026-09-01")))

    during = rulesets_in_force(jurisdiction_code="IT", at=dt.datetime(2026, 8, 31, tzinfo=dt.UTC))
    after = rulesets_in_force(jurisdiction_code="IT", at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC))

    assert [ruleset.key for ruleset in during] == ["platform", "EU", "IT"]
    assert [ruleset.key for ruleset in after] == ["platform", "EU"]


def test_rule_set_versions_cannot_be_changed_or_deleted(shipped_rules):
    version = RuleSetVersion.objects.first()
    version.name = "rewritten"

    with pytest.raises(ImmutableError):
        version.save()
    with pytest.raises(ImmutableError):
        version.delete()
    with pytest.raises(ImmutableError):
        RuleSetVersion.objects.filter(pk=version.pk).update(name="rewritten")
    with pytest.raises(ImmutableError):
        RuleSetVersion.objects.all().delete()


def test_export_rules_command_writes_a_file_that_load_rules_reads_back(shipped_rules, tmp_path):
    target = tmp_path / "rules.yaml"

    call_command("export_rules", "--output", str(target))
    call_command("load_rules", str(target))

    assert load_rule_text(target.read_text())["rulesets"][0]["scope"] == "platform"
    assert RuleSetVersion.objects.count() == 9
