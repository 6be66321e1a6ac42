"""Audit helpers for the whole suite, registered in tests/conftest.py (``pytest_plugins``).

- ``audit_trail``: "an audit entry with action X appeared" for any test.
- Test databases are flushed between transactional tests with TRUNCATE, which the audit tables
  refuse on PostgreSQL; the flush (and only the test runner's flush) lifts their triggers inside
  its own transaction.
"""

from __future__ import annotations

from typing import Any

import pytest

PROTECTED_TABLES = ("audit_auditentry", "audit_auditcheckpoint")


@pytest.fixture(scope="session", autouse=True)
def _audit_tables_flushable_in_tests():
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        flushed = [table for table in PROTECTED_TABLES if any(table in sql for sql in sql_list)]
        disable = [f"ALTER TABLE {table} DISABLE TRIGGER USER" for table in flushed]
        enable = [f"ALTER TABLE {table} ENABLE TRIGGER USER" for table in flushed]
        return original(self, [*disable, *sql_list, *enable])

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


class AuditTrail:
    """The entries written since the fixture was created (or since ``mark()``), chained or still
    pending (inside a test's transaction nothing commits, so the sequencer has not run), in the
    order they were written."""

    def __init__(self) -> None:
        self.mark()

    def mark(self) -> None:
        from audit.models import AuditEntry

        self.since = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def entries(self, action: str | None = None, **filters: Any) -> list:
        from audit.models import AuditEntry

        queryset = AuditEntry.objects.filter(id__gt=self.since).order_by("id")
        if action is not None:
            queryset = queryset.filter(action=action)
        return list(queryset.filter(**filters))

    def assert_recorded(self, action: str, *, actor=None, request_ref: str | None = None, **details: Any):
        """The newest matching entry; ``details`` must be a subset of the entry's details."""
        filters: dict[str, Any] = {}
        if actor is not None:
            filters["actor_id"] = actor.pk
        if request_ref is not None:
            filters["request_ref"] = request_ref
        matching = [
            entry
            for entry in self.entries(action, **filters)
            if all(entry.details.get(key) == value for key, value in details.items())
        ]
        if not matching:
            seen = [(entry.id, entry.action, entry.request_ref) for entry in self.entries()]
            raise AssertionError(f"no audit entry {action} {filters} {details}; appended since: {seen}")
        return matching[-1]

    def assert_not_recorded(self, action: str, **filters: Any) -> None:
        found = self.entries(action, **filters)
        assert not found, f"unexpected audit entries {[(e.id, e.action) for e in found]}"


@pytest.fixture
def audit_trail(db) -> AuditTrail:
    return AuditTrail()
