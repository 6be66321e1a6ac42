"""Report selectors. Every figure is computed from the audit trail, so it can be recounted from it.

Transition entries carry ``{from, to, jurisdiction, process_type, emergency}`` and the responded
transition also ``{outcome, accounts_affected}`` (requests_app.services._transition).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Count, F, Max, Min, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEntry
from lawreq.errors import InvalidInput
from reports.transparency_figures import PUSHBACK_ROLES, json_truthy
from requests_app.models import Jurisdiction, LegalRequest

ERR_YEAR = "year must be a whole number between 2000 and 2100"
ERR_HALF = "half must be 1 (January to June) or 2 (July to December)"
ERR_PERIOD = "period must be day, week or month"
ERR_RANGE = "since must be before until"

OUTCOMES = ("disclosed", "partially_disclosed", "no_records", "preserved", "rejected")
# Reads of personal data: request pages (which show the targets), searches by target, legal document
# downloads, snapshots, letter previews and downloads, look-ups.
PERSONAL_DATA_READS = (
    AuditAction.REQUEST_VIEWED,
    AuditAction.TARGET_SEARCHED,
    AuditAction.DOCUMENT_DOWNLOADED,
    AuditAction.SNAPSHOT_READ,
    AuditAction.RESPONSE_PREVIEWED,
    AuditAction.RESPONSE_DOWNLOADED,
    AuditAction.TARGET_RESOLVED,
)
ANSWERS = ["responded", "rejected", "withdrawn"]
PERIODS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def half_year_bounds(year: int, half: int) -> tuple[dt.datetime, dt.datetime]:
    if not 2000 <= year <= 2100:
        raise InvalidInput(ERR_YEAR, field="year")
    if half not in (1, 2):
        raise InvalidInput(ERR_HALF, field="half")
    start = dt.datetime(year, 1 if half == 1 else 7, 1, tzinfo=dt.UTC)
    end = dt.datetime(year, 7, 1, tzinfo=dt.UTC) if half == 1 else dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    return start, end


@dataclass
class JurisdictionFigures:
    jurisdiction: str
    received: int = 0
    by_process_type: dict[str, int] = field(default_factory=dict)
    emergency: int = 0
    disclosed: int = 0
    partially_disclosed: int = 0
    no_records: int = 0
    # Preservation requests answered by preserving: nothing disclosed (Outcome.PRESERVED).
    preserved: int = 0
    rejected: int = 0
    withdrawn: int = 0
    accounts_affected: int = 0
    # Emergency disclosures whose follow-up legal process (or validation) never came in its window.
    emergency_not_followed_up: int = 0
    # As the public dataset defines them (reports.transparency_figures.DEFINITIONS).
    accounts_specified: int = 0
    contested: int = 0
    preservation: int = 0
    nondisclosure_order: int = 0
    content_requests: int = 0
    non_content_requests: int = 0

    def as_dict(self) -> dict:
        return {
            "jurisdiction": self.jurisdiction,
            "received": self.received,
            "by_process_type": dict(sorted(self.by_process_type.items())),
            "emergency": self.emergency,
            "disclosed": self.disclosed,
            "partially_disclosed": self.partially_disclosed,
            "no_records": self.no_records,
            "preserved": self.preserved,
            "rejected": self.rejected,
            "withdrawn": self.withdrawn,
            "accounts_affected": self.accounts_affected,
            "emergency_not_followed_up": self.emergency_not_followed_up,
            **{name: getattr(self, name) for name in DATASET_FIGURES},
        }


DATASET_FIGURES = (
    "accounts_specified",
    "contested",
    "preservation",
    "nondisclosure_order",
    "content_requests",
    "non_content_requests",
)
# The counted figures of a jurisdiction's row, in the order reports print them.
TRANSPARENCY_FIGURES = (
    "received",
    "emergency",
    "disclosed",
    "partially_disclosed",
    "no_records",
    "preserved",
    "rejected",
    "withdrawn",
    "accounts_affected",
    "emergency_not_followed_up",
    *DATASET_FIGURES,
)


@dataclass
class TransparencyReport:
    year: int
    half: int
    start: dt.datetime
    end: dt.datetime
    jurisdictions: list[JurisdictionFigures]
    # Codes to names, for what people read (charts, the PDF); the JSON and CSV keep the codes.
    names: dict[str, str] = field(default_factory=dict)

    def name_of(self, code: str) -> str:
        return self.names.get(code, code)

    @property
    def totals(self) -> JurisdictionFigures:
        total = JurisdictionFigures(jurisdiction="total")
        for row in self.jurisdictions:
            for name in TRANSPARENCY_FIGURES:
                setattr(total, name, getattr(total, name) + getattr(row, name))
            for process_type, count in row.by_process_type.items():
                total.by_process_type[process_type] = total.by_process_type.get(process_type, 0) + count
        return total

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "half": self.half,
            "period": {
                "start": self.start.date().isoformat(),
                "end": (self.end - dt.timedelta(days=1)).date().isoformat(),
            },
            "method": (
                "Counted from the audit trail: received, by process type and emergency by the time a request was "
                "first received; outcomes and accounts affected by the time it was answered; emergency disclosures "
                "not followed up by the time the follow-up was asked for, when its window has passed without it. "
                "Accounts specified, preservation, non-disclosure order, content and non-content by the time a "
                "request was first received; contested by the time it was answered, when the legal team (not the "
                "automatic checks) had sent it back for information before."
            ),
            "jurisdictions": [row.as_dict() for row in self.jurisdictions],
            "totals": self.totals.as_dict(),
        }


def transparency_report(*, year: int, half: int) -> TransparencyReport:
    start, end = half_year_bounds(year, half)
    rows = (
        AuditEntry.objects.filter(action=AuditAction.REQUEST_TRANSITIONED, created_at__gte=start, created_at__lt=end)
        .filter(Q(details__from="draft", details__to="received") | Q(details__to__in=ANSWERS))
        # A draft withdrawn before it was submitted was never received.
        .exclude(details__from="draft", details__to="withdrawn")
        .annotate(
            jurisdiction=KT("details__jurisdiction"),
            to_state=KT("details__to"),
            process_type=KT("details__process_type"),
            emergency=KT("details__emergency"),
            outcome=KT("details__outcome"),
            nondisclosure=KT("details__nondisclosure"),
            content=KT("details__content"),
        )
        .values("jurisdiction", "to_state", "process_type", "emergency", "outcome", "nondisclosure", "content")
        .annotate(
            count=Count("id"),
            accounts=Sum(Cast(KT("details__accounts_affected"), BigIntegerField())),
            specified=Sum(Cast(KT("details__accounts_specified"), BigIntegerField())),
        )
        .order_by()
    )
    figures: dict[str, JurisdictionFigures] = {}
    for row in rows:
        code = row["jurisdiction"] or "unknown"
        target = figures.setdefault(code, JurisdictionFigures(jurisdiction=code))
        count = row["count"]
        if row["to_state"] == "received":
            target.received += count
            target.by_process_type[row["process_type"]] = target.by_process_type.get(row["process_type"], 0) + count
            if json_truthy(row["emergency"]):
                target.emergency += count
            target.accounts_specified += row["specified"] or 0
            if row["process_type"] == "preservation_order":
                target.preservation += count
            if json_truthy(row["nondisclosure"]):
                target.nondisclosure_order += count
            if json_truthy(row["content"]):
                target.content_requests += count
            else:
                target.non_content_requests += count
        elif row["to_state"] == "responded":
            outcome = row["outcome"] if row["outcome"] in OUTCOMES else "disclosed"
            setattr(target, outcome, getattr(target, outcome) + count)
            target.accounts_affected += row["accounts"] or 0
        elif row["to_state"] == "rejected":
            target.rejected += count
        else:
            target.withdrawn += count
    for code, count in contested_answers(start=start, end=end).items():
        figures.setdefault(code, JurisdictionFigures(jurisdiction=code)).contested = count
    for code, count in emergencies_not_followed_up(start=start, end=end).items():
        figures.setdefault(code, JurisdictionFigures(jurisdiction=code)).emergency_not_followed_up = count
    return TransparencyReport(
        year, half, start, end, [figures[code] for code in sorted(figures)], names=jurisdiction_names(list(figures))
    )


def contested_answers(*, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """Per jurisdiction, the requests answered (responded or rejected) in [start, end) that were sent to
    ``needs_info`` by the legal team before their answer: it pushed back before complying (the automatic
    checks sending a request back, role ``system``, do not count)."""
    answers = AuditEntry.objects.filter(
        action=AuditAction.REQUEST_TRANSITIONED,
        created_at__gte=start,
        created_at__lt=end,
        details__to__in=["responded", "rejected"],
    ).values_list("request_ref", "id", KT("details__jurisdiction"))
    answered = {ref: (entry_id, code) for ref, entry_id, code in answers}
    first_pushed_back = dict(
        AuditEntry.objects.filter(
            action=AuditAction.REQUEST_TRANSITIONED,
            request_ref__in=list(answered),
            details__to="needs_info",
            role__in=PUSHBACK_ROLES,
        )
        .values("request_ref")
        .annotate(first=Min("id"))
        .values_list("request_ref", "first")
        .order_by()
    )
    counts: dict[str, int] = defaultdict(int)
    for ref, (entry_id, code) in answered.items():
        if ref in first_pushed_back and first_pushed_back[ref] < entry_id:
            counts[code or "unknown"] += 1
    return dict(counts)


def emergencies_not_followed_up(*, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None) -> dict:
    """Per jurisdiction, the emergency disclosures whose follow-up was asked for in [start, end) and
    never received, its window over: counted from the trail (asked, received)."""
    now = now or timezone.now()
    asked = AuditEntry.objects.filter(
        action=AuditAction.FOLLOWUP_REQUESTED, created_at__gte=start, created_at__lt=end
    ).values_list("request_ref", "details")
    received = set(
        AuditEntry.objects.filter(action=AuditAction.FOLLOWUP_RECEIVED).values_list("request_ref", flat=True)
    )
    counts: dict[str, int] = defaultdict(int)
    for ref, details in asked:
        due_at = dt.datetime.fromisoformat(details["due_at"])
        if ref not in received and due_at <= now:
            counts[details.get("jurisdiction") or "unknown"] += 1
    return dict(counts)


def _window(queryset, since: dt.datetime | None, until: dt.datetime | None):
    if since and until and since >= until:
        raise InvalidInput(ERR_RANGE, field="since")
    if since:
        queryset = queryset.filter(created_at__gte=since)
    if until:
        queryset = queryset.filter(created_at__lt=until)
    return queryset


def activity_report(
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    period: str = "month",
    actions: tuple[str, ...] | None = None,
) -> list[dict]:
    """Entries counted by period, user, role and action."""
    if period not in PERIODS:
        raise InvalidInput(ERR_PERIOD, field="period")
    queryset = _window(AuditEntry.objects.all(), since, until)
    if actions:
        queryset = queryset.filter(action__in=actions)
    rows = (
        queryset.annotate(period_start=PERIODS[period]("created_at"))
        .values("period_start", "actor_id", "actor_username", "role", "action")
        .annotate(count=Count("id"))
        .order_by("period_start", "actor_username", "action")
    )
    return [
        {
            "period_start": row["period_start"].date().isoformat(),
            "actor_id": row["actor_id"],
            "actor": row["actor_username"],
            "role": row["role"],
            "action": row["action"],
            "count": row["count"],
        }
        for row in rows
    ]


def personal_data_access_report(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[dict]:
    """Who read personal data: per user and kind of read, how often, over how many requests."""
    rows = (
        _window(AuditEntry.objects.filter(action__in=PERSONAL_DATA_READS), since, until)
        .values("actor_id", "actor_username", "role", "action")
        .annotate(
            count=Count("id"),
            requests=Count("request_ref", distinct=True),
            first=Min("created_at"),
            last=Max("created_at"),
        )
        .order_by("actor_username", "action")
    )
    return [
        {
            "actor_id": row["actor_id"],
            "actor": row["actor_username"],
            "role": row["role"],
            "action": row["action"],
            "count": row["count"],
            "requests": row["requests"],
            "first": row["first"].isoformat(),
            "last": row["last"].isoformat(),
        }
        for row in rows
    ]


def permission_denials_report(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[dict]:
    """Refused accesses, per user, role and resource."""
    rows = (
        _window(AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED), since, until)
        .annotate(resource=KT("details__resource"))
        .values("actor_id", "actor_username", "role", "resource")
        .annotate(count=Count("id"), requests=Count("request_ref", distinct=True), last=Max("created_at"))
        .order_by("-count", "actor_username")
    )
    return [
        {
            "actor_id": row["actor_id"],
            "actor": row["actor_username"],
            "role": row["role"],
            "resource": row["resource"] or "",
            "count": row["count"],
            "requests": row["requests"],
            "last": row["last"].isoformat(),
        }
        for row in rows
    ]


def sla_report(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> dict:
    """Requests answered (responded or rejected) in the window, per jurisdiction: how many late, by how long.

    The answer time comes from the audit trail; the deadline is the request's ``due_at``.
    """
    answers = _window(
        AuditEntry.objects.filter(action=AuditAction.REQUEST_TRANSITIONED, details__to__in=["responded", "rejected"]),
        since,
        until,
    ).values_list("request_ref", "created_at", KT("details__jurisdiction"))
    answered_at: dict[str, tuple[dt.datetime, str]] = {ref: (at, code) for ref, at, code in answers}
    due = dict(
        LegalRequest.objects.filter(ref__in=list(answered_at), due_at__isnull=False).values_list("ref", "due_at")
    )
    per_jurisdiction: dict[str, dict] = defaultdict(lambda: {"answered": 0, "late": 0, "late_hours": []})
    late_requests = []
    for ref, (at, code) in sorted(answered_at.items()):
        row = per_jurisdiction[code or "unknown"]
        row["answered"] += 1
        if ref in due and at > due[ref]:
            hours = round((at - due[ref]).total_seconds() / 3600, 1)
            row["late"] += 1
            row["late_hours"].append(hours)
            late_requests.append(
                {
                    "ref": ref,
                    "jurisdiction": code,
                    "due_at": due[ref].isoformat(),
                    "answered_at": at.isoformat(),
                    "late_by_hours": hours,
                }
            )
    jurisdictions = []
    for code in sorted(per_jurisdiction):
        row = per_jurisdiction[code]
        hours = sorted(row["late_hours"])
        jurisdictions.append(
            {
                "jurisdiction": code,
                "answered": row["answered"],
                "late": row["late"],
                "median_late_hours": hours[len(hours) // 2] if hours else None,
                "max_late_hours": hours[-1] if hours else None,
            }
        )
    late_requests.sort(key=lambda item: -item["late_by_hours"])
    return {"jurisdictions": jurisdictions, "late_requests": late_requests}


# The auditors' list of requests: what was asked, of which kind, where and when; never who or whom.

# The only columns the list reads: no target, no officer, no justification, no note can leak.
AUDIT_REQUEST_COLUMNS = (
    "ref",
    "agency__name",
    "jurisdiction__code",
    "jurisdiction__name",
    "process_type",
    "state",
    "outcome",
    "emergency",
    "received_at",
    "due_at",
    "responded_at",
)


def requests_for_auditors(
    *,
    ref: str = "",
    jurisdiction: str = "",
    state: str = "",
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
):
    """Every request's metadata (the auditor role reads the whole trail, so every request), newest
    first, as plain rows of ``AUDIT_REQUEST_COLUMNS``. ``received_to`` is inclusive."""
    queryset = LegalRequest.objects.all()
    if ref:
        queryset = queryset.filter(ref__icontains=ref.strip())
    if jurisdiction:
        queryset = queryset.filter(jurisdiction__code=jurisdiction)
    if state:
        queryset = queryset.filter(state=state)
    if received_from:
        queryset = queryset.filter(received_at__date__gte=received_from)
    if received_to:
        queryset = queryset.filter(received_at__date__lte=received_to)
    return queryset.order_by(F("received_at").desc(nulls_last=True), "-id").values(*AUDIT_REQUEST_COLUMNS)


def jurisdiction_names(codes) -> dict[str, str]:
    """Codes to names, for labels a reader understands ('FR' -> 'France'); an unknown code keeps its code."""
    names = dict(Jurisdiction.objects.filter(code__in=set(codes)).values_list("code", "name"))
    return {code: names.get(code, code) for code in codes}


def requested_jurisdictions() -> list[tuple[str, str]]:
    """The jurisdictions some request names: the choices of the list's filter (not all 250)."""
    return list(
        Jurisdiction.objects.filter(requests__isnull=False).distinct().order_by("name").values_list("code", "name")
    )
