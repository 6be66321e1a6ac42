"""Plain ``audit_verify`` (and the API's verify) catch what a database superuser does to the trail,
because the sequencer exports signed checkpoints outside the database by itself.

Each case also deletes the checkpoints stored in the database, as such an attacker would."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.actions import AuditAction
from audit.anchoring import NOTE_NO_CHECKPOINT, audit_verify_anchored
from audit.checkpoints import exported_checkpoint_files
from audit.models import AuditCheckpoint, AuditEntry
from audit.services import audit_record, audit_sequencer_tick
from audit.verification import stream_chain_rows, verify_chain_rows
from tests.audit.conftest import requires_postgres
from tests.audit.tampering import FIELDS, current_entries, raw_sql, rewrite_history, wipe_stored_checkpoints

pytestmark = pytest.mark.django_db

ENTRIES = 40


@pytest.fixture
def exported(settings, analyst, reviewer):
    """40 entries, chained by the sequencer, which signs and exports a checkpoint on its own."""
    settings.AUDIT_CHECKPOINT_SECONDS = 0
    for n in range(ENTRIES):
        actor = analyst if n % 2 else reviewer
        action = AuditAction.SNAPSHOT_READ if n == 20 else AuditAction.REQUEST_VIEWED
        audit_record(action=action, actor=actor, request_ref=f"LR-2026-{n:06d}", details={"n": n})
    audit_sequencer_tick()
    (path,) = exported_checkpoint_files(settings.AUDIT_CHECKPOINT_DIR)
    return path


def plain_audit_verify_fails(match: str) -> None:
    with pytest.raises(CommandError, match=match) as raised:
        call_command("audit_verify", "--no-progress")
    assert raised.value.returncode == 1


def test_the_sequencer_exports_a_checkpoint_readable_by_its_owner_only(exported, settings):
    assert stat.S_IMODE(os.stat(exported).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(settings.AUDIT_CHECKPOINT_DIR).st_mode) == 0o700
    assert AuditCheckpoint.objects.get().tree_size == ENTRIES
    call_command("audit_verify", "--no-progress")


def test_tail_truncation_is_caught_by_plain_audit_verify(exported):
    raw_sql("DELETE FROM audit_auditentry WHERE seq > 10")
    wipe_stored_checkpoints()

    assert verify_chain_rows(stream_chain_rows()).ok, "a truncated chain is consistent in itself"
    # (the checkpoint's own entry, still pending, is chained after #10 by the verification's pass)
    plain_audit_verify_fails(r"BROKEN at entry #11: ")


def test_an_entry_deleted_and_the_chain_rehashed_is_caught_by_plain_audit_verify(exported):
    entries = current_entries()
    del entries[14]
    rewrite_history(entries)
    wipe_stored_checkpoints()

    assert verify_chain_rows(stream_chain_rows()).ok
    plain_audit_verify_fails(r"BROKEN at entry #15: entry #15 differs from the signed checkpoint")


def test_a_read_re_attributed_and_the_chain_rehashed_is_caught_by_plain_audit_verify(exported, officer_b):
    entries = current_entries()
    read = next(entry for entry in entries if entry.action == AuditAction.SNAPSHOT_READ)
    read.actor_id, read.actor_username, read.role = officer_b.pk, officer_b.username, "officer"
    rewrite_history(entries)
    wipe_stored_checkpoints()

    plain_audit_verify_fails(rf"BROKEN at entry #{read.seq}: entry #{read.seq} differs from the signed checkpoint")


def test_the_api_verify_uses_the_exported_checkpoints_too(exported, api, auditor):
    raw_sql("DELETE FROM audit_auditentry WHERE seq > 10")
    wipe_stored_checkpoints()

    body = api(auditor).get("/api/v1/audit/verify/").json()

    assert (body["ok"], body["first_bad_seq"], body["checkpoint_size"]) == (False, 11, ENTRIES)
    assert body["checked_against"] == [f"exported checkpoint {exported.name}"]


def test_an_older_exported_checkpoint_still_catches_a_rewrite_of_what_it_covers(exported, settings):
    for n in range(5):
        audit_record(action=AuditAction.REQUEST_VIEWED, details={"after": n})
    audit_sequencer_tick()
    older, newer = exported_checkpoint_files(settings.AUDIT_CHECKPOINT_DIR)
    newer.unlink()  # someone with file access removes the newest file
    entries = current_entries()
    entries[3].details = {"n": "rewritten"}
    rewrite_history(entries)
    wipe_stored_checkpoints()

    plain_audit_verify_fails(r"BROKEN at entry #4")


def test_a_log_without_any_checkpoint_verifies_with_a_warning(capsys):
    audit_record(action=AuditAction.REQUEST_VIEWED)

    result = audit_verify_anchored()
    call_command("audit_verify", "--no-progress")

    assert result.ok and result.note == NOTE_NO_CHECKPOINT
    assert "Warning: no checkpoint exists yet" in capsys.readouterr().out


def test_a_planted_checkpoint_file_is_refused(exported, settings, tmp_path):
    forged = Path(settings.AUDIT_CHECKPOINT_DIR) / "audit-checkpoint-999999999999-20261201T000000000000Z.json"
    forged.write_text(exported.read_text().replace('"tree_size": 40', '"tree_size": 41'))

    plain_audit_verify_fails("signature does not match its content")


@requires_postgres
@pytest.mark.postgres
def test_a_superuser_with_session_replication_role_replica_is_caught_by_plain_audit_verify(exported, officer_b):
    """Replica mode skips ordinary triggers: no ALTER TABLE needed, the change goes straight in."""
    entries = current_entries()
    target = entries[20]
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute("UPDATE audit_auditentry SET actor_username = %s WHERE seq = %s", [officer_b.username, 21])
            # ... and re-chain from there, so the chain verifies in itself
            previous = entries[19].entry_hash
            for entry in AuditEntry.objects.filter(seq__gte=21).order_by("seq"):
                entry.prev_hash = previous
                digest = entry.compute_hash()
                cursor.execute(
                    "UPDATE audit_auditentry SET prev_hash = %s, entry_hash = %s WHERE seq = %s",
                    [previous, digest, entry.seq],
                )
                previous = digest
            cursor.execute("DELETE FROM audit_auditcheckpoint")
        finally:
            cursor.execute("SET session_replication_role = origin")

    assert verify_chain_rows(stream_chain_rows()).ok, "re-chained: consistent in itself"
    assert AuditEntry.objects.get(seq=21).actor_username == officer_b.username != target.actor_username
    plain_audit_verify_fails(r"BROKEN at entry #21: entry #21 differs from the signed checkpoint")


def test_tampering_helpers_cover_every_field():
    assert {field.name for field in AuditEntry._meta.fields} - set(FIELDS) == {"id"}
