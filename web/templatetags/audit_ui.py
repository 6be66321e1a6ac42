"""Display helpers of the auditors' desk: codes in words, an entry's details as key/value pairs."""

from __future__ import annotations

from typing import Any

from django import template

from audit.actions import action_label as _action_label
from requests_app.choices import Outcome, ProcessType, label_of
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


def _text(value: Any) -> str:
    if value is None or value == "":
        return NO_VALUE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{_key(key)}: {_text(item)}" for key, item in sorted(value.items())) or NO_VALUE
    if isinstance(value, list | tuple):
        separator = " | " if any(isinstance(item, dict) for item in value) else ", "
        return separator.join(_text(item) for item in value) or NO_VALUE
    return str(value)


def _key(key: str) -> str:
    words = str(key).replace("_", " ")
    return words[:1].upper() + words[1:]


@register.filter
def details_items(details: dict | None) -> list[tuple[str, str]]:
    """An entry's details, sorted by key, each key in words and each value as text (nested values
    flattened to one line): what the trail shows instead of raw JSON."""
    return [(_key(key), _text(value)) for key, value in sorted((details or {}).items())]
