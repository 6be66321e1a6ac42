from __future__ import annotations

import ipaddress

import phonenumbers
import pytest
from django.core.management import call_command

from audit.actions import AuditAction
from demo.subscribers import ERR_GENERATE_SIZE, subscribers_generate
from lawreq.errors import InvalidInput
from subscribers.models import Account, IpEvent, PhoneHistory

pytestmark = pytest.mark.django_db


def test_generated_accounts_are_plausible(audit_trail):
    result = subscribers_generate(accounts=60, events_per_account=20, seed=7, chunk_accounts=25)

    assert (result.accounts, result.ip_events) == (60, 1200)
    assert Account.objects.count() == 60 and IpEvent.objects.count() == 1200
    phones = [phonenumbers.parse(phone) for phone in Account.objects.values_list("phone", flat=True)]
    assert all(phonenumbers.is_valid_number(phone) for phone in phones)
    assert len({phonenumbers.region_code_for_number(phone) for phone in phones}) >= 6
    assert len(set(Account.objects.values_list("phone", flat=True))) == 60
    versions = {ipaddress.ip_address(ip).version for ip in IpEvent.objects.values_list("ip", flat=True)}
    assert versions == {4, 6}
    assert all(1024 <= port <= 65535 for port in IpEvent.objects.values_list("port", flat=True))
    # Every account has a current number in its history, and some changed number once.
    assert PhoneHistory.objects.filter(valid_to__isnull=True).count() == 60
    assert PhoneHistory.objects.filter(valid_to__isnull=False).exists()
    audit_trail.assert_recorded(AuditAction.SUBSCRIBERS_IMPORTED, synthetic=True, accounts=60, ip_events=1200)


def test_events_fall_between_registration_and_now():
    subscribers_generate(accounts=10, events_per_account=50)

    for account in Account.objects.all():
        first, last = account.ip_events.order_by("ts").first(), account.ip_events.order_by("ts").last()
        assert account.registered_at <= first.ts <= last.ts


def test_generating_again_adds_new_accounts():
    subscribers_generate(accounts=5, events_per_account=1, seed=1)
    subscribers_generate(accounts=5, events_per_account=1, seed=1)

    assert Account.objects.count() == 10
    assert Account.objects.values("username").distinct().count() == 10


def test_sizes_below_one_account_are_refused():
    with pytest.raises(InvalidInput, match=ERR_GENERATE_SIZE):
        subscribers_generate(accounts=0, events_per_account=10)


def test_command_prints_the_rate(capsys):
    call_command("generate_subscribers", "--accounts", "3", "--events-per-account", "4", "--no-progress")

    out = capsys.readouterr().out
    assert "Generated 3 accounts and 12 IP events" in out and "events/s" in out
