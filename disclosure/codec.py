"""The plaintext form of each sealed snapshot field: compact JSON, one shape per field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import orjson

from subscribers.records import IpEvent, PhonePeriod

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


def _ts(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def encode_ip_events(events: Iterable[IpEvent]) -> bytes:
    return orjson.dumps([(event.ts, event.ip, event.port) for event in events], option=_OPTIONS)


def decode_ip_events(data: bytes) -> list[IpEvent]:
    return [IpEvent(ts=dt.datetime.fromisoformat(ts), ip=ip, port=port) for ts, ip, port in orjson.loads(data)]


def encode_phone_numbers(periods: Iterable[PhonePeriod]) -> bytes:
    return orjson.dumps([(p.number, p.valid_from, p.valid_to) for p in periods], option=_OPTIONS)


def decode_phone_numbers(data: bytes) -> tuple[PhonePeriod, ...]:
    return tuple(
        PhonePeriod(number=number, valid_from=_ts(valid_from), valid_to=_ts(valid_to))
        for number, valid_from, valid_to in orjson.loads(data)
    )


def encode_profile(profile: dict) -> bytes:
    return orjson.dumps(profile, option=_OPTIONS | orjson.OPT_SORT_KEYS)


def decode_profile(data: bytes) -> dict:
    return orjson.loads(data)
