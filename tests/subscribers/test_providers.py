from __future__ import annotations

import datetime as dt

import pytest

from subscribers.providers import DatabaseProvider, day_bounds, get_provider
from subscribers.records import IpEvent, PhonePeriod
from tests.subscribers.conftest import at

pytestmark = pytest.mark.django_db

RANGE = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def test_settings_select_the_provider(settings):
    settings.LAWREQ_SUBSCRIBER_PROVIDER = "subscribers.providers.DatabaseProvider"

    assert isinstance(get_provider(), DatabaseProvider)


def test_day_bounds_cover_whole_utc_days():
    start, end = day_bounds(dt.date(2026, 10, 1), dt.date(2026, 10, 31))

    assert start == at("2026-10-01 00:00:00")
    assert end == at("2026-11-01 00:00:00")


def test_lookup_by_account_id_is_exact(make_account):
    make_account("acc-1")
    provider = DatabaseProvider()

    assert provider.lookup("account_id", "acc-1") == "acc-1"
    assert provider.lookup("account_id", "ACC-1") is None


@pytest.mark.parametrize("written", ["someone", "@someone", "SomeOne", "@SOMEONE"])
def test_lookup_by_username_ignores_at_sign_and_case(make_account, written):
    make_account("acc-1", username="SomeOne")

    assert DatabaseProvider().lookup("username", written) == "acc-1"


def test_lookup_of_unknown_identifiers_finds_nothing(make_account):
    make_account("acc-1")
    provider = DatabaseProvider()

    assert provider.lookup("username", "nobody") is None
    assert provider.lookup("phone", "+33612345678") is None
    assert provider.lookup("email", "someone@example.net") is None


def test_lookup_by_phone_prefers_the_current_holder(make_account):
    make_account(
        "old",
        username="old",
        phone="+33699999999",
        phone_periods=[
            ("+33612345678", "2020-01-01 00:00:00", "2023-01-01 00:00:00"),
            ("+33699999999", "2023-01-01 00:00:00", None),
        ],
    )
    make_account("new", username="new", phone="+33612345678")

    assert DatabaseProvider().lookup("phone", "+33612345678") == "new"


def test_lookup_by_phone_finds_a_number_no_longer_held(make_account):
    make_account(
        "old",
        username="old",
        phone="+33699999999",
        phone_periods=[
            ("+33612345678", "2020-01-01 00:00:00", "2023-01-01 00:00:00"),
            ("+33699999999", "2023-01-01 00:00:00", None),
        ],
    )

    assert DatabaseProvider().lookup("phone", "+33612345678") == "old"


def test_records_hold_only_events_inside_the_inclusive_days(make_account):
    make_account(
        "acc-1",
        events=[
            ("2026-09-30 23:59:59", "203.0.113.1", 1111),  # one second before
            ("2026-10-01 00:00:00", "203.0.113.2", 2222),  # first instant
            ("2026-10-31 23:59:59", "2001:db8::2", 3333),  # last second
            ("2026-11-01 00:00:00", "203.0.113.4", 4444),  # one second after
        ],
    )
    make_account("acc-2", username="other", phone="+12025550100", events=[("2026-10-15 12:00:00", "198.51.100.7", 5)])

    records = DatabaseProvider().records("acc-1", ["ip_addresses"], *RANGE)

    assert list(records.ip_events) == [
        IpEvent(ts=at("2026-10-01 00:00:00"), ip="203.0.113.2", port=2222),
        IpEvent(ts=at("2026-10-31 23:59:59"), ip="2001:db8::2", port=3333),
    ]


def test_records_hold_only_the_categories_asked(make_account):
    make_account("acc-1", display_name="Jane Roe", events=[("2026-10-15 12:00:00", "203.0.113.2", 2222)])
    provider = DatabaseProvider()

    only_phone = provider.records("acc-1", ["phone_number"], *RANGE)
    only_profile = provider.records("acc-1", ["subscriber_profile"], *RANGE)
    only_content = provider.records("acc-1", ["content"], *RANGE)

    assert only_phone.ip_events == [] and only_phone.profile is None and len(only_phone.phone_numbers) == 1
    assert only_profile.ip_events == [] and only_profile.phone_numbers == ()
    assert only_profile.profile["display_name"] == "Jane Roe"
    assert only_content.ip_events == [] and only_content.phone_numbers == () and only_content.profile is None


def test_phone_periods_are_cut_to_the_approved_days(make_account):
    make_account(
        "acc-1",
        phone="+33699999999",
        phone_periods=[
            ("+33612345678", "2020-01-01 00:00:00", "2026-10-10 08:00:00"),
            ("+33699999999", "2026-10-10 08:00:00", None),
            ("+33600000000", "2019-01-01 00:00:00", "2020-01-01 00:00:00"),  # outside the days: not given
        ],
    )

    periods = DatabaseProvider().records("acc-1", ["phone_number"], *RANGE).phone_numbers

    last_instant = at("2026-11-01 00:00:00") - dt.timedelta(microseconds=1)
    assert periods == (
        PhonePeriod(number="+33612345678", valid_from=at("2026-10-01 00:00:00"), valid_to=at("2026-10-10 08:00:00")),
        PhonePeriod(number="+33699999999", valid_from=at("2026-10-10 08:00:00"), valid_to=last_instant),
    )


def test_a_current_number_stays_current_when_the_days_reach_today(make_account):
    make_account("acc-1", phone="+33699999999", phone_periods=[("+33699999999", "2024-01-01 00:00:00", None)])
    today = dt.datetime.now(dt.UTC).date()

    periods = DatabaseProvider().records("acc-1", ["phone_number"], today - dt.timedelta(days=3), today).phone_numbers

    assert periods[0].valid_to is None


def test_records_of_an_unknown_account_are_empty(db):
    records = DatabaseProvider().records("missing", ["ip_addresses", "phone_number"], *RANGE)

    assert records.ip_events == () and records.phone_numbers == () and records.profile is None
