from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from django.core.management import CommandError, call_command

from audit.actions import AuditAction
from subscribers.models import Account, IpEvent, PhoneHistory
from subscribers.services import (
    ERR_DATETIME,
    ERR_DUPLICATE_IN_FILE,
    ERR_EXISTS,
    ERR_IP,
    ERR_JSON,
    ERR_NOT_OBJECT,
    ERR_PHONE,
    ERR_PORT,
    ERR_REQUIRED,
    ERR_UNKNOWN_FIELD,
    SubscriberImportError,
    subscribers_import,
)
from tests.subscribers.conftest import at

pytestmark = pytest.mark.django_db


def line(index: int, **overrides) -> dict:
    record = {
        "account_id": f"acc-{index}",
        "username": f"user_{index}",
        "phone": f"+1202555{index % 10000:04d}",
        "registered_at": "2024-03-01T10:00:00Z",
        "ip_events": [{"ts": "2026-10-01T12:00:00Z", "ip": "203.0.113.7", "port": 51000}],
    }
    record.update(overrides)
    return record


def write_jsonl(path: Path, records) -> Path:
    with path.open("wb") as handle:
        for record in records:
            handle.write(record if isinstance(record, bytes) else orjson.dumps(record))
            handle.write(b"\n")
    return path


def nothing_loaded() -> bool:
    return not Account.objects.exists() and not IpEvent.objects.exists() and not PhoneHistory.objects.exists()


def test_import_loads_accounts_phone_history_and_events(tmp_path, audit_trail):
    path = write_jsonl(
        tmp_path / "subs.jsonl",
        [
            line(
                1,
                ip_events=[
                    {"ts": "2026-10-01T12:00:00Z", "ip": "203.0.113.7", "port": 51000},
                    {"ts": "2026-10-01T14:00:00+02:00", "ip": "2001:DB8:0:0::1", "port": None},
                ],
            ),
            line(2, username="@Second", phone=None, display_name="Jane Roe", email="jane@example.net"),
        ],
    )

    result = subscribers_import(path=path)

    assert (result.accounts, result.ip_events, result.phone_periods) == (2, 3, 1)
    first = Account.objects.get(account_id="acc-1")
    assert list(first.ip_events.order_by("ts", "id").values_list("ts", "ip", "port")) == [
        (at("2026-10-01 12:00:00"), "203.0.113.7", 51000),
        (at("2026-10-01 12:00:00"), "2001:db8::1", None),
    ]
    assert list(first.phone_history.values_list("number", "valid_from", "valid_to")) == [
        ("+12025550001", at("2024-03-01 10:00:00"), None)
    ]
    second = Account.objects.get(account_id="acc-2")
    assert (second.username, second.phone, second.display_name) == ("Second", "", "Jane Roe")
    entry = audit_trail.assert_recorded(AuditAction.SUBSCRIBERS_IMPORTED, accounts=2, ip_events=3)
    assert entry.details["file_sha256"] == result.sha256


def test_a_bad_line_at_50000_is_named_and_nothing_is_loaded(tmp_path):
    bad_event = {"ts": "2026-10-01T12:00:00Z", "ip": "203.0.113.999", "port": 1}

    def records():
        for index in range(1, 50_001):
            yield line(index, ip_events=[bad_event]) if index == 50_000 else line(index)

    path = write_jsonl(tmp_path / "big.jsonl", records())

    with pytest.raises(SubscriberImportError) as refused:
        subscribers_import(path=path)

    assert [(e.line, e.field, e.message) for e in refused.value.errors] == [(50_000, "ip_events[0].ip", ERR_IP)]
    assert nothing_loaded()


@pytest.mark.parametrize(
    ("record", "field", "message"),
    [
        (b"{not json", "line", ERR_JSON),
        (b"[1, 2]", "line", ERR_NOT_OBJECT),
        (line(2, account_id=None), "account_id", ERR_REQUIRED),
        (line(2, phone="0612345678"), "phone", ERR_PHONE),
        (line(2, phone="+1 202 555 0199"), "phone", ERR_PHONE),
        (line(2, registered_at="2024-03-01T10:00:00"), "registered_at", ERR_DATETIME),
        (line(2, registered_at="yesterday"), "registered_at", ERR_DATETIME),
        (
            line(2, ip_events=[{"ts": "2026-10-01T12:00:00Z", "ip": "203.0.113.7", "port": 70000}]),
            "ip_events[0].port",
            ERR_PORT,
        ),
        (
            line(2, ip_events=[{"ts": "2026-10-01T12:00:00Z", "ip": "203.0.113.7", "port": True}]),
            "ip_events[0].port",
            ERR_PORT,
        ),
        (line(2, ip_events=[{"ip": "203.0.113.7", "port": 1}]), "ip_events[0].ts", ERR_REQUIRED),
        (line(2, ip_events=[{"ts": "2026-10-01T12:00:00Z", "ip": "localhost"}]), "ip_events[0].ip", ERR_IP),
        (line(2, password="hunter2"), "password", ERR_UNKNOWN_FIELD),
    ],
)
def test_each_bad_field_is_reported_with_its_line(tmp_path, record, field, message):
    path = write_jsonl(tmp_path / "bad.jsonl", [line(1), record, line(3)])

    with pytest.raises(SubscriberImportError) as refused:
        subscribers_import(path=path)

    assert [(e.line, e.field, e.message) for e in refused.value.errors] == [(2, field, message)]
    assert nothing_loaded()


def test_a_duplicate_within_the_file_is_refused(tmp_path):
    path = write_jsonl(tmp_path / "dup.jsonl", [line(1), line(2, account_id="acc-1"), line(3, username="USER_1")])

    with pytest.raises(SubscriberImportError) as refused:
        subscribers_import(path=path)

    assert [(e.line, e.field, e.message) for e in refused.value.errors] == [
        (2, "account_id", ERR_DUPLICATE_IN_FILE.format(line=1)),
        (3, "username", ERR_DUPLICATE_IN_FILE.format(line=1)),
    ]
    assert nothing_loaded()


def test_an_account_already_stored_is_refused(tmp_path, make_account):
    make_account("acc-2", username="taken")
    path = write_jsonl(tmp_path / "again.jsonl", [line(1), line(2, username="fresh"), line(3, username="TAKEN")])

    with pytest.raises(SubscriberImportError) as refused:
        subscribers_import(path=path)

    assert [(e.line, e.field, e.message) for e in refused.value.errors] == [
        (2, "account_id", ERR_EXISTS),
        (3, "username", ERR_EXISTS),
    ]
    assert Account.objects.count() == 1


def test_blank_lines_are_skipped_and_line_numbers_stay_true(tmp_path):
    path = write_jsonl(tmp_path / "gaps.jsonl", [line(1), b"", b"   ", line(4, ip_events="none")])

    with pytest.raises(SubscriberImportError) as refused:
        subscribers_import(path=path)

    assert [(e.line, e.field) for e in refused.value.errors] == [(4, "ip_events")]


def test_command_reports_the_bad_line_and_fails(tmp_path, capsys):
    path = write_jsonl(tmp_path / "bad.jsonl", [line(1), line(2, phone="12")])

    with pytest.raises(CommandError):
        call_command("import_subscribers", str(path), "--no-progress")

    assert "line 2: phone: " + ERR_PHONE in capsys.readouterr().err
    assert nothing_loaded()


def test_command_loads_a_good_file(tmp_path, capsys):
    path = write_jsonl(tmp_path / "good.jsonl", [line(1), line(2)])

    call_command("import_subscribers", str(path), "--no-progress")

    assert "Loaded 2 accounts" in capsys.readouterr().out
    assert Account.objects.count() == 2 and IpEvent.objects.count() == 2


def _import_peak_memory(path: Path) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        subscribers_import(path=path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_file_is_streamed_not_held_in_memory(tmp_path, monkeypatch):
    from subscribers import services

    monkeypatch.setattr(services, "IMPORT_BATCH_EVENTS", 1_000)
    events = [
        {"ts": f"2026-10-{1 + i % 28:02d}T{i % 24:02d}:00:00Z", "ip": f"203.0.113.{i % 250}", "port": 40000 + i}
        for i in range(100)
    ]
    small = write_jsonl(tmp_path / "small.jsonl", (line(index, ip_events=events) for index in range(60)))
    large = write_jsonl(tmp_path / "large.jsonl", (line(index, ip_events=events) for index in range(1000, 1240)))

    small_peak = _import_peak_memory(small)
    large_peak = _import_peak_memory(large)

    # Four times the file, about the same memory: it is read a batch at a time.
    assert IpEvent.objects.count() == 30_000
    assert large_peak < 1.5 * small_peak, f"{small_peak:,} bytes for 6,000 events, {large_peak:,} for 24,000"
