"""A subscriber's records as plain data: what a provider returns, what a snapshot seals and a letter prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


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
