"""Display helpers of the auditors' desk: codes in words, an entry's details as key/value pairs."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.db import models

from audit.actions import action_label as _action_label
from audit.services import HMAC_PREFIX
from disclosure.models import CALLBACK_OUTCOME_WORDS
from reports.pages import moment_text
from requests_app.choices import Category, Outcome, ProcessType, label_of
from requests_app.models import Agency
from requests_app.states import State

register = template.Library()

NO_VALUE = "—"


@register.filter
def action_label(action: str) -> str:
    return _action_label(action)


@register.filter
def process_type_label(value: str | None) -> str:
    return label_of(ProcessType, value) if value else NO_VALUE


@register.filter
def state_label(value: str | None) -> str:
    return label_of(State, value) if value else NO_VALUE


@register.filter
def outcome_label(value: str | None) -> str:
    return label_of(Outcome, value) if value else NO_VALUE


# Keys whose values are codes of a vocabulary: shown by their label, as everywhere else on the desk.
CODED_KEYS = {
    "from": State,
    "to": State,
    "state": State,
    "to_state": State,
    "process_type": ProcessType,
    "category": Category,
    "categories": Category,
    "allowed_categories": Category,
    "categories_allowed": Category,
    "outcome": Outcome,
}
KEY_WORDS = {"first_bad_seq": "First bad entry", "seq": "Entry"}
HASHED = "(hashed)"
# A stored code (``in_review``, ``record_counts``) that no vocabulary names: its words, at least.
SNAKE_CODE = re.compile(r"[a-z]+(?:_[a-z0-9]+)+")
ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)")


def _coded(choices: type[models.TextChoices], value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_coded(choices, item) for item in value]
    if isinstance(value, str) and value in choices.values:
        return label_of(choices, value)
    if choices is Outcome and isinstance(value, str) and value in CALLBACK_OUTCOME_WORDS:
        return CALLBACK_OUTCOME_WORDS[value].lower()
    return value


def _ruleset(value: dict) -> str:
    return f"{value['ruleset']}, version {value['version']}"


def _text(value: Any) -> str:
    if value is None or value == "":
        return NO_VALUE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if "ruleset" in value and "version" in value:
            return _ruleset(value)
        return "; ".join(f"{_key(key)}: {_text(item)}" for key, item in sorted(value.items())) or NO_VALUE
    if isinstance(value, list | tuple):
        if value and all(isinstance(item, dict) and {"ruleset", "version"} <= item.keys() for item in value):
            return "; ".join(_ruleset(item) for item in value)
        separator = " | " if any(isinstance(item, dict) for item in value) else ", "
        return separator.join(_text(item) for item in value) or NO_VALUE
    if isinstance(value, str) and value.startswith(HMAC_PREFIX):
        return HASHED
    if isinstance(value, str) and ISO_MOMENT.fullmatch(value):
        return moment_text(value)
    if isinstance(value, str) and SNAKE_CODE.fullmatch(value):
        return value.replace("_", " ")
    return str(value)


def _key(key: str) -> str:
    if key in KEY_WORDS:
        return KEY_WORDS[key]
    words = str(key).replace("_", " ")
    return words[:1].upper() + words[1:]


def _agency_names(details: dict) -> dict[int, str]:
    agency = details.get("agency")
    return dict(Agency.objects.filter(pk=agency).values_list("pk", "name")) if isinstance(agency, int) else {}


def _value(key: str, value: Any, agencies: dict[int, str]) -> Any:
    if key == "agency" and isinstance(value, int):
        return agencies.get(value, f"agency {value}")
    if key in CODED_KEYS:
        return _coded(CODED_KEYS[key], value)
    return value


@register.filter
def details_items(details: dict | None) -> list[tuple[str, str]]:
    """An entry's details, sorted by key, each key in words and each value as text (nested values
    flattened to one line): what the trail shows instead of raw JSON. Codes show as their labels,
    an agency by its name, and a keyed hash of personal data as "(hashed)": the hash itself tells a
    reader nothing, and the trail never shows the value."""
    details = details or {}
    agencies = _agency_names(details)
    return [(_key(key), _text(_value(key, value, agencies))) for key, value in sorted(details.items())]
