"""The canonical form of an audit entry: the bytes its hash is computed over.

It must round-trip through the database unchanged: keys sorted, timestamps in UTC with fixed
microsecond precision, no floats (a float's text form differs between JSON and jsonb).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

GENESIS_HASH = "0" * 64


class NotCanonical(ValueError):
    pass


def format_timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise NotCanonical("audit timestamps must be timezone-aware")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_details(value: Any, path: str = "details") -> None:
    """Refuse what would not survive a database round trip byte for byte."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        if isinstance(value, str) and "\x00" in value:
            raise NotCanonical(f"{path}: NUL characters cannot be stored")
        return
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise NotCanonical(f"{path}: integer out of 64-bit range")
        return
    if isinstance(value, float):
        raise NotCanonical(f"{path}: floats are not allowed in audit details")
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_details(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"{path}: keys must be strings")
            if "\x00" in key:
                raise NotCanonical(f"{path}: NUL characters cannot be stored")
            check_details(item, f"{path}.{key}")
        return
    raise NotCanonical(f"{path}: {type(value).__name__} is not allowed in audit details")


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
