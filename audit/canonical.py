"""The canonical form of an audit entry: the bytes its hash is computed over.

It must round-trip through the database unchanged: keys sorted, timestamps in UTC with fixed
microsecond precision, no floats (a float's text form differs between JSON and jsonb), no NUL
(jsonb refuses it) and no lone surrogates (neither UTF-8 nor jsonb can hold them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import orjson

GENESIS_HASH = "0" * 64

ERR_NAIVE_TIMESTAMP = "audit timestamps must be timezone-aware"
ERR_NUL = "{path}: NUL characters cannot be stored"
ERR_SURROGATE = "{path}: lone surrogate characters cannot be stored"
ERR_INT_RANGE = "{path}: integer out of 64-bit range"
ERR_FLOAT = "{path}: floats are not allowed in audit details"
ERR_KEY_TYPE = "{path}: keys must be strings"
ERR_TYPE = "{path}: {type} is not allowed in audit details"

_SORTED = orjson.OPT_SORT_KEYS


class NotCanonical(ValueError):
    pass


def format_timestamp(value: dt.datetime) -> str:
    """``2026-11-29T05:37:00.123456Z``: always UTC, always six fractional digits."""
    text = value.isoformat(timespec="microseconds")
    if text.endswith("+00:00"):  # the fast path: the database hands back UTC
        return text[:-6] + "Z"
    if value.tzinfo is None:
        raise NotCanonical(ERR_NAIVE_TIMESTAMP)
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _check_text(value: str, path: str) -> None:
    if "\x00" in value:
        raise NotCanonical(ERR_NUL.format(path=path))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise NotCanonical(ERR_SURROGATE.format(path=path))


_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


def _clean_text(value: str) -> bool:
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_clean(value: Any) -> bool:
    """The fast path of ``check_details``: no paths built unless something is wrong."""
    kind = type(value)
    if kind is str:
        return _clean_text(value)
    if kind is bool or value is None:
        return True
    if kind is int:
        return _INT_MIN <= value <= _INT_MAX
    if kind is dict:
        return all(type(key) is str and _clean_text(key) and _is_clean(item) for key, item in value.items())
    if kind is list or kind is tuple:
        return all(_is_clean(item) for item in value)
    return False


def check_details(value: Any, path: str = "details") -> None:
    """Refuse what would not survive a database round trip byte for byte."""
    if not _is_clean(value):
        # Slow path: subclasses (str enums, for instance) pass here; anything else raises with its path.
        _check_details_with_path(value, path)


def _check_details_with_path(value: Any, path: str) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, str):
        _check_text(value, path)
        return
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise NotCanonical(ERR_INT_RANGE.format(path=path))
        return
    if isinstance(value, float):
        raise NotCanonical(ERR_FLOAT.format(path=path))
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_details_with_path(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(ERR_KEY_TYPE.format(path=path))
            _check_text(key, path)
            _check_details_with_path(item, f"{path}.{key}")
        return
    raise NotCanonical(ERR_TYPE.format(path=path, type=type(value).__name__))


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    return orjson.dumps(fields, option=_SORTED)


def entry_hash(
    *,
    seq: int,
    created_at: str,
    actor_id: int | None,
    actor_username: str,
    role: str,
    action: str,
    object_type: str,
    object_id: str,
    request_ref: str,
    details: Any,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON of one entry; ``created_at`` already formatted."""
    body = orjson.dumps(
        {
            "seq": seq,
            "created_at": created_at,
            "actor_id": actor_id,
            "actor_username": actor_username,
            "role": role,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "request_ref": request_ref,
            "details": details,
            "prev_hash": prev_hash,
        },
        option=_SORTED,
    )
    return hashlib.sha256(body).hexdigest()
