"""Rule files: parsing, validation against the published JSON Schema, canonical form, export.

Everything here is pure (no database): what needs the database (known jurisdictions, versions
already stored) is passed in by the caller.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson
import yaml
from django.conf import settings
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from lawreq.errors import InvalidInput
from lawreq.nesting import nesting_exceeds

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "ruleset.schema.json"
FORMAT = "lawreq-rules/1"
MAX_FILE_BYTES = 2 * 1024 * 1024

ERR_TOO_LARGE = "the file is larger than 2 MB"
ERR_YAML = "not valid YAML: {problem}"
ERR_TOO_DEEP = "the file nests deeper than {limit} levels"
ERR_DUPLICATE_KEY = "line {line}: the key '{key}' appears twice"
ERR_ALIASES = "YAML anchors and aliases are not accepted"
ERR_POSITIVE_INTEGER = "must be a positive integer"
ERR_NON_NEGATIVE_INTEGER = "must be zero or a positive integer"
ERR_REQUIRED = "is required"
ERR_UNKNOWN_FIELD = "unknown field"
ERR_UNKNOWN_CHECK = "unknown check '{value}'"
ERR_NOT_EMPTY = "must not be empty"
ERR_DATE = "must be a date (YYYY-MM-DD)"
ERR_RULE_ID = "must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"
ERR_JURISDICTION_CODE = "must be an ISO 3166 code such as FR or US-CA"
ERR_JURISDICTION_NOT_ALLOWED = "only a rule set of scope 'jurisdiction' names a jurisdiction"
ERR_ONE_DEADLINE = "must give exactly one of days or hours"
ERR_EFFECTIVE_ORDER = "must be after effective_from"
ERR_DUPLICATE_RULE_ID = "duplicate rule id '{rule_id}'"
ERR_OVERLAP_IN_FILE = "the period {period} overlaps rulesets[{other}] ({other_period}) for {scope}"
ERR_SAME_START_IN_FILE = "rulesets[{other}] already starts {scope} on {start}"
ERR_UNKNOWN_JURISDICTION = "unknown jurisdiction '{code}'"

TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "empty",
    "number": "a number",
}
RULE_KEY_ORDER = ("id", "check", "severity", "message", "citation", "note", "officer_visible", "when", "params")
WHEN_KEY_ORDER = ("process_types", "categories", "data_kinds", "legal_channels", "emergency")
RULESET_KEY_ORDER = ("scope", "jurisdiction", "name", "effective_from", "effective_to", "change_note", "rules")


@dataclass(frozen=True)
class RuleFileProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class RuleFileInvalid(InvalidInput):
    """A rule file refused as a whole; ``problems`` name each bad element by its path."""

    def __init__(self, problems: Iterable[RuleFileProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def as_dict(self) -> dict:
        return {"detail": "The rule file was refused.", "code": self.code, "problems": [str(p) for p in self.problems]}


class _RuleFileLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML without implicit dates (dates stay strings, as the schema says), without duplicate keys
    and without aliases (a rule is written out where it applies; no alias bombs)."""

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects:
            raise yaml.constructor.ConstructorError(None, None, ERR_ALIASES, node.start_mark)
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in seen:
                problem = ERR_DUPLICATE_KEY.format(line=key_node.start_mark.line + 1, key=key)
                raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_RuleFileLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@cache
def rule_file_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def _inline_references(node: Any, definitions: Mapping[str, Any]) -> Any:
    """The schema with its local references replaced by their targets (it has no recursion):
    the validator then spends no time resolving references, which halves validation time."""
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            return _inline_references(definitions[node["$ref"].removeprefix("#/$defs/")], definitions)
        return {key: _inline_references(value, definitions) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline_references(item, definitions) for item in node]
    return node


@cache
def _validator() -> Draft202012Validator:
    schema = rule_file_schema()
    return Draft202012Validator(_inline_references(schema, schema["$defs"]))


def format_path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


def parse_rule_text(text: str | bytes) -> Any:
    if len(text) > MAX_FILE_BYTES:
        raise RuleFileInvalid([RuleFileProblem("(file)", ERR_TOO_LARGE)])
    try:
        document = yaml.load(text, Loader=_RuleFileLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleFileInvalid([RuleFileProblem("(file)", ERR_YAML.format(problem=where + problem))])
    # libyaml stops at 1000 levels, deeper than the schema validator's recursion can walk.
    limit = settings.LAWREQ_MAX_JSON_DEPTH
    if nesting_exceeds(document, limit):
        raise RuleFileInvalid([RuleFileProblem("(file)", ERR_TOO_DEEP.format(limit=limit))])
    return document


def _schema_problem(error: ValidationError) -> RuleFileProblem:
    path = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    validator, expected = error.validator, error.validator_value
    if validator == "required":
        missing = next(name for name in expected if name not in error.instance)
        return RuleFileProblem(format_path([*path, missing]), ERR_REQUIRED)
    if validator == "additionalProperties":
        known = set(schema.get("properties", {}))
        extra = sorted(str(name) for name in error.instance if name not in known)
        return RuleFileProblem(format_path([*path, extra[0]]), ERR_UNKNOWN_FIELD)
    if validator in {"type", "minimum"} and schema.get("type") == "integer" and "minimum" in schema:
        return RuleFileProblem(
            format_path(path), ERR_POSITIVE_INTEGER if schema["minimum"] == 1 else ERR_NON_NEGATIVE_INTEGER
        )
    if validator == "type":
        return RuleFileProblem(format_path(path), f"must be {TYPE_NAMES.get(expected, expected)}")
    if validator == "enum":
        if path and path[-1] == "check":
            return RuleFileProblem(format_path(path), ERR_UNKNOWN_CHECK.format(value=error.instance))
        return RuleFileProblem(format_path(path), "must be one of: " + ", ".join(str(v) for v in expected))
    if validator == "const":
        return RuleFileProblem(format_path(path), f"must be '{expected}'")
    if validator in {"minLength", "minProperties"} or (validator == "pattern" and expected == "\\S"):
        if validator == "minProperties" and path and path[-1] == "params":
            return RuleFileProblem(format_path(path), ERR_ONE_DEADLINE)
        return RuleFileProblem(format_path(path), ERR_NOT_EMPTY)
    if validator == "maxProperties":
        return RuleFileProblem(format_path(path), ERR_ONE_DEADLINE)
    if validator == "minItems":
        return RuleFileProblem(format_path(path), ERR_NOT_EMPTY if expected == 1 else f"must list at least {expected}")
    if validator == "uniqueItems":
        return RuleFileProblem(format_path(path), "must not list an item twice")
    if validator == "pattern":
        message = {
            "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": ERR_DATE,
            "^[a-z0-9][a-z0-9_.-]*$": ERR_RULE_ID,
            "^[A-Z]{2}(-[A-Z0-9]{1,3})?$": ERR_JURISDICTION_CODE,
        }.get(expected, f"must match {expected}")
        return RuleFileProblem(format_path(path), message)
    if validator == "oneOf" and path and path[-1] == "effective_to":
        return RuleFileProblem(format_path(path), ERR_DATE + " or empty")
    if validator == "not" and isinstance(error.instance, dict) and "jurisdiction" in error.instance:
        return RuleFileProblem(format_path([*path, "jurisdiction"]), ERR_JURISDICTION_NOT_ALLOWED)
    if validator == "maxLength":
        return RuleFileProblem(format_path(path), f"must be at most {expected} characters")
    return RuleFileProblem(format_path(path), error.message)


def _leaf_errors(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """The most specific errors: an if/then or allOf failure is reported through its causes."""
    leaves = []
    for error in errors:
        if error.validator in {"allOf", "anyOf"} and error.context:
            leaves.extend(_leaf_errors(error.context))
        else:
            leaves.append(error)
    return leaves


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def scope_key(entry: Mapping[str, Any]) -> str:
    """The identity of a rule set: ``platform``, ``fallback`` or the jurisdiction code."""
    return entry["jurisdiction"] if entry["scope"] == "jurisdiction" else entry["scope"]


def period_text(start: dt.date | str, end: dt.date | str | None) -> str:
    return f"{start} to {end or 'open end'}"


def _semantic_problems(
    document: dict, known_jurisdictions: Callable[[set[str]], set[str]] | None
) -> list[RuleFileProblem]:
    problems: list[RuleFileProblem] = []
    periods: dict[str, list[tuple[int, dt.date, dt.date | None]]] = {}
    for index, entry in enumerate(document["rulesets"]):
        base = ["rulesets", index]
        start = _parse_date(entry["effective_from"])
        end = _parse_date(entry["effective_to"]) if entry.get("effective_to") else None
        if start is None:
            problems.append(RuleFileProblem(format_path([*base, "effective_from"]), ERR_DATE))
        if entry.get("effective_to") and end is None:
            problems.append(RuleFileProblem(format_path([*base, "effective_to"]), ERR_DATE))
        if start and end and end <= start:
            problems.append(RuleFileProblem(format_path([*base, "effective_to"]), ERR_EFFECTIVE_ORDER))
        seen_ids: set[str] = set()
        for rule_index, rule in enumerate(entry["rules"]):
            if rule["id"] in seen_ids:
                problems.append(
                    RuleFileProblem(
                        format_path([*base, "rules", rule_index, "id"]),
                        ERR_DUPLICATE_RULE_ID.format(rule_id=rule["id"]),
                    )
                )
            seen_ids.add(rule["id"])
        if start is not None and (end is None or end > start):
            periods.setdefault(scope_key(entry), []).append((index, start, end))

    for key, entries in periods.items():
        problems.extend(_file_overlaps(key, entries))

    if known_jurisdictions is not None:
        named = {entry["jurisdiction"] for entry in document["rulesets"] if entry["scope"] == "jurisdiction"}
        known = known_jurisdictions(named)
        for index, entry in enumerate(document["rulesets"]):
            if entry["scope"] == "jurisdiction" and entry["jurisdiction"] not in known:
                problems.append(
                    RuleFileProblem(
                        format_path(["rulesets", index, "jurisdiction"]),
                        ERR_UNKNOWN_JURISDICTION.format(code=entry["jurisdiction"]),
                    )
                )
    return problems


def _file_overlaps(key: str, entries: list[tuple[int, dt.date, dt.date | None]]) -> list[RuleFileProblem]:
    """Within one file a scope's periods must not overlap; a period without an end runs until the next."""
    problems = []
    ordered = sorted(entries, key=lambda item: (item[1], item[0]))
    for (index_a, start_a, end_a), (index_b, start_b, end_b) in pairwise(ordered):
        if start_a == start_b:
            problems.append(
                RuleFileProblem(
                    format_path(["rulesets", max(index_a, index_b), "effective_from"]),
                    ERR_SAME_START_IN_FILE.format(other=min(index_a, index_b), scope=key, start=start_a),
                )
            )
        elif end_a is not None and end_a > start_b:
            problems.append(
                RuleFileProblem(
                    format_path(["rulesets", index_a, "effective_to"]),
                    ERR_OVERLAP_IN_FILE.format(
                        period=period_text(start_a, end_a),
                        other=index_b,
                        other_period=period_text(start_b, end_b),
                        scope=key,
                    ),
                )
            )
    return problems


def validate_rule_document(document: Any, *, known_jurisdictions: Callable[[set[str]], set[str]] | None = None) -> dict:
    """Check a parsed rule file; return it in canonical form or raise ``RuleFileInvalid`` with every problem.

    ``known_jurisdictions`` receives the codes the file names and returns those that exist.
    """
    errors = _leaf_errors(_validator().iter_errors(document))
    if errors:
        problems = sorted({_schema_problem(error) for error in errors}, key=lambda p: (p.path, p.message))
        raise RuleFileInvalid(problems)
    problems = _semantic_problems(document, known_jurisdictions)
    if problems:
        raise RuleFileInvalid(problems)
    return canonical_document(document)


def canonical_rule(rule: Mapping[str, Any]) -> dict:
    ordered = {key: rule[key] for key in RULE_KEY_ORDER if key in rule}
    if "when" in ordered:
        ordered["when"] = {key: rule["when"][key] for key in WHEN_KEY_ORDER if key in rule["when"]}
    ordered["params"] = {key: rule["params"][key] for key in sorted(rule["params"])}
    if ordered.get("note") == "":
        del ordered["note"]
    return ordered


def canonical_ruleset(entry: Mapping[str, Any]) -> dict:
    ordered = {key: entry[key] for key in RULESET_KEY_ORDER if key in entry}
    ordered["effective_to"] = entry.get("effective_to") or None
    ordered["change_note"] = entry.get("change_note", "")
    ordered["rules"] = [canonical_rule(rule) for rule in entry["rules"]]
    return {key: ordered[key] for key in RULESET_KEY_ORDER if key in ordered}


def canonical_document(document: Mapping[str, Any]) -> dict:
    return {"format": FORMAT, "rulesets": [canonical_ruleset(entry) for entry in document["rulesets"]]}


def content_of(entry: Mapping[str, Any]) -> dict:
    """What a version's identity rests on: everything but the change note."""
    return {key: value for key, value in canonical_ruleset(entry).items() if key != "change_note"}


def content_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(content_of(entry), option=orjson.OPT_SORT_KEYS)).hexdigest()


class _ExportDumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    # Lists of names (categories, process types) read best on one line, as in the shipped files.
    flow = bool(value) and all(isinstance(item, str) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_ExportDumper.add_representer(list, _represent_list)


def dump_rule_document(entries: Iterable[Mapping[str, Any]]) -> str:
    document = {"format": FORMAT, "rulesets": [canonical_ruleset(entry) for entry in entries]}
    return yaml.dump(document, Dumper=_ExportDumper, sort_keys=False, allow_unicode=True, width=4096)


def load_rule_text(text: str | bytes, *, known_jurisdictions: Callable[[set[str]], set[str]] | None = None) -> dict:
    """Parse and validate a rule file's text; the canonical document, or ``RuleFileInvalid``."""
    return validate_rule_document(parse_rule_text(text), known_jurisdictions=known_jurisdictions)
