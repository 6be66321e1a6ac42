"""What a report shows a reader (the auditors' pages and the reports' PDF): titled tables whose
columns and cells are in words (names of jurisdictions, process types, outcomes and actions, never
their codes) and a chart. The figures come from ``reports.selectors``; the JSON and CSV keep codes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from audit.actions import action_label
from reports import rendering
from reports import selectors as reports
from reports.transparency import response_time_report
from requests_app.choices import ProcessType, label_of

NO_VALUE = "—"


def _text(value: Any) -> str:
    return NO_VALUE if value is None or value == "" else str(value)


def moment_text(value: str | None) -> str:
    """An ISO timestamp as the desk prints one: '2026-11-02 14:05 UTC'."""
    if not value:
        return NO_VALUE
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    show: Callable[[Any], str] = _text
    numeric: bool = False


@dataclass(frozen=True)
class Cell:
    label: str
    text: str
    numeric: bool
    key: str = ""  # the column's figure, for machines reading the page (data-figure)


@dataclass(frozen=True)
class ReportTable:
    title: str
    columns: tuple[Column, ...]
    rows: list[dict]
    total: dict | None = None
    empty: str = "Nothing in this period."
    anchor: str = ""  # the table's id on a page, for a chart to point at it

    def _cells(self, row: dict) -> list[Cell]:
        return [
            Cell(column.label, column.show(row.get(column.key)), column.numeric, column.key) for column in self.columns
        ]

    @property
    def lines(self) -> list[list[Cell]]:
        return [self._cells(row) for row in self.rows]

    @property
    def total_line(self) -> list[Cell] | None:
        return self._cells(self.total) if self.total is not None else None


@dataclass(frozen=True)
class ReportPage:
    title: str
    description: str
    chart_svg: str
    chart_svg_narrow: str = ""  # the same chart for a phone: labels on their own lines
    tables: list[ReportTable] = field(default_factory=list)
    note: str = ""


def _charts(draw: Callable[..., str], *args: Any, **kwargs: Any) -> dict[str, str]:
    """A chart drawn for a wide page and for a phone."""
    return {"chart_svg": draw(*args, **kwargs), "chart_svg_narrow": draw(*args, narrow=True, **kwargs)}


def _user(row: dict) -> str:
    return row["actor"] or f"({row['role'] or 'system'})"


def _top(counter: Counter, limit: int = 15) -> list[tuple[str, float]]:
    return counter.most_common(limit)


def activity_page(*, since=None, until=None, period: str = "month") -> ReportPage:
    rows = reports.activity_report(since=since, until=until, period=period)
    per_action: Counter = Counter()
    for row in rows:
        per_action[action_label(row["action"])] += row["count"]
    return ReportPage(
        title="Activity",
        description=f"Audit entries counted by {period}, user, role and action.",
        **_charts(rendering.bar_chart_svg, _top(per_action), title="Entries per action"),
        tables=[
            ReportTable(
                "Entries by period, user and action",
                (
                    Column("period_start", f"{period.capitalize()} from"),
                    Column("actor", "User"),
                    Column("role", "Role"),
                    Column("action", "Action", action_label),
                    Column("count", "Entries", numeric=True),
                ),
                [{**row, "actor": _user(row)} for row in rows],
            )
        ],
    )


def personal_data_access_page(*, since=None, until=None) -> ReportPage:
    rows = reports.personal_data_access_report(since=since, until=until)
    per_user: Counter = Counter()
    for row in rows:
        per_user[_user(row)] += row["count"]
    return ReportPage(
        title="Personal-data access",
        description=(
            "Reads of personal data per user: request pages, searches by target, legal document downloads, "
            "snapshots, letter previews and downloads."
        ),
        **_charts(rendering.bar_chart_svg, _top(per_user), title="Reads of personal data per user", colour="#8f4a1d"),
        tables=[
            ReportTable(
                "Reads per user and kind",
                (
                    Column("actor", "User"),
                    Column("role", "Role"),
                    Column("action", "Kind of read", action_label),
                    Column("count", "Reads", numeric=True),
                    Column("requests", "Requests", numeric=True),
                    Column("first", "First", moment_text),
                    Column("last", "Last", moment_text),
                ),
                [{**row, "actor": _user(row)} for row in rows],
            )
        ],
    )


def permission_denials_page(*, since=None, until=None) -> ReportPage:
    rows = reports.permission_denials_report(since=since, until=until)
    per_user: Counter = Counter()
    for row in rows:
        per_user[_user(row)] += row["count"]
    return ReportPage(
        title="Permission denials",
        description="Refused accesses per user, role and resource.",
        **_charts(rendering.bar_chart_svg, _top(per_user), title="Refusals per user", colour="#b3261e"),
        tables=[
            ReportTable(
                "Refusals per user and resource",
                (
                    Column("actor", "User"),
                    Column("role", "Role"),
                    Column("resource", "Resource"),
                    Column("count", "Refusals", numeric=True),
                    Column("requests", "Requests", numeric=True),
                    Column("last", "Last", moment_text),
                ),
                [{**row, "actor": _user(row)} for row in rows],
            )
        ],
    )


def sla_page(*, since=None, until=None) -> ReportPage:
    report = reports.sla_report(since=since, until=until)
    codes = [row["jurisdiction"] for row in report["jurisdictions"]]
    codes += [row["jurisdiction"] for row in report["late_requests"]]
    names = reports.jurisdiction_names([code for code in codes if code])

    def name(code):
        return names.get(code, code) if code else "unknown"

    groups = [(name(row["jurisdiction"]), [row["answered"], row["late"]]) for row in report["jurisdictions"]]
    return ReportPage(
        title="Deadlines (SLA)",
        description="Requests answered in the period, per jurisdiction: how many after their deadline, by how long.",
        **_charts(
            rendering.grouped_bar_chart_svg,
            groups,
            series=[("Answered", "#1d4f8f"), ("Late", "#b3261e")],
            title="Requests answered and answered late, per jurisdiction",
        ),
        tables=[
            ReportTable(
                "Per jurisdiction",
                (
                    Column("jurisdiction", "Jurisdiction", name),
                    Column("answered", "Answered", numeric=True),
                    Column("late", "Late", numeric=True),
                    Column("median_late_hours", "Median delay (hours)", numeric=True),
                    Column("max_late_hours", "Longest delay (hours)", numeric=True),
                ),
                report["jurisdictions"],
            ),
            ReportTable(
                "Requests answered late",
                (
                    Column("ref", "Reference"),
                    Column("jurisdiction", "Jurisdiction", name),
                    Column("due_at", "Due", moment_text),
                    Column("answered_at", "Answered", moment_text),
                    Column("late_by_hours", "Late by (hours)", numeric=True),
                ),
                report["late_requests"],
                empty="No request was answered late in this period.",
            ),
        ],
    )


def _process_types(counts: dict[str, int]) -> str:
    return " · ".join(f"{label_of(ProcessType, code)}: {count}" for code, count in sorted(counts.items())) or NO_VALUE


# The figures the public dataset added (issue 16), in a table of their own beside the outcomes.
DATASET_COLUMNS = (
    Column("accounts_specified", "Accounts specified", numeric=True),
    Column("contested", "Contested", numeric=True),
    Column("preservation", "Preservation", numeric=True),
    Column("nondisclosure_order", "Non-disclosure order", numeric=True),
    Column("content_requests", "Content", numeric=True),
    Column("non_content_requests", "Non-content", numeric=True),
)


def transparency_page(*, year: int, half: int) -> ReportPage:
    """Counts only: no user, no target, no note, no username of a colleague."""
    report = reports.transparency_report(year=year, half=half)
    data = report.as_dict()
    figures = (
        Column("received", "Received", numeric=True),
        Column("emergency", "Emergency", numeric=True),
        Column("disclosed", "Disclosed", numeric=True),
        Column("partially_disclosed", "Partially disclosed", numeric=True),
        Column("no_records", "No records", numeric=True),
        Column("preserved", "Preserved (nothing disclosed)", numeric=True),
        Column("rejected", "Rejected", numeric=True),
        Column("withdrawn", "Withdrawn", numeric=True),
        Column("accounts_affected", "Accounts affected", numeric=True),
        Column("emergency_not_followed_up", "Emergencies not followed up", numeric=True),
    )
    rows = [{**row, "jurisdiction": report.name_of(row["jurisdiction"])} for row in data["jurisdictions"]]
    return ReportPage(
        title=f"Transparency report {year}, {'January to June' if half == 1 else 'July to December'}",
        description="Government requests for user data per jurisdiction: received, by process type, and how answered.",
        **_charts(rendering.transparency_chart_svg, report),
        tables=[
            ReportTable(
                "Per jurisdiction",
                (Column("jurisdiction", "Jurisdiction"), *figures),
                rows,
                total={**data["totals"], "jurisdiction": "Total"},
                empty="No request was received or answered in this period.",
            ),
            ReportTable(
                "What was asked, and pushed back",
                (Column("jurisdiction", "Jurisdiction"), *DATASET_COLUMNS),
                rows,
                total={**data["totals"], "jurisdiction": "Total"},
                empty="No request was received or answered in this period.",
            ),
            ReportTable(
                "Requests received by process type",
                (Column("jurisdiction", "Jurisdiction"), Column("by_process_type", "By process type", _process_types)),
                rows,
                empty="No request was received in this period.",
            ),
        ],
        note=data["method"],
    )


# Response times (issue 16): the same tables on the auditors' desk and on the public page.
TOTAL = "total"
ALL_PROCESS_TYPES = "all"


def hours_text(value: Any) -> str:
    """Hours as the data gives them (rounded there), so that the page and the dataset agree."""
    return NO_VALUE if value is None else formats.number_format(value, force_grouping=True)


def count_text(value: Any) -> str:
    """A count as the reader's language writes it; anything else as it is given."""
    if value is None or value == "":
        return NO_VALUE
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value)
    return formats.number_format(value, force_grouping=True)


def response_time_tables(
    rows: list[dict], *, names: dict[str, str], anchor: str = "response-times"
) -> list[ReportTable]:
    """Rows of ``response_times`` (one period) as two tables, emergencies apart: per country (the
    total last) and process type (all kinds first)."""

    def country(code: str) -> str:
        return _("All countries") if code == TOTAL else names.get(code) or code

    def process(code: str) -> str:
        return _("All kinds") if code == ALL_PROCESS_TYPES else label_of(ProcessType, code)

    columns = (
        Column("country", _("Country")),
        Column("process", _("Kind of legal process")),
        Column("answered", _("Requests answered"), count_text, numeric=True),
        Column("median_hours", _("Median time to answer (hours)"), hours_text, numeric=True),
        Column("p90_hours", _("Nine in ten answered within (hours)"), hours_text, numeric=True),
    )

    def order(row: dict) -> tuple:
        return (row["jurisdiction"] == TOTAL, country(row["jurisdiction"]), row["process_type"] != ALL_PROCESS_TYPES)

    tables = []
    for emergency, title, table_anchor in (
        (False, _("Response times, requests that were not emergencies"), anchor),
        (True, _("Response times, emergency requests"), f"{anchor}-emergency"),
    ):
        chosen = sorted((row for row in rows if bool(row["emergency"]) is emergency), key=order)
        lines = [
            {**row, "country": country(row["jurisdiction"]), "process": process(row["process_type"])} for row in chosen
        ]
        empty = _("No request was answered in this period.")
        tables.append(ReportTable(title, columns, lines, empty=empty, anchor=table_anchor))
    return tables


RESPONSE_TIME_SERIES = (
    ("median_hours", False, "#1d4f8f"),
    ("p90_hours", False, "#8fb3e0"),
    ("median_hours", True, "#b3261e"),
    ("p90_hours", True, "#f0a39e"),
)


def response_times_page(*, year: int, half: int | None = None, quarter: int | None = None) -> ReportPage:
    """The auditors' response times for a half-year or a quarter, from the whole trail as it is now."""
    report = response_time_report(year=year, half=half, quarter=quarter)
    rows = report["rows"]
    names = {row["jurisdiction"]: row.get("name") or row["jurisdiction"] for row in rows}
    overall = {(row["jurisdiction"], bool(row["emergency"])): row for row in rows if row["process_type"] == "all"}
    codes = sorted({code for code, _emergency in overall} - {TOTAL}, key=lambda code: names[code])
    groups = [
        (
            _("All countries") if code == TOTAL else names[code],
            [
                (overall.get((code, emergency)) or {}).get(figure) or 0
                for figure, emergency, _colour in RESPONSE_TIME_SERIES
            ],
        )
        for code in [*codes, TOTAL]
        if any((code, emergency) in overall for emergency in (False, True))
    ]
    labels = {
        ("median_hours", False): _("Median, not emergencies"),
        ("p90_hours", False): _("Nine in ten, not emergencies"),
        ("median_hours", True): _("Median, emergencies"),
        ("p90_hours", True): _("Nine in ten, emergencies"),
    }
    series = [(labels[(figure, emergency)], colour) for figure, emergency, colour in RESPONSE_TIME_SERIES]
    return ReportPage(
        title=_("Response times, %(period)s") % {"period": report["period"]},
        description=_(
            "Hours from the first receipt of a request to its answer (data disclosed, no records, or refused), "
            "counted in the period of the answer, per jurisdiction and process type, emergencies apart."
        ),
        **_charts(rendering.grouped_bar_chart_svg, groups, series=series, title=_("Hours to answer, per country")),
        tables=response_time_tables(rows, names=names),
        note=report["method"][:1].upper() + report["method"][1:],
    )
