"""A subscriber's records as plain data: what a provider returns, what a snapshot seals and a letter prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_noop

# A subscriber profile is a dict keyed by these machine keys (the attached CSV/JSON keep them);
# anything a person reads prints the label instead, in this order.
# English; the letter prints them in its own language (gettext).
PROFILE_FIELD_LABELS: dict[str, str] = {
    "account_id": gettext_noop("Account ID"),
    "username": gettext_noop("Username"),
    "display_name": gettext_noop("Display name"),
    "email": gettext_noop("E-mail address"),
    "registered_at": gettext_noop("Registered on"),
}
# Profile values that are timestamps (ISO 8601 strings in the profile dict).
PROFILE_TIMESTAMP_FIELDS = frozenset({"registered_at"})


@dataclass(frozen=True)
class PhonePeriod:
    number: str  # E.164
    valid_from: dt.datetime
    valid_to: dt.datetime | None  # None: still current


@dataclass(frozen=True)
class IpEvent:
    ts: dt.datetime  # UTC
    ip: str
    port: int | None


@dataclass(frozen=True)
class AccountRecords:
    """What a subscriber provider returns for one account: only the categories asked for."""

    account_id: str
    phone_numbers: tuple[PhonePeriod, ...] = ()
    ip_events: Sequence[IpEvent] = ()
    profile: dict | None = None
