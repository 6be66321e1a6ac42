"""Where the platform's records come from, behind one small interface.

``settings.LAWREQ_SUBSCRIBER_PROVIDER`` names the class. The built-in ``DatabaseProvider`` reads
this app's tables; a platform with its own store writes a class with the same two methods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from django.conf import settings
from django.db import connection
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.module_loading import import_string

from requests_app.choices import Category, TargetType
from subscribers.models import Account, PhoneHistory
from subscribers.models import IpEvent as IpEventRow
from subscribers.records import AccountRecords, IpEvent, PhonePeriod


class SubscriberProvider(Protocol):
    def lookup(self, target_type: str, value: str) -> str | None:
        """The account id an identifier names, or None. Phones come in E.164, usernames without '@'."""

    def records(
        self, account_id: str, categories: Iterable[str], date_from: dt.date, date_to: dt.date
    ) -> AccountRecords:
        """Exactly the given categories of one account, within the inclusive UTC days given."""


def record_counts(
    provider: SubscriberProvider, account_id: str, categories: Iterable[str], date_from: dt.date, date_to: dt.date
) -> dict[str, int]:
    """How many records of each category one account has within the days: counted where the
    provider can count (no record read), else read and counted."""
    counter = getattr(provider, "record_counts", None)
    if counter is not None:
        return counter(account_id, categories, date_from, date_to)
    records = provider.records(account_id, categories, date_from, date_to)
    counts = {
        Category.PHONE_NUMBER.value: len(records.phone_numbers),
        Category.IP_ADDRESSES.value: len(records.ip_events),
        Category.SUBSCRIBER_PROFILE.value: int(records.profile is not None),
    }
    return {str(category): counts[category] for category in categories if category in counts}


def get_provider() -> SubscriberProvider:
    return import_string(settings.LAWREQ_SUBSCRIBER_PROVIDER)()


def day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The half-open UTC interval [date_from 00:00, the day after date_to 00:00) of inclusive days."""
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return start, end


def _naive_utc(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class DatabaseProvider:
    """Reads the ``subscribers`` tables."""

    def lookup(self, target_type: str, value: str) -> str | None:
        if target_type == TargetType.ACCOUNT_ID:
            return Account.objects.filter(account_id=value).values_list("account_id", flat=True).first()
        if target_type == TargetType.USERNAME:
            username = value.strip().removeprefix("@").lower()
            return (
                Account.objects.alias(username_lower=Lower("username"))
                .filter(username_lower=username)
                .values_list("account_id", flat=True)
                .first()
            )
        if target_type == TargetType.PHONE:
            current = Account.objects.filter(phone=value).values_list("account_id", flat=True).first()
            if current is not None:
                return current
            # A number no account holds today may still name the account that held it last.
            return (
                PhoneHistory.objects.filter(number=value)
                .order_by("-valid_from")
                .values_list("account__account_id", flat=True)
                .first()
            )
        return None

    def records(
        self, account_id: str, categories: Iterable[str], date_from: dt.date, date_to: dt.date
    ) -> AccountRecords:
        categories = set(categories)
        account = Account.objects.filter(account_id=account_id).first()
        if account is None:
            return AccountRecords(account_id=account_id)
        start, end = day_bounds(date_from, date_to)
        phone_numbers: tuple[PhonePeriod, ...] = ()
        ip_events: list[IpEvent] = []
        profile = None
        if Category.PHONE_NUMBER in categories:
            phone_numbers = self._phone_periods(account, start, end)
        if Category.IP_ADDRESSES in categories:
            ip_events = self._ip_events(account, start, end)
        if Category.SUBSCRIBER_PROFILE in categories:
            profile = {
                "account_id": account.account_id,
                "username": account.username,
                "display_name": account.display_name,
                "email": account.email,
                "registered_at": account.registered_at.astimezone(dt.UTC).isoformat(),
            }
        # Message content is never disclosed by this platform, whatever is asked.
        return AccountRecords(account_id=account_id, phone_numbers=phone_numbers, ip_events=ip_events, profile=profile)

    def record_counts(
        self, account_id: str, categories: Iterable[str], date_from: dt.date, date_to: dt.date
    ) -> dict[str, int]:
        """The size of what ``records`` would return, by COUNT queries on the same indexes."""
        categories = set(categories)
        account = Account.objects.filter(account_id=account_id).only("pk").first()
        counts: dict[str, int] = {}
        start, end = day_bounds(date_from, date_to)
        if Category.PHONE_NUMBER in categories:
            counts[Category.PHONE_NUMBER.value] = (
                PhoneHistory.objects.filter(account=account, valid_from__lt=end).exclude(valid_to__lte=start).count()
                if account
                else 0
            )
        if Category.IP_ADDRESSES in categories:
            counts[Category.IP_ADDRESSES.value] = (
                IpEventRow.objects.filter(account=account, ts__gte=start, ts__lt=end).count() if account else 0
            )
        if Category.SUBSCRIBER_PROFILE in categories:
            counts[Category.SUBSCRIBER_PROFILE.value] = int(account is not None)
        return counts

    @staticmethod
    def _ip_events(account: Account, start: dt.datetime, end: dt.datetime) -> list[IpEvent]:
        """One account's events in [start, end), in time order, read with the (account, ts) index.

        The SQL is the ORM's; the rows skip the ORM's per-value converters, which cost more than
        the query itself at 100,000 events. PostgreSQL connections run in UTC (Django sets it), so
        its timestamps arrive aware and in UTC; SQLite's arrive naive (or as text), also UTC.
        """
        queryset = (
            IpEventRow.objects.filter(account=account, ts__gte=start, ts__lt=end)
            .order_by("ts", "id")
            .values_list("ts", "ip", "port")
        )
        sql, params = queryset.query.sql_with_params()
        aware = connection.vendor == "postgresql"
        events: list[IpEvent] = []
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(10_000):
                if aware:
                    events.extend([IpEvent(ts, ip, port) for ts, ip, port in rows])
                else:
                    events.extend([IpEvent(_naive_utc(ts), ip, port) for ts, ip, port in rows])
        return events

    @staticmethod
    def _phone_periods(account: Account, start: dt.datetime, end: dt.datetime) -> tuple[PhonePeriod, ...]:
        """The numbers held during [start, end), each period cut to that window.

        Cutting keeps minimisation exact: when the account got or gave up a number outside the
        approved dates is itself not part of the answer.
        """
        last_instant = end - dt.timedelta(microseconds=1)
        periods = PhoneHistory.objects.filter(account=account, valid_from__lt=end).exclude(valid_to__lte=start)
        result = []
        for period in periods.order_by("valid_from", "id"):
            valid_from = max(period.valid_from, start)
            if period.valid_to is None:
                # "Still current" is only an answer when the approved window reaches today.
                valid_to = None if end > timezone.now() else last_instant
            else:
                valid_to = min(period.valid_to, last_instant)
            result.append(PhonePeriod(number=period.number, valid_from=valid_from, valid_to=valid_to))
        return tuple(result)
