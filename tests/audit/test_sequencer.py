"""The sequencer: committed pending entries chained in batches, exactly once, whatever happens to it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

import audit.services
from audit.actions import AuditAction
from audit.models import AuditEntry
from audit.services import CHAIN_LOCK_KEY, audit_record, audit_sequence
from audit.verification import audit_chain_verify
from tests.audit.conftest import requires_postgres

WRITERS = 50
ROOT = Path(__file__).resolve().parents[2]


def chain_is_whole(expected: int) -> None:
    """Every entry chained exactly once: seq 1..n without gap, no two with one predecessor."""
    rows = list(AuditEntry.objects.order_by("seq").values_list("seq", "prev_hash"))
    assert [seq for seq, _ in rows] == list(range(1, expected + 1)), "no gap, nothing pending"
    assert len({prev for _, prev in rows}) == expected, "no fork"
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_a_sequencer_failing_mid_batch_leaves_the_batch_pending_and_the_next_pass_chains_it(monkeypatch):
    for n in range(25):
        audit_record(action=AuditAction.REQUEST_VIEWED, details={"n": n})
    monkeypatch.setattr(audit.services, "_UPDATE_CHUNK", 10)
    original, calls = audit.services._apply_chunk, []

    def crash_on_the_second_chunk(cursor, chunk):
        calls.append(len(chunk))
        if len(calls) == 2:
            raise RuntimeError("sequencer died between two chunks of its batch")
        original(cursor, chunk)

    monkeypatch.setattr(audit.services, "_apply_chunk", crash_on_the_second_chunk)
    with pytest.raises(RuntimeError, match="sequencer died"):
        audit_sequence()
    assert AuditEntry.objects.filter(seq__isnull=False).count() == 0, "the first chunk was rolled back with it"

    monkeypatch.setattr(audit.services, "_apply_chunk", original)
    assert audit_sequence() == 25
    chain_is_whole(25)
    assert [e.details["n"] for e in AuditEntry.objects.order_by("seq")] == list(range(25))


def _chain_lock_held_by_another_session() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND pid <> pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = %s)",
            [CHAIN_LOCK_KEY & 0xFFFFFFFFFFFFFFFF],
        )
        return cursor.fetchone()[0]


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sequencer_killed_with_sigkill_mid_batch_loses_and_duplicates_nothing(settings):
    pending = 30_000
    with connection.cursor() as cursor:  # many committed pending entries, quickly
        cursor.execute(
            "INSERT INTO audit_auditentry (created_at, actor_username, role, action, object_type, object_id,"
            " request_ref, details, prev_hash, entry_hash)"
            " SELECT now(), '', 'system', %s, '', '', '', jsonb_build_object('n', n), '', ''"
            " FROM generate_series(1, %s) AS n",
            [AuditAction.REQUEST_VIEWED, pending],
        )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "AUDIT_SEQUENCER_BATCH": str(pending),
        "AUDIT_CHECKPOINT_SECONDS": "3600",
    }
    sequencer = subprocess.Popen(
        [sys.executable, "manage.py", "audit_sequencer", "--once"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while not _chain_lock_held_by_another_session() and time.monotonic() < deadline and sequencer.poll() is None:
        time.sleep(0.005)
    assert _chain_lock_held_by_another_session(), "the sequencer never started its batch"
    time.sleep(0.3)  # into the batch: reading, hashing or writing its 30,000 places
    os.kill(sequencer.pid, signal.SIGKILL)
    sequencer.wait()
    assert sequencer.returncode == -signal.SIGKILL

    assert AuditEntry.objects.filter(seq__isnull=False).count() == 0, "the killed batch left nothing half-chained"
    assert audit_sequence() == pending
    chain_is_whole(pending)


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_writers_and_two_sequencers_leave_one_chain_without_gap_or_fork(settings):
    settings.AUDIT_SEQUENCE_AFTER_COMMIT = False  # the production layout: writers never sequence
    start = threading.Barrier(WRITERS + 2)
    writing = threading.Event()
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait(timeout=30)
            with transaction.atomic():
                group = Group.objects.create(name=f"concurrent-writer-{number}")
                audit_record(action=AuditAction.RULESET_CHANGED, obj=group, details={"writer": number})
                audit_record(action=AuditAction.REQUEST_VIEWED, obj=group, details={"writer": number})
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    def sequencer() -> None:
        try:
            start.wait(timeout=30)
            while writing.is_set():
                audit_sequence(batch_size=7)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    writing.set()
    sequencers = [threading.Thread(target=sequencer) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
    for thread in sequencers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    writing.clear()
    for thread in sequencers:
        thread.join(timeout=120)
    audit_sequence()

    assert not errors
    chain_is_whole(2 * WRITERS)
    entries = list(AuditEntry.objects.order_by("seq"))
    for number in range(WRITERS):
        own = [e for e in entries if e.details["writer"] == number]
        assert [e.action for e in own] == [AuditAction.RULESET_CHANGED, AuditAction.REQUEST_VIEWED], "in order"
    groups = Group.objects.filter(name__startswith="concurrent-writer-")
    assert {str(pk) for pk in groups.values_list("pk", flat=True)} == {e.object_id for e in entries}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_the_embedded_default_an_entry_is_chained_as_soon_as_its_transaction_commits():
    with transaction.atomic():
        audit_record(action=AuditAction.REQUEST_VIEWED, details={"n": 1})
        assert AuditEntry.objects.get().seq is None, "pending until the commit"

    assert AuditEntry.objects.get().seq == 1
    audit_record(action=AuditAction.REQUEST_VIEWED, details={"n": 2})  # autocommit
    chain_is_whole(2)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_entry_rolled_back_with_its_transaction_is_never_chained():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action=AuditAction.REQUEST_VIEWED, details={"kept": False})
        raise RuntimeError("business write failed")
    audit_record(action=AuditAction.REQUEST_VIEWED, details={"kept": True})

    assert list(AuditEntry.objects.values_list("seq", "details")) == [(1, {"kept": True})]
