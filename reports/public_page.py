"""The public transparency page, built from a published dataset alone (``reports.transparency``):
what the page shows is what ``data.json`` says, so a reader can check one against the other.

The dataset's shape is ``lawreq-transparency/1`` (periods with per-country figures and a total,
response times, definitions, the checkpoint it was computed from). Labels are in plain words and
translated; the country names and the definitions are the dataset's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lawreq.errors import InvalidInput
from reports import rendering
from reports.pages import ALL_PROCESS_TYPES, Column, ReportTable, count_text, moment_text, response_time_tables
from requests_app.choices import ProcessType, label_of

ERR_PERIOD = gettext_lazy("There is no such period in the published figures: choose one from the list.")
ERR_COUNTRY = gettext_lazy("No figures were published for that country: choose one from the list.")
QUARTER, HALF = "quarter", "half"

# Every figure of a country's row, in plain words.
FIGURE_LABELS = {
    "received": gettext_lazy("Requests received"),
    "disclosed": gettext_lazy("Answered with all the data asked for"),
    "partially_disclosed": gettext_lazy("Answered with part of the data"),
    "no_records": gettext_lazy("No data found"),
    "preserved": gettext_lazy("Data preserved, nothing handed over"),
    "rejected": gettext_lazy("Refused"),
    "withdrawn": gettext_lazy("Withdrawn by the authority"),
    "contested": gettext_lazy("Questioned before answering"),
    "emergency": gettext_lazy("Emergency requests"),
    "emergency_not_followed_up": gettext_lazy("Emergencies never followed by legal process"),
    "preservation": gettext_lazy("Requests to preserve data"),
    "nondisclosure_order": gettext_lazy("With an order to keep the request secret"),
    "content_requests": gettext_lazy("Asking for content"),
    "non_content_requests": gettext_lazy("Asking for other data than content"),
    "accounts_specified": gettext_lazy("Accounts named in the requests"),
    "accounts_affected": gettext_lazy("Accounts whose data was handed over"),
    "by_process_type": gettext_lazy("Requests received by kind of legal process"),
    "response_times": gettext_lazy("How long answers take"),
}
ANSWER_FIGURES = (
    "received",
    "disclosed",
    "partially_disclosed",
    "no_records",
    "preserved",
    "rejected",
    "withdrawn",
    "contested",
)
KIND_FIGURES = (
    "emergency",
    "emergency_not_followed_up",
    "preservation",
    "nondisclosure_order",
    "content_requests",
    "non_content_requests",
    "accounts_specified",
    "accounts_affected",
)
NOT_FIGURES = {"jurisdiction", "name", "by_process_type"}


def figure_label(name: str) -> str:
    """A figure in words; one the dataset added since this page was written keeps a readable name."""
    label = FIGURE_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ").capitalize()


def chart_value(value: Any) -> float:
    """What a bar draws: a count, or nothing for a figure that is not one."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


# Periods


@dataclass(frozen=True)
class Period:
    code: str  # "2026-Q3", "2026-H1"
    kind: str  # "quarter" | "half"
    start: dt.date
    end: dt.date  # inclusive
    complete: bool

    @property
    def short_label(self) -> str:
        year, _dash, part = self.code.partition("-")
        return f"{part} {year}"

    @property
    def label(self) -> str:
        months = {"first": formats.date_format(self.start, "F"), "last": formats.date_format(self.end, "F")}
        year, number = self.start.year, self.code.rpartition("-")[2][1:]
        if self.kind == QUARTER:
            text = _("%(year)s, quarter %(number)s (%(first)s to %(last)s)") % {
                "year": year,
                "number": number,
                **months,
            }
        else:
            text = _("%(year)s, half-year %(number)s (%(first)s to %(last)s)") % {
                "year": year,
                "number": number,
                **months,
            }
        return text if self.complete else _("%(period)s, still running") % {"period": text}


def _period_of(entry: dict) -> Period:
    return Period(
        code=entry["period"],
        kind=entry["kind"],
        start=dt.date.fromisoformat(entry["start"]),
        end=dt.date.fromisoformat(entry["end"]),
        complete=bool(entry.get("complete", True)),
    )


def default_period(periods: list[Period]) -> Period | None:
    """The latest complete quarter; failing one, the latest period of any kind."""
    by_recency = sorted(periods, key=lambda period: (period.end, period.kind == QUARTER), reverse=True)
    quarters = [period for period in by_recency if period.kind == QUARTER and period.complete]
    return (quarters or by_recency or [None])[0]


# The page


@dataclass(frozen=True)
class Chart:
    wide: str
    narrow: str


@dataclass(frozen=True)
class PeriodGroup:
    label: str
    periods: list[Period]


@dataclass(frozen=True)
class PublicTransparency:
    platform: str
    published_at: str
    checkpoint: dict
    method: str
    period_groups: list[PeriodGroup]
    period: Period | None
    country_chart: Chart | None = None
    time_chart: Chart | None = None
    figure_tables: list[ReportTable] = field(default_factory=list)
    time_table: ReportTable | None = None
    response_tables: list[ReportTable] = field(default_factory=list)  # all kinds of process, per country
    response_tables_by_process: list[ReportTable] = field(default_factory=list)
    definitions: list[tuple[str, str]] = field(default_factory=list)
    countries: list[tuple[str, str]] = field(default_factory=list)  # (code, name), by name
    country: str = ""  # the one shown over time; "" for all together

    @property
    def checkpoint_created_at(self) -> str:
        return moment_text(self.checkpoint.get("created_at"))

    @property
    def published(self) -> str:
        return moment_text(self.published_at)


def _charts(draw: Callable[..., str], *args: Any, **kwargs: Any) -> Chart:
    return Chart(wide=draw(*args, **kwargs), narrow=draw(*args, narrow=True, **kwargs))


def _series() -> list[tuple[str, str]]:
    return [(figure_label(name), colour) for name, colour in rendering.CHART_SERIES]


def _figure_columns(names: tuple[str, ...] | list[str]) -> tuple[Column, ...]:
    return tuple(Column(name, figure_label(name), count_text, numeric=True) for name in names)


def _rows_with_total(entry: dict) -> tuple[list[dict], dict]:
    rows = [{**row, "country": row.get("name") or row["jurisdiction"]} for row in entry.get("jurisdictions", [])]
    return rows, {**entry.get("total", {}), "country": _("All countries")}


def _figure_tables(entry: dict) -> list[ReportTable]:
    rows, total = _rows_with_total(entry)
    known = set(ANSWER_FIGURES) | set(KIND_FIGURES) | NOT_FIGURES | {"country"}
    added = sorted({name for row in [*rows, total] for name in row} - known)
    process_types = sorted({code for row in [*rows, total] for code in row.get("by_process_type") or {}})
    country = Column("country", _("Country"))
    empty = _("No request was received or answered in this period.")
    return [
        ReportTable(
            _("Requests and how they were answered"),
            (country, *_figure_columns(ANSWER_FIGURES)),
            rows,
            total=total,
            empty=empty,
            anchor="figures-answers",
        ),
        ReportTable(
            _("Kinds of request and accounts concerned"),
            (country, *_figure_columns([*KIND_FIGURES, *added])),
            rows,
            total=total,
            empty=empty,
            anchor="figures-kinds",
        ),
        ReportTable(
            figure_label("by_process_type"),
            (
                country,
                *(
                    Column(f"process_type:{code}", label_of(ProcessType, code), count_text, numeric=True)
                    for code in process_types
                ),
            ),
            [_process_type_cells(row, process_types) for row in rows],
            total=_process_type_cells(total, process_types),
            empty=empty,
            anchor="figures-process-types",
        ),
    ]


def _process_type_cells(row: dict, process_types: list[str]) -> dict:
    """A row's requests per process type, 0 for a type the dataset leaves out of this row."""
    counts = row.get("by_process_type") or {}
    return {**row, **{f"process_type:{code}": counts.get(code, 0) for code in process_types}}


def _country_chart(entry: dict, period: Period) -> Chart:
    rows, _total = _rows_with_total(entry)
    groups = [
        (row["country"], [chart_value(row.get(name)) for name, _colour in rendering.CHART_SERIES]) for row in rows
    ]
    return _charts(
        rendering.grouped_bar_chart_svg,
        groups,
        series=_series(),
        title=_("Requests received and how they were answered, per country, %(period)s")
        % {"period": period.short_label},
        description=_("The same figures are in the table “Requests and how they were answered”."),
    )


def _time_entries(periods: list[dict], kind: str) -> list[dict]:
    return sorted((entry for entry in periods if entry["kind"] == kind), key=lambda entry: entry["start"])


def _time_rows(entries: list[dict], country: str) -> list[dict]:
    """Per period, the country's figures (none: the period had no request of it), or the total."""

    def row_of(entry: dict) -> dict:
        if not country:
            return entry["total"]
        return next((row for row in entry["jurisdictions"] if row["jurisdiction"] == country), {})

    return [{**row_of(entry), "period_label": _period_of(entry).short_label} for entry in entries]


def _time_chart(rows: list[dict], kind: str, country_name: str) -> Chart:
    groups = [
        (row["period_label"], [chart_value(row.get(name, 0)) for name, _colour in rendering.CHART_SERIES])
        for row in rows
    ]
    words = {"country": country_name}
    title = (
        _("%(country)s, quarter by quarter") % words
        if kind == QUARTER
        else _("%(country)s, half-year by half-year") % words
    )
    return _charts(
        rendering.grouped_bar_chart_svg,
        groups,
        series=_series(),
        title=title,
        description=_("The same figures are in the table “Over time” below the chart."),
    )


def _time_table(rows: list[dict]) -> ReportTable:
    return ReportTable(
        _("Over time"),
        (Column("period_label", _("Period")), *_figure_columns([name for name, _colour in rendering.CHART_SERIES])),
        [{name: 0 for name, _colour in rendering.CHART_SERIES} | row for row in rows],
        anchor="figures-over-time",
    )


def _definitions(dataset: dict) -> list[tuple[str, str]]:
    given = dataset.get("definitions") or {}
    order = [*ANSWER_FIGURES, *KIND_FIGURES, "by_process_type"]
    names = [name for name in order if name in given] + sorted(set(given) - set(order))
    return [(figure_label(name), str(given[name])) for name in names]


def public_transparency(dataset: dict, *, period: str | None = None, country: str | None = None) -> PublicTransparency:
    """The page for one period of a published dataset (by default the latest complete quarter), its
    figures over time for one country (by default all together). An unknown ``period`` or
    ``country`` is an ``InvalidInput``."""
    entries = dataset.get("periods") or []
    by_code = {entry["period"]: entry for entry in entries}
    periods = [_period_of(entry) for entry in entries]
    names = {row["jurisdiction"]: row.get("name") or row["jurisdiction"] for e in entries for row in e["jurisdictions"]}
    if period and period not in by_code:
        raise InvalidInput(str(ERR_PERIOD), field="period")
    if country and country not in names:
        raise InvalidInput(str(ERR_COUNTRY), field="country")
    chosen = next(item for item in periods if item.code == period) if period else default_period(periods)
    newest_first = sorted(periods, key=lambda item: item.start, reverse=True)
    groups = [
        PeriodGroup(label, [item for item in newest_first if item.kind == kind])
        for kind, label in ((QUARTER, _("Quarters")), (HALF, _("Half-years")))
    ]
    page = PublicTransparency(
        platform=str(dataset.get("platform") or ""),
        published_at=dataset.get("published_at") or "",
        checkpoint=dataset.get("checkpoint") or {},
        method=str(dataset.get("method") or ""),
        period_groups=[group for group in groups if group.periods],
        period=chosen,
        definitions=_definitions(dataset),
        countries=sorted(names.items(), key=lambda item: item[1]),
        country=country or "",
    )
    if chosen is None:
        return page
    entry = by_code[chosen.code]
    over_time = _time_rows(_time_entries(entries, chosen.kind), country or "")
    answered = [row for row in dataset.get("response_times") or [] if row["period"] == chosen.code]
    return replace(
        page,
        country_chart=_country_chart(entry, chosen),
        time_chart=_time_chart(over_time, chosen.kind, names[country] if country else _("All countries")),
        figure_tables=_figure_tables(entry),
        time_table=_time_table(over_time),
        response_tables=response_time_tables(
            [row for row in answered if row["process_type"] == ALL_PROCESS_TYPES], names=names
        ),
        response_tables_by_process=response_time_tables(
            [row for row in answered if row["process_type"] != ALL_PROCESS_TYPES],
            names=names,
            anchor="response-times-by-process",
        ),
    )
