"""50 writers at once, each in its own transaction with a business write: one chain, no fork."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

from audit.actions import AuditAction
from audit.models import AuditEntry
from audit.services import audit_record
from audit.verification import audit_chain_verify
from tests.audit.conftest import requires_postgres

WRITERS = 50
pytestmark = requires_postgres


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_writers_leave_one_chain_without_gap_or_fork():
    before = AuditEntry.objects.count()
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait(timeout=30)
            with transaction.atomic():
                group = Group.objects.create(name=f"concurrent-writer-{number}")
                audit_record(action=AuditAction.RULESET_CHANGED, obj=group, details={"writer": number})
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors
    entries = list(AuditEntry.objects.filter(seq__gt=before).order_by("seq"))
    assert [e.seq for e in entries] == list(range(before + 1, before + WRITERS + 1)), "no gap"
    assert len({e.prev_hash for e in entries}) == WRITERS, "no two entries share a predecessor: no fork"
    assert sorted(e.details["writer"] for e in entries) == list(range(WRITERS))
    groups = Group.objects.filter(name__startswith="concurrent-writer-")
    assert {str(pk) for pk in groups.values_list("pk", flat=True)} == {e.object_id for e in entries}
    assert audit_chain_verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_writer_that_rolls_back_leaves_no_hole():
    def failing_writer() -> None:
        try:
            with transaction.atomic():
                audit_record(action=AuditAction.REQUEST_VIEWED, details={"kept": False})
                raise RuntimeError("business write failed")
        except RuntimeError:
            pass
        finally:
            connection.close()

    thread = threading.Thread(target=failing_writer)
    thread.start()
    thread.join()
    audit_record(action=AuditAction.REQUEST_VIEWED, details={"kept": True})

    assert list(AuditEntry.objects.values_list("seq", "details")) == [(1, {"kept": True})]
    assert audit_chain_verify().ok
