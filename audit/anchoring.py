"""Verifying the chain against what was exported outside the database.

A database superuser can rewrite the chain and every hash after the change, and delete the stored
checkpoints: the chain then verifies in itself. What they cannot rewrite is what left the database:
the checkpoint files in ``AUDIT_CHECKPOINT_DIR`` (signed with a key the database never holds) and
the witnesses' co-signatures. ``audit_verify_anchored`` checks the chain against the newest of all
of them, and every other one's head against the chain, so plain ``audit_verify`` catches a
truncated tail, a deleted, re-attributed or re-chained entry, whatever the database allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

from audit.actions import AuditAction
from audit.checkpoints import (
    Checkpoint,
    CheckpointInvalid,
    checkpoint_read_file,
    exported_checkpoint_files,
    timestamp_file_name,
)
from audit.keys import checkpoint_signing_key
from audit.models import AuditEntry
from audit.services import audit_pending_count, audit_record, audit_sequence, latest_stored_checkpoint
from audit.timestamps import TimestampInvalid, checkpoint_timestamp_verify
from audit.verification import ChainVerification, audit_chain_verify
from audit.witness import WitnessRejected, cosignature_files, cosignature_parse

WITNESSED_SUBDIR = "witnessed"

PROBLEM_UNTRUSTED = "{source} cannot be trusted: {problem}"
PROBLEM_HEAD = "entry #{seq} differs from {source}: the log was rewritten at or before it"
NOTE_NO_CHECKPOINT = "no checkpoint exists yet: a truncated tail or a re-chained log cannot be detected"


@dataclass(frozen=True)
class Anchor:
    source: str
    checkpoint: Checkpoint
    # What a page says in words, where ``source`` names files for the command line.
    witnessed: bool = False
    time_stamped: bool = False


@dataclass
class AnchoredVerification:
    result: ChainVerification
    anchors: list[Anchor] = field(default_factory=list)
    problem: str = ""
    first_bad_seq: int | None = None
    pending: int = 0
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.result.ok and not self.problem

    @property
    def newest(self) -> Anchor | None:
        return self.newest_of(self.anchors)

    @staticmethod
    def newest_of(anchors) -> Anchor | None:
        return max(anchors, key=lambda anchor: anchor.checkpoint.tree_size, default=None)

    def describe_problem(self) -> str:
        return self.result.problem or self.problem

    def bad_seq(self) -> int | None:
        return self.result.first_bad_seq if not self.result.ok else self.first_bad_seq


def default_witnessed_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / WITNESSED_SUBDIR


def collect_anchors(
    *,
    checkpoint_dir: Path,
    witnessed_dir: Path | None,
    trusted_key: Ed25519PublicKey,
    include_stored: bool = True,
    every_file: bool = False,
) -> tuple[list[Anchor], list[str]]:
    """The newest exported checkpoint (every one with ``every_file``), every witness's newest
    co-signed checkpoint and the newest stored one, each checked with the log's key."""
    anchors: list[Anchor] = []
    problems: list[str] = []
    exported = exported_checkpoint_files(checkpoint_dir)
    for path in exported if every_file else exported[-1:]:
        try:
            checkpoint = checkpoint_read_file(path, trusted_key=trusted_key)
        except CheckpointInvalid as exc:
            problems.append(PROBLEM_UNTRUSTED.format(source=f"checkpoint file {path.name}", problem=exc))
            continue
        source, time_stamped = f"exported checkpoint {path.name}", False
        token = path.with_name(timestamp_file_name(path.name))
        if token.exists():
            try:
                stamp = checkpoint_timestamp_verify(path.read_bytes(), token.read_bytes())
            except TimestampInvalid as exc:
                problems.append(PROBLEM_UNTRUSTED.format(source=f"time-stamp {token.name}", problem=exc))
            else:
                source += f", time-stamped {stamp.time}" + ("" if stamp.trusted else " (authority not pinned)")
                time_stamped = True
        anchors.append(Anchor(source, checkpoint, time_stamped=time_stamped))
    newest_per_witness: dict[str, Anchor] = {}
    for path in cosignature_files(witnessed_dir) if witnessed_dir else []:
        try:
            cosignature = cosignature_parse(path.read_bytes(), log_key=trusted_key)
        except (WitnessRejected, CheckpointInvalid, OSError) as exc:
            problems.append(PROBLEM_UNTRUSTED.format(source=f"witness file {path.name}", problem=exc))
            continue
        known = newest_per_witness.get(cosignature.witness_key_id)
        if known is None or known.checkpoint.tree_size < cosignature.checkpoint.tree_size:
            source = f"checkpoint co-signed by witness {cosignature.witness_key_id}"
            newest_per_witness[cosignature.witness_key_id] = Anchor(source, cosignature.checkpoint, witnessed=True)
    anchors.extend(newest_per_witness.values())
    if include_stored:
        try:
            stored = latest_stored_checkpoint()
        except CheckpointInvalid as exc:
            problems.append(PROBLEM_UNTRUSTED.format(source="the latest stored checkpoint", problem=exc))
        else:
            if stored is not None:
                anchors.append(Anchor("the latest stored checkpoint", stored))
    return anchors, problems


def audit_verify_anchored(
    *,
    checkpoint_dir: Path | None = None,
    witnessed_dir: Path | None = None,
    trusted_key: Ed25519PublicKey | None = None,
    include_stored: bool = True,
    every_file: bool = False,
    check_root: bool = False,
    progress: Callable[[int], None] | None = None,
) -> AnchoredVerification:
    """Chain what is pending, then verify the chain against the newest anchor and every other
    anchor's head hash."""
    audit_sequence()
    anchors, problems = collect_anchors(
        checkpoint_dir=Path(checkpoint_dir or settings.AUDIT_CHECKPOINT_DIR),
        witnessed_dir=witnessed_dir if witnessed_dir is not None else default_witnessed_dir(),
        trusted_key=trusted_key or checkpoint_signing_key().public_key(),
        include_stored=include_stored,
        every_file=every_file,
    )
    newest = AnchoredVerification.newest_of(anchors)
    result = audit_chain_verify(
        checkpoint=newest.checkpoint if newest else None, check_root=check_root, progress=progress
    )
    verification = AnchoredVerification(result, anchors, "; ".join(problems), pending=audit_pending_count())
    if newest is None:
        verification.note = NOTE_NO_CHECKPOINT
    if not result.ok:
        return verification
    for anchor in sorted(anchors, key=lambda item: item.checkpoint.tree_size):
        size = anchor.checkpoint.tree_size
        if anchor is newest or size == 0:
            continue
        head = AuditEntry.objects.filter(seq=size).values_list("entry_hash", flat=True).first()
        if head != anchor.checkpoint.head_hash:
            exact = audit_chain_verify(checkpoint=anchor.checkpoint)
            verification.first_bad_seq = exact.first_bad_seq or size
            verification.problem = "; ".join(
                [*problems, exact.problem or PROBLEM_HEAD.format(seq=size, source=anchor.source)]
            )
            break
    return verification


def audit_verify_recorded(*, actor) -> AnchoredVerification:
    """``audit_verify_anchored`` on an auditor's demand (the API's and the desk's "verify now"), the
    verification itself recorded in the trail: who verified, when, and what they found."""
    verification = audit_verify_anchored()
    audit_record(
        action=AuditAction.AUDIT_VERIFIED,
        actor=actor,
        details={
            "ok": verification.ok,
            "entries_checked": verification.result.entries_checked,
            "first_bad_seq": verification.bad_seq(),
        },
    )
    return verification
