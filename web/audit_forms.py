"""The auditors' desk's filters, all in the query string. Dates are whole days in UTC; a range
reads inclusively ("to 2026-11-30" takes in that whole day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from audit.actions import AuditAction, action_label
from audit.selectors import audit_actors
from reports.selectors import requested_jurisdictions
from requests_app.states import State
from web.forms import DateInput

ERR_DATES_REVERSED = "The first date is after the second: swap them."
HALVES = [("1", "January to June"), ("2", "July to December")]
PERIOD_CHOICES = [("month", "Month"), ("week", "Week"), ("day", "Day")]


def audit_action_choices() -> list[tuple[str, str]]:
    actions = {value for name, value in vars(AuditAction).items() if name.isupper() and isinstance(value, str)}
    return sorted(((value, action_label(value)) for value in actions), key=lambda choice: choice[1])


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


class DateRangeForm(forms.Form):
    """``since`` and ``until`` as days; ``window()`` gives them as the selectors take them."""

    since = forms.DateField(required=False, widget=DateInput, label="From")
    until = forms.DateField(required=False, widget=DateInput, label="To (inclusive)")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", ERR_DATES_REVERSED)
        return data

    def window(self) -> dict[str, dt.datetime]:
        data = self.cleaned_data if self.is_valid() else {}
        window = {}
        if data.get("since"):
            window["since"] = day_start(data["since"])
        if data.get("until"):
            window["until"] = day_start(data["until"] + dt.timedelta(days=1))
        return window


class AuditRequestFilterForm(forms.Form):
    ref = forms.CharField(
        required=False,
        max_length=32,
        label="Reference",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "LR-2026-000042"}),
    )
    jurisdiction = forms.ChoiceField(required=False, label="Jurisdiction")
    state = forms.ChoiceField(required=False, label="State", choices=[("", "Any state"), *State.choices])
    received_from = forms.DateField(required=False, widget=DateInput, label="Received from")
    received_to = forms.DateField(required=False, widget=DateInput, label="Received to (inclusive)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = [("", "Any jurisdiction"), *requested_jurisdictions()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("received_from") and data.get("received_to") and data["received_from"] > data["received_to"]:
            self.add_error("received_to", ERR_DATES_REVERSED)
        return data

    def filters(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if value} if self.is_valid() else {}


class AuditTrailFilterForm(DateRangeForm):
    action = forms.ChoiceField(required=False, label="Action")
    # Free text with the accounts offered as suggestions (a datalist): an entry by an account
    # deleted since still matches, and no page load scans the whole trail for its actors.
    actor = forms.CharField(
        required=False,
        max_length=150,
        label="Actor",
        widget=forms.TextInput(attrs={"type": "search", "list": "actor-names", "placeholder": "username"}),
    )

    field_order = ["action", "actor", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *audit_action_choices()]
        self.actor_names = audit_actors()

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {"action": self.cleaned_data["action"], "actor": self.cleaned_data["actor"].strip(), **self.window()}


class ReportWindowForm(DateRangeForm):
    """A report over a window of days (none: all time); the activity report also by period."""

    period = forms.ChoiceField(required=False, label="Counted by", choices=PERIOD_CHOICES)

    def __init__(self, *args, with_period: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.with_period = with_period
        if not with_period:
            del self.fields["period"]

    def report_arguments(self) -> dict[str, Any] | None:
        """The report selector's arguments; None while the form has errors to correct."""
        if self.is_bound and not self.is_valid():
            return None
        arguments: dict[str, Any] = self.window() if self.is_bound else {}
        if self.with_period:
            arguments["period"] = (self.cleaned_data.get("period") if self.is_bound else "") or "month"
        return arguments


class TransparencyForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, label="Year")
    half = forms.ChoiceField(choices=HALVES, label="Half-year")

    def __init__(self, data=None, **kwargs):
        super().__init__(data or self.current(), **kwargs)

    @staticmethod
    def current() -> dict[str, Any]:
        today = timezone.now().date()
        return {"year": today.year, "half": "1" if today.month <= 6 else "2"}

    def report_arguments(self) -> dict[str, Any] | None:
        if not self.is_valid():
            return None
        return {"year": self.cleaned_data["year"], "half": int(self.cleaned_data["half"])}


RESPONSE_TIME_PERIODS = [
    ("Q1", "Q1: January to March"),
    ("Q2", "Q2: April to June"),
    ("Q3", "Q3: July to September"),
    ("Q4", "Q4: October to December"),
    ("H1", "H1: January to June"),
    ("H2", "H2: July to December"),
]


class ResponseTimesForm(forms.Form):
    """A quarter or a half-year of a year; by default the current quarter."""

    year = forms.IntegerField(min_value=2000, max_value=2100, label="Year")
    period = forms.ChoiceField(choices=RESPONSE_TIME_PERIODS, label="Quarter or half-year")

    def __init__(self, data=None, **kwargs):
        super().__init__(data or self.current(), **kwargs)

    @staticmethod
    def current() -> dict[str, Any]:
        today = timezone.now().date()
        return {"year": today.year, "period": f"Q{(today.month - 1) // 3 + 1}"}

    def report_arguments(self) -> dict[str, Any] | None:
        if not self.is_valid():
            return None
        kind, number = self.cleaned_data["period"][0], int(self.cleaned_data["period"][1])
        return {"year": self.cleaned_data["year"], "half" if kind == "H" else "quarter": number}


def export_parameters(arguments: dict[str, Any]) -> dict[str, str]:
    """A report's arguments as its API reads them in a query string."""
    return {
        name: value.isoformat() if isinstance(value, dt.datetime) else str(value) for name, value in arguments.items()
    }
