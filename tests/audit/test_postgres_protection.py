"""The database itself refuses to change the audit trail (PostgreSQL only)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, models, transaction

from audit.actions import AuditAction
from audit.models import AuditCheckpoint, AuditEntry
from audit.services import audit_checkpoint_create, audit_record, audit_sequence
from audit.verification import audit_chain_verify
from tests.audit.conftest import requires_postgres

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, requires_postgres]

APP_ROLE = "lawreq_audit_test_app"
REFUSED = "append-only"


@pytest.fixture
def entries():
    for n in range(3):
        audit_record(action=AuditAction.REQUEST_VIEWED, details={"n": n})


def refused(sql: str) -> str:
    """Run ``sql`` in a savepoint and return the database's error message."""
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    return str(raised.value)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET role = 'admin' WHERE seq = 2",
        "UPDATE audit_auditentry SET role = 'admin' WHERE false",
        "DELETE FROM audit_auditentry WHERE seq = 3",
        "DELETE FROM audit_auditentry",
        "TRUNCATE audit_auditentry",
        "TRUNCATE audit_auditcheckpoint",
        "DELETE FROM audit_auditcheckpoint",
    ],
)
def test_database_refuses_changes_through_the_application_connection(entries, sql):
    assert REFUSED in refused(sql)
    assert AuditEntry.objects.count() == 3


def test_bulk_queryset_update_is_refused_by_the_database_too(entries):
    # Bypass the model's own guard to show the database refuses on its own.
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        models.QuerySet.update(AuditEntry.objects.all(), action="forged")
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        models.QuerySet.update(AuditCheckpoint.objects.all(), tree_size=0)
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {AuditAction.REQUEST_VIEWED}


def test_bulk_queryset_delete_is_refused_by_the_database(entries):
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        models.QuerySet.delete(AuditEntry.objects.filter(seq=1))


def test_application_role_appends_but_cannot_change_or_unprotect_the_audit_tables(entries):
    audit_checkpoint_create()
    call_command("audit_db_roles", "--role", APP_ROLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    try:
        audit_record(action=AuditAction.REQUEST_VIEWED, details={"as": "application role"})
        for sql in [
            "UPDATE audit_auditentry SET role = 'admin'",
            "DELETE FROM audit_auditentry",
            "TRUNCATE audit_auditentry",
            "ALTER TABLE audit_auditentry DISABLE TRIGGER USER",
            "DROP TRIGGER lawreq_audit_append_only ON audit_auditentry",
            "DROP TABLE audit_auditentry",
            "UPDATE audit_auditcheckpoint SET tree_size = 0",
            "SET session_replication_role = replica",
            "ALTER TABLE audit_auditentry DISABLE TRIGGER lawreq_audit_sequence_only",
        ]:
            message = refused(sql)
            assert "permission denied" in message or "must be owner" in message, (sql, message)
        with pytest.raises(DatabaseError), transaction.atomic():
            models.QuerySet.update(AuditEntry.objects.all(), action="forged")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert AuditEntry.objects.count() == 5


def test_application_role_runs_the_sequencer_but_cannot_move_a_chained_entry(entries):
    audit_sequence()
    call_command("audit_db_roles", "--role", APP_ROLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    try:
        audit_record(action=AuditAction.REQUEST_VIEWED, details={"as": "application role"})
        assert audit_sequence() == 1
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lawreq.audit_sequencer = 'on'")
        for sql in [
            "UPDATE audit_auditentry SET seq = 99 WHERE seq = 2",
            "UPDATE audit_auditentry SET entry_hash = prev_hash WHERE seq = 4",
        ]:
            assert REFUSED in refused(sql), sql
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert audit_chain_verify().ok
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == [1, 2, 3, 4]


def test_a_pass_inside_a_transaction_leaves_the_statement_guard_up(entries):
    audit_sequence()  # inside the test's transaction

    assert REFUSED in refused("UPDATE audit_auditentry SET seq = seq WHERE false")


def test_a_pending_entry_cannot_be_reworded_on_its_way_into_the_chain(entries):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lawreq.audit_sequencer = 'on'")
    message = refused(
        "UPDATE audit_auditentry SET seq = 1, prev_hash = 'x', entry_hash = 'y', role = 'admin' "
        "WHERE id = (SELECT min(id) FROM audit_auditentry)"
    )
    assert REFUSED in message
    assert audit_sequence() == 3 and audit_chain_verify().ok


def test_db_roles_refuses_to_make_the_owner_the_application_role():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="must not be the owner"):
        call_command("audit_db_roles", "--role", connection.settings_dict["USER"])


def test_db_roles_prints_its_sql(capsys):
    call_command("audit_db_roles", "--role", APP_ROLE, "--print-sql", "--password", "x")
    out = capsys.readouterr().out
    assert f'REVOKE ALL ON audit_auditentry, audit_auditcheckpoint FROM "{APP_ROLE}"' in out
    assert f'GRANT UPDATE (seq, prev_hash, entry_hash) ON audit_auditentry TO "{APP_ROLE}"' in out
    assert "PASSWORD '<password>'" in out
