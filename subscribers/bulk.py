"""Fast inserts for the big table: COPY on PostgreSQL, large ``bulk_create`` batches elsewhere."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.db import connection

from subscribers.models import IpEvent

IpEventRow = tuple[int, dt.datetime, str, int | None]  # account pk, UTC timestamp, address, port

BULK_CREATE_BATCH = 5000
_COPY_NULL = "\\N"


def ip_events_insert(rows: Iterable[IpEventRow]) -> int:
    """Insert rows inside the caller's transaction; return how many."""
    if connection.vendor == "postgresql":
        return _copy(rows)
    count = 0
    batch: list[IpEvent] = []
    for account_pk, ts, ip, port in rows:
        batch.append(IpEvent(account_id=account_pk, ts=ts, ip=ip, port=port))
        if len(batch) >= BULK_CREATE_BATCH:
            IpEvent.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        IpEvent.objects.bulk_create(batch)
        count += len(batch)
    return count


def _copy(rows: Iterable[IpEventRow]) -> int:
    # The values are ints, ISO timestamps and validated addresses: none can hold a tab, newline
    # or backslash, so COPY's text format needs no escaping.
    buffer = io.StringIO()
    count = 0
    for account_pk, ts, ip, port in rows:
        buffer.write(f"{account_pk}\t{ts.isoformat()}\t{ip}\t{_COPY_NULL if port is None else port}\n")
        count += 1
    buffer.seek(0)
    table = IpEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} (account_id, ts, ip, port) FROM STDIN", buffer)
    return count
