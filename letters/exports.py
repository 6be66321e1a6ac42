"""The disclosed records in machine-readable form, embedded in the letter as PDF attachments.

An investigator loads these instead of retyping thousands of rows. Both files are written in
chunks of a few thousand rows: joined into bytes for an ordinary letter, or streamed to a file for a
letter whose records are too many to hold in memory (letters.streaming).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import orjson

from disclosure.records import DisclosedTarget
from lawreq.spreadsheets import csv_chunks
from letters.annex import utc_seconds
from requests_app.choices import Category

IP_EVENTS_CSV = "ip_events.csv"
PHONE_NUMBERS_CSV = "phone_numbers.csv"
RECORDS_JSON = "records.json"
# "target" is the target's number in the letter (1, 2, ... as the request named them): our database
# ids never leave the platform.
IP_EVENT_COLUMNS = ["target", "account_id", "timestamp_utc", "ip", "port"]
PHONE_COLUMNS = ["target", "account_id", "number", "valid_from_utc", "valid_to_utc"]


@dataclass(frozen=True)
class Export:
    name: str
    mime_type: str
    description: str
    data: bytes


@dataclass(frozen=True)
class ExportSource:
    """An export not yet written: ``chunks()`` yields its bytes piecewise, each call from the start."""

    name: str
    mime_type: str
    description: str
    chunks: Callable[[], Iterator[bytes]]


def iso_utc(value: dt.datetime | None) -> str | None:
    return None if value is None else utc_seconds(value, "T") + "Z"


def records_exports(
    *,
    ref: str,
    targets: tuple[DisclosedTarget, ...],
    with_ip_events: bool,
    with_phone_numbers: bool,
    numbers: dict[int, int] | None = None,
) -> list[Export]:
    """``numbers``: each target's number in the letter, by target id (default: 1, 2, ... in order)."""
    return [
        Export(source.name, source.mime_type, source.description, b"".join(source.chunks()))
        for source in records_export_sources(
            ref=ref,
            targets=targets,
            with_ip_events=with_ip_events,
            with_phone_numbers=with_phone_numbers,
            numbers=numbers,
        )
    ]


def records_export_sources(
    *,
    ref: str,
    targets: tuple[DisclosedTarget, ...],
    with_ip_events: bool,
    with_phone_numbers: bool,
    numbers: dict[int, int] | None = None,
) -> list[ExportSource]:
    """The exports as sources to stream from (a letter too large to hold them in memory)."""
    numbers = numbers or {target.target_id: index for index, target in enumerate(targets, start=1)}
    sources = []
    if with_ip_events:
        sources.append(
            ExportSource(
                IP_EVENTS_CSV,
                "text/csv",
                f"IP events disclosed in {ref}",
                lambda: _ip_events_csv(targets, numbers),
            )
        )
    if with_phone_numbers:
        sources.append(
            ExportSource(
                PHONE_NUMBERS_CSV,
                "text/csv",
                f"Phone numbers disclosed in {ref}",
                lambda: _phone_numbers_csv(targets, numbers),
            )
        )
    sources.append(
        ExportSource(
            RECORDS_JSON,
            "application/json",
            f"All records disclosed in {ref}",
            lambda: _records_json(ref, targets, numbers),
        )
    )
    return sources


def _ip_events_csv(targets: tuple[DisclosedTarget, ...], numbers: dict[int, int]) -> Iterator[bytes]:
    return csv_chunks(
        IP_EVENT_COLUMNS,
        (
            (numbers.get(target.target_id), target.account_id, iso_utc(event.ts), event.ip, event.port)
            for target in targets
            if target.found and Category.IP_ADDRESSES in target.categories
            for event in target.ip_events
        ),
    )


def _phone_numbers_csv(targets: tuple[DisclosedTarget, ...], numbers: dict[int, int]) -> Iterator[bytes]:
    return csv_chunks(
        PHONE_COLUMNS,
        (
            (
                numbers.get(target.target_id),
                target.account_id,
                period.number,
                iso_utc(period.valid_from),
                iso_utc(period.valid_to),
            )
            for target in targets
            if target.found and Category.PHONE_NUMBER in target.categories
            for period in target.phone_numbers
        ),
    )


JSON_EVENTS_PER_CHUNK = 5_000


def _records_json(ref: str, targets: tuple[DisclosedTarget, ...], numbers: dict[int, int]) -> Iterator[bytes]:
    """``{"ref", "targets": [...]}``, written piecewise: each IP event is serialised on its own."""
    out = bytearray(b'{"ref":' + orjson.dumps(ref) + b',"targets":[')
    for index, target in enumerate(targets):
        if index:
            out += b","
        head = {
            "target": numbers.get(target.target_id),
            "target_type": target.target_type,
            "target_value": target.target_value,
            "found": target.found,
            "account_id": target.account_id if target.found else None,
            "categories": list(target.categories),
            "date_from": target.date_from.isoformat(),
            "date_to": target.date_to.isoformat(),
        }
        if target.found and "phone_number" in target.categories:
            head["phone_numbers"] = [
                {"number": p.number, "valid_from": iso_utc(p.valid_from), "valid_to": iso_utc(p.valid_to)}
                for p in target.phone_numbers
            ]
        if target.found and "subscriber_profile" in target.categories:
            head["profile"] = target.profile or {}
        out += orjson.dumps(head, default=str)[:-1]
        if target.found and "ip_addresses" in target.categories:
            out += b',"ip_events":['
            for number, event in enumerate(target.ip_events):
                if number:
                    out += b","
                    if number % JSON_EVENTS_PER_CHUNK == 0:
                        yield bytes(out)
                        out.clear()
                out += orjson.dumps({"ts": iso_utc(event.ts), "ip": event.ip, "port": event.port})
            out += b"]"
        out += b"}"
    out += b"]}"
    yield bytes(out)
