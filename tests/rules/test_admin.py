"""The admin: an operator creates new versions with the file validation and compares versions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEntry
from rules.models import RuleSet, RuleSetVersion


@pytest.fixture
def gb(shipped_rules) -> RuleSet:
    return RuleSet.objects.get(key="GB")


def _new_version_form(admin_client, ruleset):
    url = reverse("admin:rules_ruleset_new_version", args=[ruleset.pk])
    return url, admin_client.get(url).context["form"].initial["text"]


def test_operator_changes_a_deadline_through_the_admin(admin_client, admin_user, gb):
    url, text = _new_version_form(admin_client, gb)

    response = admin_client.post(url, {"text": text.replace("days: 7", "days: 5"), "change_note": "Shorter period"})

    assert response.status_code == 302
    version = RuleSetVersion.objects.get(ruleset=gb, number=2)
    assert version.author == admin_user and version.change_note == "Shorter period"
    assert version.rules[-1]["params"] == {"days": 5}
    entry = AuditEntry.objects.filter(action=AuditAction.RULESET_CHANGED).last()
    assert entry.details["ruleset"] == "GB" and entry.details["source"] == "admin"


def test_admin_refuses_a_bad_version_with_the_element_path(admin_client, gb):
    url, text = _new_version_form(admin_client, gb)

    response = admin_client.post(url, {"text": text.replace("days: 7", "days: -7"), "change_note": "Oops"})

    assert response.status_code == 200
    assert response.context["problems"] == ["rules[4].params.days: must be a positive integer"]
    assert RuleSetVersion.objects.filter(ruleset=gb).count() == 1


def test_admin_refuses_text_of_another_rule_set(admin_client, gb):
    url, text = _new_version_form(admin_client, gb)

    response = admin_client.post(
        url, {"text": text.replace("jurisdiction: GB", "jurisdiction: FR"), "change_note": "x"}
    )

    assert response.context["problems"] == ["This form changes the rule set 'GB'; the text describes 'FR'."]
    assert RuleSetVersion.objects.filter(ruleset__key="FR").count() == 1


def test_unchanged_text_creates_no_version(admin_client, gb):
    url, text = _new_version_form(admin_client, gb)

    admin_client.post(url, {"text": text, "change_note": "Nothing really"})

    assert RuleSetVersion.objects.filter(ruleset=gb).count() == 1


def test_operator_adds_a_jurisdiction_by_loading_a_file_in_the_admin(admin_client, shipped_rules):
    text = (
        "format: lawreq-rules/1\nrulesets:\n- scope: jurisdiction\n  jurisdiction: JP\n  name: Japan\n"
        "  effective_from: '2026-01-01'\n  rules:\n  - {id: jp.mlat, check: legal_channel, severity: fail,"
        " message: Through MLAT., citation: Japan-US MLAT, params: {channels: [mlat]}}\n"
    )

    response = admin_client.post(reverse("admin:rules_ruleset_load"), {"text": text})

    assert response.status_code == 302
    assert RuleSet.objects.get(key="JP").versions.count() == 1


def test_diff_shows_what_changed_between_two_versions(admin_client, gb):
    url, text = _new_version_form(admin_client, gb)
    admin_client.post(url, {"text": text.replace("days: 7", "days: 5"), "change_note": "Shorter"})
    first, second = RuleSetVersion.objects.filter(ruleset=gb).order_by("number")

    response = admin_client.get(reverse("admin:rules_ruleset_diff", args=[gb.pk]), {"a": first.pk, "b": second.pk})

    changed = [(kind, line[1:].strip()) for kind, line in response.context["lines"] if kind in {"added", "removed"}]
    assert changed == [
        ("removed", "change_note: UK-US Data Access Agreement in force on 3 October 2022."),
        ("added", "change_note: Shorter"),
        ("removed", "days: 7"),
        ("added", "days: 5"),
    ]
    assert b"Compare versions of GB" in response.content


def test_versions_are_read_only_in_the_admin(admin_client, gb):
    version = gb.versions.get()
    url = reverse("admin:rules_rulesetversion_change", args=[version.pk])

    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"name": "rewritten"}).status_code == 403
    assert admin_client.get(reverse("admin:rules_ruleset_change", args=[gb.pk])).status_code == 200
    assert admin_client.get(reverse("admin:rules_ruleset_changelist")).status_code == 200
