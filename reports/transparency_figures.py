"""The transparency dataset's figures, computed from audit entries alone (no database).

Everything here is a pure function of a list of ``TrailEvent`` (the trail's request transitions and
emergency follow-ups, in sequence order) and of the moment the figures are computed for (the
checkpoint's signing time), so the same code serves the publication, ``transparency_check`` and the
offline check of a figure's proofs.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import statistics
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from audit.actions import AuditAction
from lawreq.roles import Role

# The counted figures of a jurisdiction's row (by_process_type, a dict, comes after received).
COUNTED_FIGURES = (
    "received",
    "accounts_specified",
    "accounts_affected",
    "disclosed",
    "partially_disclosed",
    "no_records",
    "preserved",
    "rejected",
    "withdrawn",
    "contested",
    "emergency",
    "emergency_not_followed_up",
    "preservation",
    "nondisclosure_order",
    "content_requests",
    "non_content_requests",
)
FIGURES = ("received", "by_process_type", *COUNTED_FIGURES[1:])
OUTCOMES = ("disclosed", "partially_disclosed", "no_records", "preserved")
ANSWER_STATES = ("responded", "rejected")
TOTAL = "total"
ALL_PROCESS_TYPES = "all"
UNKNOWN = "unknown"
EVENT_ACTIONS = (
    AuditAction.REQUEST_TRANSITIONED,
    AuditAction.FOLLOWUP_REQUESTED,
    AuditAction.FOLLOWUP_RECEIVED,
)
PERCENTILE = 90
# Who pushes back for "contested": the legal team. The checks (role "system") sending a request back
# for information are not the legal team contesting it; a legal-team member who is also an
# administrator is recorded by the higher role, admin.
PUSHBACK_ROLES = frozenset({Role.ANALYST.value, Role.REVIEWER.value, Role.ADMIN.value})

DEFINITIONS = {
    "received": "Requests received for the first time in the period (a request sent back for information and "
    "received again counts once).",
    "by_process_type": "The requests received, by the kind of legal process the authority named.",
    "accounts_specified": "The accounts, phone numbers or other identifiers named by the requests received.",
    "accounts_affected": "The accounts whose data was disclosed by the requests answered in the period.",
    "disclosed": "Requests answered in the period with the data asked for, in full.",
    "partially_disclosed": "Requests answered in the period with part of the data asked for.",
    "no_records": "Requests answered in the period for which the platform held no data.",
    "preserved": "Preservation requests answered in the period by preserving the data of the accounts found: "
    "nothing is disclosed, and no account counts as affected.",
    "rejected": "Requests refused in the period (no data disclosed).",
    "withdrawn": "Requests received that the authority withdrew in the period (a draft it never submitted is not "
    "counted).",
    "contested": "Requests answered (disclosed, partly disclosed, no records or refused) in the period that the "
    "legal team pushed back on before its answer: sent back to the authority for information or correction at "
    "least once by a member of the legal team (a request only the automatic checks sent back for missing "
    "information is not counted as contested).",
    "emergency": "Requests received in the period as emergencies (danger of death or serious injury), without "
    "prior legal process.",
    "emergency_not_followed_up": "Emergency disclosures whose follow-up legal process was asked for in the period "
    "and had not come when its window closed, as of the checkpoint.",
    "preservation": "Requests received in the period to preserve data (process type preservation_order).",
    "nondisclosure_order": "Requests received in the period with an order forbidding the platform to notify the user.",
    "content_requests": "Requests received in the period that asked for content (messages, posts, files).",
    "non_content_requests": "Requests received in the period that asked only for non-content data (subscriber "
    "information, traffic and access logs).",
    "response_times": "Per period of answer, jurisdiction, process type and emergency or not: the requests "
    "answered (data disclosed, no records, or refused), and the median and 90th percentile of the hours from "
    "first receipt to the answer.",
}

METHOD = (
    "Every figure is computed from the platform's tamper-evident audit trail, using only its first tree_size "
    "entries: those the named checkpoint signs (tree size and Merkle root), so anyone holding the trail and the "
    "checkpoint can recompute it (manage.py transparency_check). Periods are calendar quarters (YYYY-Qn) and "
    "half-years (YYYY-Hn) in UTC; a period is complete when it ended before the checkpoint was signed. "
    "Requests received, by process type, accounts specified, emergency, preservation, non-disclosure order and "
    "content are counted when a request is first received; outcomes, accounts affected, rejected, withdrawn and "
    "contested when it is answered (contested: a transition to needs_info whose entry's role is one of the legal "
    "team's; the automatic checks write role system and are not counted); emergencies not followed up when the "
    "follow-up was asked for. Entries "
    "written before these fields were recorded carry no accounts_specified, nondisclosure or content detail: "
    "they count as 0 accounts specified, no non-disclosure order and non-content. Counts are exact: no rounding, "
    "ranges or suppression of small numbers, since the figures count requests from authorities, not users, and "
    "a rounded figure could not be recomputed. Response times: hours from first receipt to the answer, counted in "
    "the period of the answer; median as statistics.median (the mean of the two middle values for an even "
    "count); 90th percentile by the nearest-rank method (the value at rank ceil(0.9 n) of the sorted hours); "
    "both rounded to 2 decimals; a combination with no answered request is left out."
)


@dataclass(frozen=True)
class TrailEvent:
    seq: int
    created_at: dt.datetime
    action: str
    request_ref: str
    details: dict[str, Any]
    role: str = ""  # the entry's role: who made the change (system for the automatic checks)


@dataclass(frozen=True)
class Period:
    name: str  # 2026-Q3 or 2026-H2
    kind: str  # quarter | half
    start: dt.datetime
    end: dt.datetime  # exclusive

    def as_dict(self, *, as_of: dt.datetime) -> dict:
        return {
            "period": self.name,
            "kind": self.kind,
            "start": self.start.date().isoformat(),
            "end": (self.end - dt.timedelta(days=1)).date().isoformat(),
            "complete": self.end <= as_of,
        }


def _month_start(year: int, month: int) -> dt.datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.datetime(year, month, 1, tzinfo=dt.UTC)


def quarter_of(moment: dt.datetime) -> Period:
    moment = moment.astimezone(dt.UTC)
    number = (moment.month - 1) // 3 + 1
    first = 3 * number - 2
    return Period(
        f"{moment.year}-Q{number}", "quarter", _month_start(moment.year, first), _month_start(moment.year, first + 3)
    )


def half_of(moment: dt.datetime) -> Period:
    moment = moment.astimezone(dt.UTC)
    number = 1 if moment.month <= 6 else 2
    first = 1 if number == 1 else 7
    return Period(
        f"{moment.year}-H{number}", "half", _month_start(moment.year, first), _month_start(moment.year, first + 6)
    )


def periods_of(moment: dt.datetime) -> tuple[Period, Period]:
    moment = moment.astimezone(dt.UTC)
    return _periods_of_month(moment.year, moment.month)


@functools.cache
def _periods_of_month(year: int, month: int) -> tuple[Period, Period]:
    moment = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    return quarter_of(moment), half_of(moment)


def period_named(name: str) -> Period:
    """``2026-Q3`` or ``2026-H1`` to its period; ValueError otherwise."""
    year_text, _, part = name.partition("-")
    year = int(year_text)
    if len(part) != 2 or part[0] not in "QH" or not 2000 <= year <= 2100:
        raise ValueError(name)
    number = int(part[1])
    if part[0] == "Q" and 1 <= number <= 4:
        return quarter_of(dt.datetime(year, 3 * number - 2, 1, tzinfo=dt.UTC))
    if part[0] == "H" and number in (1, 2):
        return half_of(dt.datetime(year, 1 if number == 1 else 7, 1, tzinfo=dt.UTC))
    raise ValueError(name)


def median_hours(hours: Sequence[float]) -> float | None:
    return round(statistics.median(hours), 2) if hours else None


def nearest_rank(hours: Sequence[float], percentile: int = PERCENTILE) -> float | None:
    """The value at rank ceil(p/100 * n) of the sorted values (the nearest-rank method)."""
    if not hours:
        return None
    ordered = sorted(hours)
    rank = max(1, math.ceil(percentile / 100 * len(ordered)))
    return round(ordered[rank - 1], 2)


def json_truthy(value: Any) -> bool:
    """A JSON boolean as the database hands it back: jsonb ->> gives 'true'; SQLite's json_extract gives 1."""
    return value in (True, 1, "true", "1")


def _new_row() -> dict:
    row: dict[str, Any] = dict.fromkeys(COUNTED_FIGURES, 0)
    row["by_process_type"] = {}
    return row


@dataclass(slots=True)
class _RequestSeen:
    jurisdiction: str
    process_type: str
    emergency: bool
    received_at: dt.datetime | None = None
    pushed_back: bool = False
    answered: bool = False


@dataclass
class FigureSet:
    """Figures per (period name, jurisdiction) and answer hours per (period, jurisdiction, process
    type, emergency); ``counted`` names, per (period, jurisdiction, figure), the requests it counts."""

    as_of: dt.datetime
    # Only when asked (proving a figure): which requests each figure counts.
    track: bool = False
    periods: dict[str, Period] = field(default_factory=dict)
    rows: dict[tuple[str, str], dict] = field(default_factory=lambda: defaultdict(_new_row))
    # Compact arrays of doubles: a million answers would be hundreds of MB as lists of floats.
    hours: dict[tuple[str, str, str, bool], array] = field(default_factory=lambda: defaultdict(lambda: array("d")))
    counted: dict[tuple[str, str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    followups: dict[str, tuple[dt.datetime, str, dt.datetime]] = field(default_factory=dict)
    followed_up: set[str] = field(default_factory=set)

    def jurisdictions(self) -> set[str]:
        return {code for _, code in self.rows if code != TOTAL}

    def add(self, moment: dt.datetime, jurisdiction: str, figure: str, amount: int, ref: str, key: str = "") -> None:
        for period in periods_of(moment):
            self.periods[period.name] = period
            for code in (jurisdiction, TOTAL):
                row = self.rows[(period.name, code)]
                if key:
                    row[figure][key] = row[figure].get(key, 0) + amount
                else:
                    row[figure] += amount
                if self.track:
                    self.counted[(period.name, code, figure)].add(ref)

    def add_hours(self, moment: dt.datetime, seen: _RequestSeen, hours: float, ref: str) -> None:
        for period in periods_of(moment):
            self.periods[period.name] = period
            for code in (seen.jurisdiction, TOTAL):
                for process_type in (seen.process_type, ALL_PROCESS_TYPES):
                    self.hours[(period.name, code, process_type, seen.emergency)].append(hours)
                if self.track:
                    self.counted[(period.name, code, "response_times")].add(ref)


def compute_figures(events: Iterable[TrailEvent], *, as_of: dt.datetime, track: bool = False) -> FigureSet:
    """Replay the events in order; ``as_of`` decides which follow-up windows have closed; ``track``
    also keeps which requests each figure counts."""
    figures = FigureSet(as_of=as_of, track=track)
    requests: dict[str, _RequestSeen] = {}
    for event in events:
        details = event.details
        ref = event.request_ref
        if event.action == AuditAction.FOLLOWUP_REQUESTED:
            due_at = dt.datetime.fromisoformat(details["due_at"])
            figures.followups[ref] = (event.created_at, details.get("jurisdiction") or UNKNOWN, due_at)
            continue
        if event.action == AuditAction.FOLLOWUP_RECEIVED:
            figures.followed_up.add(ref)
            continue
        if event.action != AuditAction.REQUEST_TRANSITIONED:
            continue
        code = details.get("jurisdiction") or UNKNOWN
        from_state, to_state = details.get("from"), details.get("to")
        seen = requests.get(ref)
        if seen is None:
            seen = requests[ref] = _RequestSeen(
                code, details.get("process_type") or UNKNOWN, json_truthy(details.get("emergency"))
            )
        at = event.created_at
        if (from_state, to_state) == ("draft", "received") and seen.received_at is None:
            seen.received_at = at
            figures.add(at, code, "received", 1, ref)
            figures.add(at, code, "by_process_type", 1, ref, key=seen.process_type)
            figures.add(at, code, "accounts_specified", int(details.get("accounts_specified") or 0), ref)
            if seen.emergency:
                figures.add(at, code, "emergency", 1, ref)
            if seen.process_type == "preservation_order":
                figures.add(at, code, "preservation", 1, ref)
            if json_truthy(details.get("nondisclosure")):
                figures.add(at, code, "nondisclosure_order", 1, ref)
            content = json_truthy(details.get("content"))
            figures.add(at, code, "content_requests" if content else "non_content_requests", 1, ref)
        elif to_state == "needs_info" and not seen.answered:
            seen.pushed_back = seen.pushed_back or event.role in PUSHBACK_ROLES
        elif to_state in (*ANSWER_STATES, "withdrawn") and not seen.answered:
            seen.answered = True
            if to_state == "withdrawn":
                if from_state != "draft":  # a draft never submitted was never received
                    figures.add(at, code, "withdrawn", 1, ref)
                continue
            if to_state == "rejected":
                figures.add(at, code, "rejected", 1, ref)
            else:
                outcome = details.get("outcome") if details.get("outcome") in OUTCOMES else "disclosed"
                figures.add(at, code, outcome, 1, ref)
                figures.add(at, code, "accounts_affected", int(details.get("accounts_affected") or 0), ref)
            if seen.pushed_back:
                figures.add(at, code, "contested", 1, ref)
            if seen.received_at is not None:
                figures.add_hours(at, seen, (at - seen.received_at).total_seconds() / 3600, ref)
    for ref, (asked_at, code, due_at) in figures.followups.items():
        if ref not in figures.followed_up and due_at <= as_of:
            figures.add(asked_at, code, "emergency_not_followed_up", 1, ref)
    return figures


def _figures_of(row: dict) -> dict:
    result: dict[str, Any] = {}
    for name in FIGURES:
        value = row[name]
        result[name] = dict(sorted(value.items())) if isinstance(value, dict) else value
    return result


def figures_document(figures: FigureSet, *, names: dict[str, str]) -> dict:
    """``periods`` and ``response_times`` of the dataset, in a stable order (quarters, then halves)."""
    periods = sorted(figures.periods.values(), key=lambda period: (period.kind != "quarter", period.start))
    codes_by_period: dict[str, set[str]] = defaultdict(set)
    for period_name, code in figures.rows:
        if code != TOTAL:
            codes_by_period[period_name].add(code)
    documents = []
    for period in periods:
        documents.append(
            {
                **period.as_dict(as_of=figures.as_of),
                "jurisdictions": [
                    {
                        "jurisdiction": code,
                        "name": names.get(code, code),
                        **_figures_of(figures.rows[(period.name, code)]),
                    }
                    for code in sorted(codes_by_period[period.name])
                ],
                "total": _figures_of(figures.rows.get((period.name, TOTAL)) or _new_row()),
            }
        )
    order = {period.name: index for index, period in enumerate(periods)}
    response_times = [
        {
            "period": period_name,
            "jurisdiction": code,
            "process_type": process_type,
            "emergency": emergency,
            "answered": len(hours),
            "median_hours": median_hours(hours),
            "p90_hours": nearest_rank(hours),
        }
        for (period_name, code, process_type, emergency), hours in sorted(
            figures.hours.items(),
            key=lambda item: (
                order[item[0][0]],
                item[0][1] == TOTAL,
                item[0][1],
                item[0][2] == ALL_PROCESS_TYPES,
                item[0][2],
                item[0][3],
            ),
        )
    ]
    return {"periods": documents, "response_times": response_times}
