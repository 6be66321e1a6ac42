"""Fast inserts of platform accounts: the one way accounts, phone histories and IP events are
written in bulk (the importer and the synthetic generator both use it). IP events, the big table,
go in with COPY on PostgreSQL and batched ``executemany`` elsewhere."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from subscribers.models import Account, IpEvent, PhoneHistory

IpEventRow = tuple[int, dt.datetime, str, int | None]  # account pk, UTC timestamp, address, port

BULK_INSERT_BATCH = 10_000
_COPY_NULL = "\\N"


@dataclass(frozen=True, kw_only=True)
class NewAccount:
    account_id: str
    username: str
    phone: str  # E.164
    registered_at: dt.datetime
    display_name: str = ""
    email: str = ""
    phone_history: Sequence[tuple[str, dt.datetime, dt.datetime | None]] = ()  # number, from, to (None: current)
    ip_events: Sequence[tuple[dt.datetime, str, int | None]] = ()  # UTC timestamp, address, port


def accounts_insert(accounts: Sequence[NewAccount]) -> tuple[int, int]:
    """Insert the accounts with their phone history and IP events, inside the caller's
    transaction; return how many phone periods and IP events were written."""
    stored = Account.objects.bulk_create(
        [
            Account(
                account_id=account.account_id,
                username=account.username,
                phone=account.phone,
                registered_at=account.registered_at,
                display_name=account.display_name,
                email=account.email,
            )
            for account in accounts
        ]
    )
    periods = [
        PhoneHistory(account_id=row.pk, number=number, valid_from=valid_from, valid_to=valid_to)
        for row, account in zip(stored, accounts, strict=True)
        for number, valid_from, valid_to in account.phone_history
    ]
    PhoneHistory.objects.bulk_create(periods, batch_size=5000)
    events = ip_events_insert(
        (row.pk, ts, ip, port)
        for row, account in zip(stored, accounts, strict=True)
        for ts, ip, port in account.ip_events
    )
    return len(periods), events


def ip_events_insert(rows: Iterable[IpEventRow]) -> int:
    """Insert rows inside the caller's transaction; return how many."""
    if connection.vendor == "postgresql":
        return _copy(rows)
    return _executemany(rows)


def _executemany(rows: Iterable[IpEventRow]) -> int:
    # Model instances cost more than the insert itself here; the values go through the backend's
    # own adapters, so they are stored exactly as the ORM would store them.
    adapt_ts = connection.ops.adapt_datetimefield_value
    table = connection.ops.quote_name(IpEvent._meta.db_table)
    sql = f"INSERT INTO {table} (account_id, ts, ip, port) VALUES (%s, %s, %s, %s)"  # noqa: S608 (a model table name)
    count = 0
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        for account_pk, ts, ip, port in rows:
            batch.append((account_pk, adapt_ts(ts), ip, port))
            if len(batch) >= BULK_INSERT_BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
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
