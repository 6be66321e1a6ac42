"""A witness co-signs a checkpoint only when it extends the last one it co-signed (RFC 6962)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.actions import AuditAction
from audit.anchoring import default_witnessed_dir
from audit.checkpoints import exported_checkpoint_files
from audit.keys import checkpoint_signing_key
from audit.merkle import consistency_proof, leaf_hash
from audit.services import audit_checkpoint_create, audit_record, audit_sequence
from audit.witness import ERR_INCONSISTENT, cosignature_files, cosignature_parse
from tests.audit.tampering import current_entries, raw_sql, rewrite_history, wipe_stored_checkpoints

pytestmark = pytest.mark.django_db


def append(count: int) -> None:
    for n in range(count):
        audit_record(action=AuditAction.REQUEST_VIEWED, details={"n": n})
    audit_sequence()


@pytest.fixture
def witness(tmp_path):
    key, state = tmp_path / "witness" / "key.pem", tmp_path / "witness" / "state"

    def run(*extra: str) -> str:
        call_command("witness", "--key", str(key), "--state", str(state), *extra)
        return str(state)

    return run


def newest_file(settings) -> Path:
    return exported_checkpoint_files(settings.AUDIT_CHECKPOINT_DIR)[-1]


def test_witness_co_signs_checkpoints_that_extend_the_last_one(witness, settings, capsys):
    append(7)
    audit_checkpoint_create()
    witness()
    append(12)
    audit_checkpoint_create()

    witness()

    files = cosignature_files(default_witnessed_dir())
    assert len(files) == 2
    cosigned = cosignature_parse(files[-1].read_bytes(), log_key=checkpoint_signing_key().public_key())
    assert cosigned.checkpoint.tree_size == 7 + 1 + 12
    assert "co-signed by witness" in capsys.readouterr().out


def test_witness_rejects_a_checkpoint_over_rewritten_history(witness, settings):
    append(7)
    audit_checkpoint_create()
    witness()
    entries = current_entries()
    entries[2].details = {"n": "rewritten"}
    rewrite_history(entries)
    append(3)
    audit_checkpoint_create(trust_previous=False)  # the log signs its forked history

    with pytest.raises(CommandError, match="Checkpoint REJECTED: .* not an extension") as raised:
        witness()

    assert raised.value.returncode == 1
    assert len(cosignature_files(default_witnessed_dir())) == 1, "nothing co-signed"


def test_witness_rejects_a_checkpoint_smaller_than_the_one_it_co_signed(witness, settings):
    append(5)
    first = audit_checkpoint_create()
    append(5)
    audit_checkpoint_create()
    witness()

    with pytest.raises(CommandError, match="fewer than the 11 already witnessed") as raised:
        witness("--checkpoint", str(Path(settings.AUDIT_CHECKPOINT_DIR) / first.file_name))
    assert raised.value.returncode == 1


def test_witness_checks_a_proof_handed_to_it(witness, settings, tmp_path):
    append(5)
    audit_checkpoint_create()
    witness()
    append(4)
    second = audit_checkpoint_create()
    leaves = [leaf_hash(bytes.fromhex(e.entry_hash)) for e in current_entries()[: second.tree_size]]
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    proof = consistency_proof(leaves, 5)
    good.write_bytes(orjson.dumps([node.hex() for node in proof]))
    bad.write_bytes(orjson.dumps([("00" * 32) for _ in proof]))

    with pytest.raises(CommandError, match=ERR_INCONSISTENT.format(new=second.tree_size, old=5)[:40]):
        witness("--proof", str(bad))
    witness("--proof", str(good))


def test_witnessed_checkpoint_catches_truncation_when_the_exported_files_are_gone(witness, settings):
    append(9)
    audit_checkpoint_create()
    witness()
    raw_sql("DELETE FROM audit_auditentry WHERE seq > 4")
    wipe_stored_checkpoints()
    for path in exported_checkpoint_files(settings.AUDIT_CHECKPOINT_DIR):
        path.unlink()

    with pytest.raises(CommandError, match="BROKEN at entry #5: "):
        call_command("audit_verify", "--no-progress")


def test_the_operator_hands_the_witness_a_proof_file(witness, settings, tmp_path, capsys):
    append(6)
    audit_checkpoint_create()
    witness()
    append(5)
    second = audit_checkpoint_create()
    capsys.readouterr()

    call_command("audit_consistency_proof", "6", str(second.tree_size))
    proof = tmp_path / "proof.json"
    proof.write_text(capsys.readouterr().out)

    witness("--proof", str(proof))
    with pytest.raises(CommandError, match="does not hold them"):
        call_command("audit_consistency_proof", "6", "9999")
