"""Risk signals: what about a request looks like the forged emergency requests sent from compromised
police accounts (FBI advisory, November 2024). Computed when the request is checked and stored with
the check run, so the legal team later sees what was known then. Advisory: they block nothing, and
they are never shown to an officer."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from requests_app.choices import Category, SignatureStatus
from requests_app.models import AgencyDomainChange, LegalRequest

NEW_ACCOUNT = "new_account"
FIRST_REQUEST = "first_request_from_agency"
NEW_DOMAIN = "email_domain_recently_added"
OUTSIDE_OFFICE_HOURS = "outside_office_hours"
MANY_TARGETS = "broad_scope_targets"
LONG_RANGE = "broad_scope_date_range"
ALL_CATEGORIES = "broad_scope_all_categories"
EMERGENCY_BURST = "several_emergencies_in_a_day"
SIGNATURE_BROKEN = "document_signature_broken"
SIGNATURE_UNTRUSTED = "document_signature_untrusted"
SIGNATURE_UNCHECKED = "document_signature_unchecked"


@dataclass(frozen=True)
class RiskSignal:
    signal: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"signal": self.signal, "message": self.message}


def _local_time(at: dt.datetime, zone_name: str) -> dt.datetime:
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return at.astimezone(zone)


def _days_ago(days: int) -> str:
    return {0: "created today", 1: "created yesterday"}.get(days, f"created {days} days ago")


def risk_signals_of(legal_request: LegalRequest) -> list[RiskSignal]:
    """The signals of ``legal_request`` as of its receipt (or now, for one not received yet)."""
    at = legal_request.received_at or timezone.now()
    agency = legal_request.agency
    creator = legal_request.created_by
    officer = getattr(creator, "officer", None)
    signals: list[RiskSignal] = []

    account_age = max(at - creator.date_joined, dt.timedelta(0))
    if account_age < dt.timedelta(days=settings.LAWREQ_RISK_NEW_ACCOUNT_DAYS):
        signals.append(RiskSignal(NEW_ACCOUNT, f"The officer's account was {_days_ago(account_age.days)}."))

    earlier = LegalRequest.objects.filter(agency=agency, received_at__isnull=False, received_at__lt=at).exclude(
        pk=legal_request.pk
    )
    if not earlier.exists():
        signals.append(RiskSignal(FIRST_REQUEST, f"The first request ever received from {agency.name}."))

    if officer is not None:
        domain = officer.email_domain
        since = at - dt.timedelta(days=settings.LAWREQ_RISK_NEW_DOMAIN_DAYS)
        added = (
            AgencyDomainChange.objects.filter(agency=agency, domain=domain, added=True, changed_at__gte=since)
            .order_by("-changed_at")
            .first()
        )
        if added is not None:
            signals.append(
                RiskSignal(
                    NEW_DOMAIN,
                    f"The officer's e-mail domain {domain} was added to the agency on {added.changed_at:%Y-%m-%d}.",
                )
            )

    local = _local_time(at, agency.timezone)
    in_hours = (
        local.isoweekday() in (agency.office_days or [])
        and agency.office_hours_start <= local.time() < agency.office_hours_end
    )
    if not in_hours:
        signals.append(
            RiskSignal(
                OUTSIDE_OFFICE_HOURS,
                f"Received at {local:%a %H:%M} {agency.timezone}, outside the agency's office hours "
                f"({agency.office_hours_start:%H:%M}-{agency.office_hours_end:%H:%M}).",
            )
        )

    targets = legal_request.targets.count()
    if targets > settings.LAWREQ_RISK_MAX_TARGETS:
        signals.append(RiskSignal(MANY_TARGETS, f"{targets} targets named."))
    if legal_request.date_from and legal_request.date_to:
        days = (legal_request.date_to - legal_request.date_from).days + 1
        if days > settings.LAWREQ_RISK_MAX_RANGE_DAYS:
            signals.append(RiskSignal(LONG_RANGE, f"A period of {days} days requested."))
    if set(Category.values) <= set(legal_request.categories):
        signals.append(RiskSignal(ALL_CATEGORIES, "Every category of data requested."))

    statuses = set(legal_request.documents.values_list("signature_status", flat=True))
    if SignatureStatus.INVALID in statuses:
        signals.append(
            RiskSignal(
                SIGNATURE_BROKEN,
                "A signed document fails its signature check: it was altered after signing (a forgery signal).",
            )
        )
    if statuses & {SignatureStatus.UNTRUSTED, SignatureStatus.EXPIRED}:
        signals.append(
            RiskSignal(
                SIGNATURE_UNTRUSTED,
                "A document's signature does not chain to a trust root of the jurisdiction, or its certificate "
                "had expired.",
            )
        )

    if SignatureStatus.UNSUPPORTED in statuses:
        signals.append(
            RiskSignal(
                SIGNATURE_UNCHECKED,
                "A document carries a signature that could not be checked (format not supported, or too slow).",
            )
        )

    if legal_request.is_emergency:
        emergencies = LegalRequest.objects.filter(
            created_by=creator, emergency=True, received_at__gt=at - dt.timedelta(hours=24), received_at__lte=at
        ).count()
        if emergencies >= settings.LAWREQ_RISK_EMERGENCIES_PER_DAY:
            signals.append(
                RiskSignal(EMERGENCY_BURST, f"{emergencies} emergency requests from this account within 24 hours.")
            )
    return signals
