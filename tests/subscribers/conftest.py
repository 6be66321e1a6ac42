"""Fixtures of the platform-data tests: accounts built through the ORM, PostgreSQL-only tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection

from subscribers.models import Account, IpEvent, PhoneHistory

POSTGRES_ONLY = "needs PostgreSQL: COPY, query plans and concurrent writers"
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _skip_postgres_only_tests_on_sqlite(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip(POSTGRES_ONLY)


def at(text: str) -> dt.datetime:
    """A UTC instant from '2026-10-01 12:00:00'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def make_account_row(
    account_id: str = "acc-1",
    *,
    username: str = "someone",
    phone: str = "+12025550199",
    registered_at: dt.datetime | None = None,
    events: list[tuple[str, str, int | None]] = (),
    phone_periods: list[tuple[str, str, str | None]] | None = None,
    display_name: str = "",
    email: str = "",
) -> Account:
    registered_at = registered_at or at("2024-01-01 00:00:00")
    account = Account.objects.create(
        account_id=account_id,
        username=username,
        phone=phone,
        registered_at=registered_at,
        display_name=display_name,
        email=email,
    )
    periods = phone_periods if phone_periods is not None else [(phone, "2024-01-01 00:00:00", None)]
    for number, valid_from, valid_to in periods:
        PhoneHistory.objects.create(
            account=account, number=number, valid_from=at(valid_from), valid_to=at(valid_to) if valid_to else None
        )
    IpEvent.objects.bulk_create(IpEvent(account=account, ts=at(ts), ip=ip, port=port) for ts, ip, port in events)
    return account


@pytest.fixture
def make_account(db) -> Callable[..., Account]:
    return make_account_row
