"""Admin: rule sets and their versions. A change is always a new version, validated like a file."""

from __future__ import annotations

import difflib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from audit.admin import AuditedModelAdmin
from rules.documents import (
    FORMAT,
    RuleFileInvalid,
    dump_rule_document,
    parse_rule_text,
    scope_key,
    validate_rule_document,
)
from rules.models import CheckRun, RuleSet, RuleSetVersion
from rules.selectors import ruleset_timeline, ruleset_version_in_force, ruleset_versions, versions_in_force
from rules.services import _known_jurisdictions, rules_load, rules_load_document

ERR_NOT_A_RULESET = "Give one rule set: a mapping with scope, name, effective_from and rules."
ERR_OTHER_RULESET = "This form changes the rule set '{expected}'; the text describes '{found}'."
MSG_UNCHANGED = "Nothing changed: the text is identical to {labels}."
MSG_CREATED = "Created {labels}."


class NewVersionForm(forms.Form):
    text = forms.CharField(
        label="Rule set (YAML)",
        widget=forms.Textarea(attrs={"rows": 36, "cols": 130, "spellcheck": "false", "class": "rule-text"}),
        help_text="The format of docs/rules.md. Change effective_from to start a new period; keep it to correct the "
        "version that starts on that day.",
    )
    change_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 130}), help_text="Why this change")


class LoadFileForm(forms.Form):
    file = forms.FileField(required=False, help_text="A rule file (YAML or JSON)")
    text = forms.CharField(
        required=False,
        label="or paste it",
        widget=forms.Textarea(attrs={"rows": 24, "cols": 130, "spellcheck": "false", "class": "rule-text"}),
    )


def _entry_text(version: RuleSetVersion) -> str:
    """A version as the YAML of one rule set entry, without its change note (that is asked for apart)."""
    entry = version.as_entry()
    entry.pop("change_note")
    text = dump_rule_document([entry])
    # Only the entry: drop the file header and un-indent the list item.
    body = text.split("rulesets:\n", 1)[1]
    return "\n".join(line[4:] for line in body.splitlines()) + "\n"


def _strip_entry_prefix(problems) -> list[str]:
    return [str(problem).removeprefix("rulesets[0].") for problem in problems]


class VersionInline(admin.TabularInline):
    model = RuleSetVersion
    fk_name = "ruleset"
    extra = 0
    can_delete = False
    fields = ("link", "effective_from", "effective_to", "replaced", "author", "created_at", "change_note")
    readonly_fields = fields
    ordering = ("-number",)

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="version")
    def link(self, version):
        url = reverse("admin:rules_rulesetversion_change", args=[version.pk])
        return format_html('<a href="{}">v{}</a>', url, version.number)

    @admin.display(description="replaced by", empty_value="")
    def replaced(self, version):
        replacement = getattr(version, "superseded_by", None)
        return f"v{replacement.number}" if replacement is not None else ""


@admin.register(RuleSet)
class RuleSetAdmin(AuditedModelAdmin):
    list_display = ("key", "scope", "in_force_today", "version_count")
    list_filter = ("scope",)
    search_fields = ("key", "jurisdiction__name")
    readonly_fields = ("key", "scope", "jurisdiction", "created_at")
    inlines = [VersionInline]
    change_form_template = "admin/rules/ruleset/change_form.html"
    change_list_template = "admin/rules/ruleset/change_list.html"

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="in force today")
    def in_force_today(self, ruleset):
        version = versions_in_force(keys=[ruleset.key], at=timezone.now().date()).get(ruleset.key)
        return version.label if version else "-"

    @admin.display(description="versions")
    def version_count(self, ruleset):
        return ruleset.versions.count()

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("load/", wrap(self.load_view), name="rules_ruleset_load"),
            path("<int:ruleset_id>/new-version/", wrap(self.new_version_view), name="rules_ruleset_new_version"),
            path("<int:ruleset_id>/diff/", wrap(self.diff_view), name="rules_ruleset_diff"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        # A rule set is born with its first version: through a rule file, validated as a whole.
        return HttpResponseRedirect(reverse("admin:rules_ruleset_load"))

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def load_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = LoadFileForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            text = upload.read() if upload else form.cleaned_data["text"]
            try:
                report = rules_load(text=text, actor=request.user, source="admin")
            except RuleFileInvalid as exc:
                problems = [str(problem) for problem in exc.problems]
            else:
                self._report(request, report)
                return HttpResponseRedirect(reverse("admin:rules_ruleset_changelist"))
        context = self._context(request, title="Load a rule file", form=form, problems=problems)
        return TemplateResponse(request, "admin/rules/ruleset/load.html", context)

    def new_version_view(self, request, ruleset_id: int):
        ruleset = get_object_or_404(RuleSet, pk=ruleset_id)
        if not self.has_change_permission(request, ruleset):
            raise PermissionDenied
        timeline = ruleset_timeline(keys=[ruleset.key])
        in_force = ruleset_version_in_force(key=ruleset.key, at=timezone.now().date())
        base = in_force or (timeline[-1] if timeline else None)
        form = NewVersionForm(request.POST or None, initial={"text": _entry_text(base) if base else ""})
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            problems = self._create_version(request, ruleset, form.cleaned_data)
            if not problems:
                return HttpResponseRedirect(reverse("admin:rules_ruleset_change", args=[ruleset.pk]))
        context = self._context(
            request, title=f"New version of {ruleset.key}", ruleset=ruleset, form=form, problems=problems, base=base
        )
        return TemplateResponse(request, "admin/rules/ruleset/new_version.html", context)

    def _create_version(self, request, ruleset: RuleSet, data: dict) -> list[str]:
        try:
            entry = parse_rule_text(data["text"])
        except RuleFileInvalid as exc:
            return [str(problem) for problem in exc.problems]
        if not isinstance(entry, dict):
            return [ERR_NOT_A_RULESET]
        document = {"format": FORMAT, "rulesets": [{**entry, "change_note": data["change_note"]}]}
        try:
            validated = validate_rule_document(document, known_jurisdictions=_known_jurisdictions)
            found = scope_key(validated["rulesets"][0])
            if found != ruleset.key:
                return [ERR_OTHER_RULESET.format(expected=ruleset.key, found=found)]
            report = rules_load_document(document=document, actor=request.user, source="admin")
        except RuleFileInvalid as exc:
            return _strip_entry_prefix(exc.problems)
        self._report(request, report)
        return []

    def _report(self, request, report) -> None:
        if report.created:
            messages.success(request, MSG_CREATED.format(labels=", ".join(report.created)))
        else:
            messages.info(request, MSG_UNCHANGED.format(labels=", ".join(report.unchanged)))

    def diff_view(self, request, ruleset_id: int):
        ruleset = get_object_or_404(RuleSet, pk=ruleset_id)
        if not self.has_view_permission(request, ruleset):
            raise PermissionDenied
        versions = ruleset_versions(key=ruleset.key)
        by_id = {str(version.pk): version for version in versions}
        older = by_id.get(request.GET.get("a", "")) or (versions[1] if len(versions) > 1 else None)
        newer = by_id.get(request.GET.get("b", "")) or (versions[0] if versions else None)
        lines: list[tuple[str, str]] = []
        if older is not None and newer is not None:
            diff = difflib.unified_diff(
                dump_rule_document([older.as_entry()]).splitlines(),
                dump_rule_document([newer.as_entry()]).splitlines(),
                fromfile=older.label,
                tofile=newer.label,
                lineterm="",
                n=4,
            )
            lines = [(_line_kind(line), line) for line in diff]
        context = self._context(
            request,
            title=f"Compare versions of {ruleset.key}",
            ruleset=ruleset,
            versions=versions,
            older=older,
            newer=newer,
            lines=lines,
        )
        return TemplateResponse(request, "admin/rules/ruleset/diff.html", context)


def _line_kind(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "added", "-": "removed"}.get(line[:1], "same")


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(AuditedModelAdmin):
    list_display = ("__str__", "name", "effective_from", "effective_to", "author", "created_at")
    list_filter = ("ruleset__scope", "ruleset")
    list_select_related = ("ruleset", "author")
    search_fields = ("ruleset__key", "name", "change_note")
    fields = (
        "ruleset",
        "number",
        "name",
        "effective_from",
        "effective_to",
        "supersedes",
        "author",
        "created_at",
        "change_note",
        "content_hash",
        "as_yaml",
    )
    readonly_fields = fields

    class Media:
        css = {"all": ["css/rules-admin.css"]}

    @admin.display(description="content")
    def as_yaml(self, version):
        return format_html('<pre class="rule-text">{}</pre>', dump_rule_document([version.as_entry()]))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CheckRun)
class CheckRunAdmin(AuditedModelAdmin):
    list_display = ("legal_request", "recommendation", "out_of_band_verification", "versions_label", "created_at")
    list_filter = ("recommendation", "out_of_band_verification")
    list_select_related = ("legal_request",)
    search_fields = ("legal_request__ref",)
    readonly_fields = (
        "legal_request",
        "recommendation",
        "versions",
        "allowed_categories",
        "missing_information",
        "response_deadline",
        "out_of_band_verification",
        "results",
        "run_by",
        "created_at",
    )
    exclude = ("rule_set_versions",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
