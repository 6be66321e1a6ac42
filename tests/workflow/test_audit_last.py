"""The journey's heavy steps append their audit entries last, so the chain lock, which every audited
action waits on, is not held while they resolve targets or read and seal records."""

from __future__ import annotations

import pytest
from django.db import connection

from audit.actions import AuditAction
from audit.models import AuditEntry
from subscribers.providers import DatabaseProvider
from workflow.services import do_decide, do_propose, do_submit, do_validate

CHAIN_LOCK_KEY = int.from_bytes(b"lawreq-a", "big")


def _chain_lock_held() -> bool:
    """PostgreSQL: whether this connection holds the audit chain's advisory lock."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            " AND ((classid::bigint << 32) | objid::bigint) = %s)",
            [CHAIN_LOCK_KEY & 0xFFFFFFFFFFFFFFFF],
        )
        return cursor.fetchone()[0]


class Observer:
    """Notes, at each call of the real provider, what the trail and the chain lock looked like."""

    def __init__(self) -> None:
        self.since = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.seen: list[tuple[str, int, bool]] = []

    def note(self, what: str) -> None:
        appended = AuditEntry.objects.filter(id__gt=self.since).count()
        self.seen.append((what, appended, _chain_lock_held()))


# Transactional: each step commits, so the chain lock of one step is not still held from an earlier one.
@pytest.mark.django_db(transaction=True)
def test_validation_and_approval_read_the_records_before_any_audit_entry(
    shipped_rules, draft_factory, make_account, officer_a, analyst, reviewer, monkeypatch
):
    # given: the tasks are run by hand here, each in its own transaction as a worker would
    monkeypatch.setattr("workflow.tasks.validate_request.delay", lambda legal_request_id: None)
    monkeypatch.setattr("workflow.tasks.issue_response.delay", lambda legal_request_id: None)
    make_account(
        "acc-1", username="someone", phone="+12025550199", events=[("2026-10-05 08:15:00", "198.51.100.23", 1)]
    )
    legal_request = draft_factory(officer_a)

    do_submit(legal_request=legal_request, actor=officer_a)

    # when: validated (the targets are resolved) ...
    validation = Observer()
    monkeypatch.setattr(DatabaseProvider, "lookup", _observed(DatabaseProvider.lookup, validation, "lookup"))
    do_validate(legal_request_id=legal_request.pk)
    legal_request.refresh_from_db()
    assert legal_request.state == "in_review"
    do_propose(legal_request=legal_request, actor=analyst, decision="disclose", categories=["ip_addresses"])

    # ... and approved (the records are read and sealed)
    approval = Observer()
    monkeypatch.setattr(DatabaseProvider, "records", _observed(DatabaseProvider.records, approval, "records"))
    do_decide(legal_request=legal_request, actor=reviewer, approve=True)

    # then: validation resolved both targets before appending any entry
    assert [(what, appended) for what, appended, _ in validation.seen] == [("lookup", 0)] * 2
    assert [(what, appended) for what, appended, _ in approval.seen] == [("records", 0)] * 2
    assert not any(held for *_, held in validation.seen + approval.seen)
    # and the approval's entries were appended together, in the order the step wrote them
    actions = list(AuditEntry.objects.filter(id__gt=approval.since).order_by("id").values_list("action", flat=True))
    assert actions == [
        AuditAction.PROPOSAL_APPROVED,
        AuditAction.SNAPSHOT_FROZEN,
        AuditAction.REQUEST_TRANSITIONED,
    ]


def _observed(method, observer: Observer, what: str):
    def wrapper(self, *args, **kwargs):
        observer.note(what)
        return method(self, *args, **kwargs)

    return wrapper
