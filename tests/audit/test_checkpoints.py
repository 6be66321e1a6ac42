"""Signed checkpoints catch what a database superuser does to the log after the checkpoint."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.actions import AuditAction
from audit.checkpoints import (
    ERR_OTHER_KEY,
    ERR_SIGNATURE,
    CheckpointInvalid,
    anchor_interval_for,
    checkpoint_parse,
    checkpoint_sign,
)
from audit.keys import checkpoint_signing_key, key_id, load_public_key
from audit.merkle import leaf_hash, tree_root
from audit.models import AuditCheckpoint, AuditEntry
from audit.services import (
    ChainBroken,
    audit_checkpoint_create,
    audit_checkpoint_create_if_due,
    audit_record,
    audit_sequence,
)
from audit.tasks import audit_checkpoint as audit_checkpoint_task
from audit.verification import (
    PROBLEM_CONTENT,
    PROBLEM_GAP,
    PROBLEM_LINK,
    PROBLEM_REWRITTEN,
    PROBLEM_REWRITTEN_WINDOW,
    PROBLEM_ROOT,
    PROBLEM_TRUNCATED,
    audit_chain_verify,
    stream_chain_rows,
    verify_chain_rows,
)
from tests.audit.tampering import current_entries, raw_sql, rewrite_history

pytestmark = pytest.mark.django_db

SIZE = 12


def append(count: int, start: int = 0) -> None:
    """Entries written and chained (inside the test's transaction the after-commit pass never runs)."""
    for n in range(start, start + count):
        audit_record(action=AuditAction.REQUEST_VIEWED, request_ref=f"LR-2026-{n:06d}", details={"n": n})
    audit_sequence()


@pytest.fixture
def checkpoint_file(settings) -> Path:
    """A checkpoint over entries #1..#12, then #13 (the checkpoint's own entry) and two more."""
    append(SIZE)
    stored = audit_checkpoint_create()
    append(2, start=100)
    return Path(settings.AUDIT_CHECKPOINT_DIR) / stored.file_name


def verify_against(path: Path):
    checkpoint = checkpoint_parse(path.read_bytes(), trusted_key=checkpoint_signing_key().public_key())
    return audit_chain_verify(checkpoint=checkpoint)


def test_checkpoint_file_is_signed_over_size_head_and_merkle_root(checkpoint_file):
    document = orjson.loads(checkpoint_file.read_bytes())
    entries = current_entries()[:SIZE]

    assert document["tree_size"] == SIZE
    assert document["head_hash"] == entries[-1].entry_hash
    assert document["merkle_root"] == tree_root([leaf_hash(bytes.fromhex(e.entry_hash)) for e in entries]).hex()
    assert document["anchors"] == [e.entry_hash for e in entries]
    public_key = load_public_key(checkpoint_file.parent / "audit-checkpoint-public-key.pem")
    assert document["key_id"] == key_id(public_key)
    checkpoint_parse(checkpoint_file.read_bytes(), trusted_key=public_key)


def test_checkpoint_is_kept_in_the_database_and_audited(checkpoint_file):
    stored = AuditCheckpoint.objects.get()
    assert stored.document == checkpoint_file.read_text()
    assert AuditEntry.objects.get(seq=SIZE + 1).action == AuditAction.AUDIT_CHECKPOINT


def test_intact_log_verifies_against_its_checkpoint(checkpoint_file):
    result = verify_against(checkpoint_file)
    assert (result.ok, result.entries_checked, result.checkpoint_size) == (True, SIZE + 3, SIZE)


def test_entry_altered_in_place_is_named(checkpoint_file):
    raw_sql("UPDATE audit_auditentry SET details = %s WHERE seq = 5", ['{"n": 999}'])

    result = verify_against(checkpoint_file)

    assert (result.ok, result.first_bad_seq, result.problem) == (False, 5, PROBLEM_CONTENT.format(seq=5))


def test_entry_altered_and_whole_chain_rehashed_is_caught_only_by_the_checkpoint(checkpoint_file):
    entries = current_entries()
    entries[6].details = {"n": "rewritten"}
    rewrite_history(entries)

    assert verify_chain_rows(stream_chain_rows()).ok, "a rehashed chain is consistent in itself"
    result = verify_against(checkpoint_file)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, 7, PROBLEM_REWRITTEN.format(seq=7))


def test_stored_hash_replaced_by_garbage_is_named(checkpoint_file):
    raw_sql("UPDATE audit_auditentry SET entry_hash = 'not a hash' WHERE seq = 8")

    result = verify_against(checkpoint_file)

    assert (result.ok, result.first_bad_seq, result.problem) == (False, 8, PROBLEM_CONTENT.format(seq=8))


def test_entry_removed_is_named(checkpoint_file):
    raw_sql("DELETE FROM audit_auditentry WHERE seq = 4")

    result = verify_against(checkpoint_file)

    assert (result.first_bad_seq, result.problem) == (4, PROBLEM_GAP.format(expected=4, found=5))


def test_entry_removed_and_chain_renumbered_is_caught(checkpoint_file):
    entries = current_entries()
    del entries[3]
    rewrite_history(entries)

    result = verify_against(checkpoint_file)

    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_entry_inserted_and_chain_renumbered_is_caught(checkpoint_file):
    entries = current_entries()
    forged = AuditEntry(
        **{name: getattr(entries[8], name) for name in ("created_at", "role", "action")},
        details={"n": "forged"},
        request_ref="LR-2026-999999",
    )
    entries.insert(8, forged)
    rewrite_history(entries)

    result = verify_against(checkpoint_file)

    assert (result.ok, result.first_bad_seq) == (False, 9)


def test_entries_reordered_are_named(checkpoint_file):
    raw_sql("UPDATE audit_auditentry SET seq = 1000 WHERE seq = 6")
    raw_sql("UPDATE audit_auditentry SET seq = 6 WHERE seq = 7")
    raw_sql("UPDATE audit_auditentry SET seq = 7 WHERE seq = 1000")

    result = verify_against(checkpoint_file)

    assert (result.ok, result.first_bad_seq, result.problem) == (False, 6, PROBLEM_CONTENT.format(seq=6))


def test_entries_reordered_and_rehashed_one_by_one_break_the_links(checkpoint_file):
    entries = current_entries()
    for seq in (6, 7):
        raw_sql("DELETE FROM audit_auditentry WHERE seq = %s", [seq])
    moved = []
    for new_seq, entry in ((6, entries[6]), (7, entries[5])):
        entry.seq = new_seq
        entry.entry_hash = entry.compute_hash()
        moved.append(entry)
    AuditEntry.objects.bulk_create(moved)

    result = verify_against(checkpoint_file)

    assert (result.first_bad_seq, result.problem) == (6, PROBLEM_LINK.format(seq=6, previous=5))


def test_tail_truncated_after_the_checkpoint_is_caught(checkpoint_file):
    raw_sql("DELETE FROM audit_auditentry WHERE seq > 9")

    assert verify_chain_rows(stream_chain_rows()).ok, "a truncated chain is consistent in itself"
    result = verify_against(checkpoint_file)
    assert (result.ok, result.first_bad_seq) == (False, 10)
    assert result.problem == PROBLEM_TRUNCATED.format(last=9, size=SIZE, first=10)


def test_rewrite_in_a_large_log_is_located_within_one_anchor_interval(settings):
    settings.AUDIT_CHECKPOINT_ANCHORS = 4
    append(16)
    stored = audit_checkpoint_create()
    assert orjson.loads(stored.document)["anchor_interval"] == anchor_interval_for(16, 4) == 4
    entries = current_entries()
    entries[9].details = {"n": "rewritten"}
    rewrite_history(entries)

    result = verify_against(Path(settings.AUDIT_CHECKPOINT_DIR) / stored.file_name)

    assert (result.first_bad_seq, result.problem) == (9, PROBLEM_REWRITTEN_WINDOW.format(seq=12, first=9))


def test_checkpoint_whose_signer_computed_a_wrong_root_is_caught_when_asked(checkpoint_file):
    genuine = checkpoint_parse(checkpoint_file.read_bytes(), trusted_key=checkpoint_signing_key().public_key())
    fields = {name: value for name, value in genuine.body().items() if name not in ("format", "key_id")}
    wrong_root = checkpoint_sign(**{**fields, "merkle_root": "00" * 32}, private_key=checkpoint_signing_key())

    assert audit_chain_verify(checkpoint=wrong_root).ok, "anchors and head alone prove the entries"
    result = audit_chain_verify(checkpoint=wrong_root, check_root=True)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, SIZE, PROBLEM_ROOT.format(size=SIZE))
    assert audit_chain_verify(checkpoint=genuine, check_root=True).ok


def test_checkpoint_signed_by_another_key_is_refused(checkpoint_file):
    impostor = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(CheckpointInvalid, match="signed by key"):
        checkpoint_parse(checkpoint_file.read_bytes(), trusted_key=impostor)
    assert ERR_OTHER_KEY.startswith("the checkpoint was signed by key")


def test_checkpoint_edited_after_signing_is_refused(checkpoint_file):
    document = orjson.loads(checkpoint_file.read_bytes())
    document["tree_size"] = 3
    document["anchors"] = document["anchors"][:3]
    with pytest.raises(CheckpointInvalid, match=ERR_SIGNATURE):
        checkpoint_parse(orjson.dumps(document), trusted_key=checkpoint_signing_key().public_key())


@pytest.mark.parametrize("garbage", [b"", b"[]", b"{}", b"not json", b'{"format": "lawreq-audit-checkpoint/1"}'])
def test_unreadable_checkpoint_is_refused(garbage):
    with pytest.raises(CheckpointInvalid):
        checkpoint_parse(garbage, trusted_key=checkpoint_signing_key().public_key())


def test_checkpoint_refuses_to_vouch_for_a_broken_chain():
    append(5)
    raw_sql("UPDATE audit_auditentry SET action = 'forged' WHERE seq = 2")

    with pytest.raises(ChainBroken, match="entry #2 was altered"):
        audit_checkpoint_create()
    assert not AuditCheckpoint.objects.exists()


def test_checkpoint_refuses_to_vouch_for_history_rewritten_since_the_last_one(checkpoint_file):
    entries = current_entries()
    entries[1].details = {"n": "rewritten"}
    rewrite_history(entries)

    with pytest.raises(ChainBroken, match="differs from the signed checkpoint"):
        audit_checkpoint_create()


def test_periodic_checkpoint_is_skipped_when_nothing_new_was_logged(settings):
    settings.AUDIT_CHECKPOINT_SECONDS = 0
    append(3)
    audit_checkpoint_task()
    assert list(AuditCheckpoint.objects.values_list("tree_size", flat=True)) == [3]
    audit_checkpoint_task()
    assert audit_checkpoint_create_if_due() is None
    assert AuditCheckpoint.objects.count() == 1
    append(1)
    audit_checkpoint_task()
    # three, the first checkpoint's entry, one more
    assert list(AuditCheckpoint.objects.values_list("tree_size", flat=True)) == [5, 3]


def test_periodic_checkpoint_waits_for_the_interval(settings):
    settings.AUDIT_CHECKPOINT_SECONDS = 3600
    append(3)
    assert audit_checkpoint_create_if_due() is None
    settings.AUDIT_CHECKPOINT_SECONDS = 0
    assert audit_checkpoint_create_if_due().tree_size == 3


def test_checkpoint_of_an_empty_log_signs_the_empty_tree():
    stored = audit_checkpoint_create()
    assert (stored.tree_size, stored.merkle_root) == (0, tree_root([]).hex())


def test_audit_verify_command_exits_0_when_intact(checkpoint_file, capsys):
    call_command("audit_verify", "--checkpoint", str(checkpoint_file), "--no-progress")
    assert f"Audit chain intact: {SIZE + 3} entries" in capsys.readouterr().out


def test_audit_verify_command_exits_1_naming_the_first_bad_entry(checkpoint_file):
    raw_sql("DELETE FROM audit_auditentry WHERE seq > 10")

    with pytest.raises(CommandError, match=r"BROKEN at entry #11: the log ends at #10") as raised:
        call_command("audit_verify", "--checkpoint", str(checkpoint_file), "--no-progress")
    assert raised.value.returncode == 1


def test_audit_verify_command_uses_the_latest_stored_checkpoint_by_default(checkpoint_file):
    raw_sql("DELETE FROM audit_auditentry WHERE seq > 10")

    with pytest.raises(CommandError, match=r"#11"):
        call_command("audit_verify", "--no-progress")
    call_command("audit_verify", "--no-progress", "--no-stored-checkpoint")


def test_audit_verify_command_refuses_a_forged_checkpoint(checkpoint_file, tmp_path):
    document = orjson.loads(checkpoint_file.read_bytes())
    document["signature"] = base64.b64encode(b"\x00" * 64).decode()
    forged = tmp_path / "forged.json"
    forged.write_bytes(orjson.dumps(document))

    with pytest.raises(CommandError, match="signature does not match") as raised:
        call_command("audit_verify", "--checkpoint", str(forged), "--no-progress")
    assert raised.value.returncode == 1


def test_audit_checkpoint_command_writes_the_file(settings, capsys):
    append(2)
    call_command("audit_checkpoint")
    out = capsys.readouterr().out
    assert "Checkpoint over 2 entries" in out
    assert Path(out.strip().splitlines()[-1]).parent == Path(settings.AUDIT_CHECKPOINT_DIR)


def test_beat_schedule_names_the_registered_checkpoint_task(settings):
    from lawreq.celery import app

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "audit.checkpoint" in scheduled
    assert app.tasks["audit.checkpoint"].name == audit_checkpoint_task.name == "audit.checkpoint"


def test_checkpoint_task_runs_through_celery(settings):
    settings.AUDIT_CHECKPOINT_SECONDS = 0
    for n in range(2):
        audit_record(action=AuditAction.REQUEST_VIEWED, details={"n": n})

    result = audit_checkpoint_task.delay()

    assert result.get() == 2
    assert (Path(settings.AUDIT_CHECKPOINT_DIR) / AuditCheckpoint.objects.get().file_name).exists()
