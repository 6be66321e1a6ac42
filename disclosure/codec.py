"""The plaintext form of each sealed snapshot field: compact JSON, one shape per field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator

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


# Events decoded per batch when iterating a snapshot's IP events lazily.
IP_EVENT_BATCH = 20_000
_EVENT_SEPARATOR = b"],["


def iter_ip_events(data: bytes, *, batch: int = IP_EVENT_BATCH) -> Iterator[IpEvent]:
    """The events of ``encode_ip_events``' output, decoded a batch at a time: a million events never
    exist as a million Python objects at once. Timestamps, addresses and ports hold no bracket, so
    ``],[`` only ever separates two events."""
    view = memoryview(data)
    size = len(data)
    if size <= 2:
        return
    start = 1  # after the opening "["
    end_of_array = size - 1  # the closing "]"
    while start < end_of_array:
        stop = start
        for _ in range(batch):
            found = data.find(_EVENT_SEPARATOR, stop + 1, end_of_array)
            if found < 0:
                stop = end_of_array
                break
            stop = found + 1  # just after this event's closing "]"
        chunk = b"[" + bytes(view[start:stop]) + b"]"
        for ts, ip, port in orjson.loads(chunk):
            yield IpEvent(ts=dt.datetime.fromisoformat(ts), ip=ip, port=port)
        start = stop + 1  # after the separating ","


class LazyIpEvents(Collection[IpEvent]):
    """A snapshot target's IP events, kept as their decrypted plaintext and decoded on iteration."""

    __slots__ = ("_count", "_data")

    def __init__(self, data: bytes):
        self._data = data
        self._count: int | None = None

    def __iter__(self) -> Iterator[IpEvent]:
        return iter_ip_events(self._data)

    def __len__(self) -> int:
        if self._count is None:
            self._count = self._data.count(_EVENT_SEPARATOR) + 1 if len(self._data) > 2 else 0
        return self._count

    def __bool__(self) -> bool:
        return len(self._data) > 2

    def __contains__(self, item: object) -> bool:
        return any(event == item for event in self)

    def __getitem__(self, index: int) -> IpEvent:
        if index < 0:
            index += len(self)
        for position, event in enumerate(self):
            if position == index:
                return event
        raise IndexError(index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyIpEvents):
            return self._data == other._data
        if isinstance(other, Iterable):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LazyIpEvents({len(self)} events)"
