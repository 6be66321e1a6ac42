"""Reads of the audit trail: filtered entries, one request's trail with its proofs."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from audit.actions import AuditAction
from audit.canonical import GENESIS_HASH
from audit.checkpoints import Checkpoint, CheckpointInvalid, checkpoint_parse
from audit.keys import checkpoint_signing_key
from audit.merkle import consistency_proof, inclusion_proofs, leaf_hash, verify_inclusion
from audit.models import AuditCheckpoint, AuditEntry
from audit.services import audit_sequence, latest_stored_checkpoint
from lawreq.converters import REF_REGEX
from lawreq.errors import InvalidInput, NotFound

ERR_NO_TRAIL = "No audit entry names request {ref}."
REF_PATTERN = re.compile(rf"^{REF_REGEX}$")
ERR_NO_ENTRY = "No audit entry #{seq}."
ERR_TREE_SIZE = "tree_size must be the size of a stored checkpoint that includes the entry"

ERR_CONSISTENCY_SIZES = "no consistency proof from {first} to {second} entries: the log does not hold them"

PROBLEM_HASH = "its content does not match its hash"
PROBLEM_PREVIOUS = "it does not follow entry #{seq}"
PROBLEM_NEXT = "entry #{seq} does not follow it"
PROBLEM_PROOF = "its inclusion proof does not lead to the signed root"


def leaf_hashes(size: int) -> list[bytes]:
    """The Merkle leaves (RFC 6962 leaf hashes) of the first ``size`` chained entries, in order."""
    sha256, prefix = hashlib.sha256, b"\x00"
    hashes = AuditEntry.objects.filter(seq__lte=size).order_by("seq").values_list("entry_hash", flat=True)
    return [sha256(prefix + bytes.fromhex(value)).digest() for value in hashes.iterator(chunk_size=20_000)]


@dataclass
class TrailEntry:
    entry: AuditEntry
    problems: list[str] = field(default_factory=list)
    leaf_index: int | None = None
    inclusion_proof: list[str] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def details_json(self) -> str:
        return orjson.dumps(self.entry.details, option=orjson.OPT_SORT_KEYS).decode()


@dataclass
class RequestTrail:
    ref: str
    entries: list[TrailEntry]
    checkpoint: Checkpoint | None
    checkpoint_document: str = ""
    checkpoint_problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.checkpoint_problem and all(item.ok for item in self.entries)

    @property
    def proven(self) -> int:
        return sum(1 for item in self.entries if item.inclusion_proof is not None and item.ok)

    @property
    def first_bad_seq(self) -> int | None:
        return next((item.entry.seq for item in self.entries if not item.ok), None)


def request_trail(*, ref: str) -> RequestTrail:
    """Every entry naming ``ref``, each checked on its own, against its neighbours, and by a Merkle
    inclusion proof against the latest signed checkpoint when the checkpoint covers it."""
    audit_sequence()
    entries = list(AuditEntry.objects.filter(request_ref=ref, seq__isnull=False).order_by("seq"))
    if not entries:
        raise NotFound(ERR_NO_TRAIL.format(ref=ref))
    seqs = {entry.seq for entry in entries}
    around = {
        seq: (entry_hash, prev_hash)
        for seq, entry_hash, prev_hash in AuditEntry.objects.filter(
            seq__in={s - 1 for s in seqs} | {s + 1 for s in seqs}
        ).values_list("seq", "entry_hash", "prev_hash")
    }
    trail = [TrailEntry(entry) for entry in entries]
    for item in trail:
        entry = item.entry
        if entry.compute_hash() != entry.entry_hash:
            item.problems.append(PROBLEM_HASH)
        before = around[entry.seq - 1][0] if entry.seq - 1 in around else None
        if entry.prev_hash != (GENESIS_HASH if entry.seq == 1 else before):
            item.problems.append(PROBLEM_PREVIOUS.format(seq=entry.seq - 1))
        after = around.get(entry.seq + 1)
        if after is not None and after[1] != entry.entry_hash:
            item.problems.append(PROBLEM_NEXT.format(seq=entry.seq + 1))

    try:
        checkpoint = latest_stored_checkpoint()
    except CheckpointInvalid as exc:
        return RequestTrail(ref, trail, None, checkpoint_problem=str(exc))
    if checkpoint is None:
        return RequestTrail(ref, trail, None)
    covered = [item for item in trail if item.entry.seq <= checkpoint.tree_size]
    if covered:
        leaves = leaf_hashes(checkpoint.tree_size)
        complete = len(leaves) == checkpoint.tree_size
        proofs = inclusion_proofs(leaves, [item.entry.seq - 1 for item in covered]) if complete else {}
        root = bytes.fromhex(checkpoint.merkle_root)
        for item in covered:
            index = item.entry.seq - 1
            proof = proofs.get(index)
            hashed = leaf_hash(bytes.fromhex(item.entry.entry_hash))
            if proof is None or not verify_inclusion(index, checkpoint.tree_size, hashed, proof, root):
                item.problems.append(PROBLEM_PROOF)
            else:
                item.leaf_index, item.inclusion_proof = index, [node.hex() for node in proof]
    stored = AuditCheckpoint.objects.filter(tree_size=checkpoint.tree_size).order_by("-id").first()
    return RequestTrail(ref, trail, checkpoint, checkpoint_document=stored.document if stored else "")


def entry_inclusion_proof(*, seq: int, tree_size: int | None = None) -> dict:
    """An entry's inclusion proof against a stored checkpoint (the latest by default)."""
    audit_sequence()
    entry = AuditEntry.objects.filter(seq=seq).first()
    if entry is None:
        raise NotFound(ERR_NO_ENTRY.format(seq=seq))
    stored = AuditCheckpoint.objects.order_by("-tree_size", "-id")
    if tree_size is not None:
        stored = stored.filter(tree_size=tree_size)
    checkpoint_row = stored.first()
    if checkpoint_row is None or checkpoint_row.tree_size < seq:
        raise InvalidInput(ERR_TREE_SIZE, field="tree_size")
    leaves = leaf_hashes(checkpoint_row.tree_size)
    proof = inclusion_proofs(leaves, [seq - 1])[seq - 1] if len(leaves) == checkpoint_row.tree_size else []
    return {
        "seq": seq,
        "leaf_index": seq - 1,
        "tree_size": checkpoint_row.tree_size,
        "entry_hash": entry.entry_hash,
        "leaf_hash": leaf_hash(bytes.fromhex(entry.entry_hash)).hex(),
        "inclusion_proof": [node.hex() for node in proof],
        "merkle_root": checkpoint_row.merkle_root,
        "checkpoint": checkpoint_row.document,
    }


def checkpoint_consistency_proof(*, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[second]) over the chained entries: what a witness checks a new checkpoint
    against the previous one with (RFC 6962 section 2.1.2)."""
    audit_sequence()
    leaves = leaf_hashes(second)
    if len(leaves) != second or not 0 <= first <= second:
        raise InvalidInput(ERR_CONSISTENCY_SIZES.format(first=first, second=second), field="second")
    return consistency_proof(leaves, first)


# The auditors' desk: the chain's status, the trail filtered, repeated reads folded.

# Reads that come in runs (a page opened again and again): shown folded into one summary row.
FOLDED_ACTIONS = frozenset({AuditAction.REQUEST_VIEWED})


@dataclass(frozen=True)
class LastVerification:
    actor: str
    at: dt.datetime
    ok: bool
    entries_checked: int | None
    first_bad_seq: int | None


@dataclass(frozen=True)
class CheckpointStatus:
    tree_size: int
    created_at: dt.datetime
    key_id: str
    time_stamped: bool
    signature_problem: str = ""

    @property
    def signature_ok(self) -> bool:
        return not self.signature_problem


@dataclass(frozen=True)
class ChainStatus:
    last_verification: LastVerification | None
    checkpoint: CheckpointStatus | None
    entries: int


def chain_status() -> ChainStatus:
    """What the auditors' landing page shows: the last recorded verification, the latest stored
    checkpoint with its signature checked against the log's key, and how long the chain is."""
    verified = AuditEntry.objects.filter(action=AuditAction.AUDIT_VERIFIED).order_by("-id").first()
    last = None
    if verified is not None:
        details = verified.details or {}
        last = LastVerification(
            actor=verified.actor_username or verified.role,
            at=verified.created_at,
            ok=bool(details.get("ok")),
            entries_checked=details.get("entries_checked"),
            first_bad_seq=details.get("first_bad_seq"),
        )
    stored = AuditCheckpoint.objects.order_by("-tree_size", "-id").first()
    checkpoint = None
    if stored is not None:
        problem = ""
        try:
            checkpoint_parse(stored.document, trusted_key=checkpoint_signing_key().public_key())
        except CheckpointInvalid as exc:
            problem = str(exc)
        checkpoint = CheckpointStatus(
            tree_size=stored.tree_size,
            created_at=stored.created_at,
            key_id=stored.key_id,
            time_stamped=bool(stored.timestamp_token),
            signature_problem=problem,
        )
    entries = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", flat=True).first()
    return ChainStatus(last, checkpoint, entries or 0)


def latest_checkpoint_document() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-tree_size", "-id").first()


def checkpoint_named(*, tree_size: int, merkle_root: str) -> AuditCheckpoint | None:
    """The stored checkpoint of that size and root (the one a publication names), earliest signed."""
    return AuditCheckpoint.objects.filter(tree_size=tree_size, merkle_root=merkle_root).order_by("id").first()


def audit_entries_filter(
    queryset: QuerySet[AuditEntry],
    *,
    action: str = "",
    actor: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEntry]:
    """The trail narrowed by action, actor (username) and time (``until`` exclusive)."""
    if action:
        queryset = queryset.filter(action=action)
    if actor:
        queryset = queryset.filter(actor_username=actor)
    if since:
        queryset = queryset.filter(created_at__gte=since)
    if until:
        queryset = queryset.filter(created_at__lt=until)
    return queryset


def audit_entries_list(**filters) -> QuerySet[AuditEntry]:
    """The whole trail, newest first, chained first so that nothing committed is left out."""
    audit_sequence()
    return audit_entries_filter(AuditEntry.objects.filter(seq__isnull=False), **filters).order_by("-seq")


def audit_actors() -> list[str]:
    """The accounts' usernames, as suggestions for the trail's actor filter (the user table is
    small; the trail is not)."""
    return list(get_user_model().objects.order_by("username").values_list("username", flat=True))


@dataclass
class EntryRun:
    """Consecutive entries of one action: a run of a folded action is shown as one summary row."""

    action: str
    items: list = field(default_factory=list)

    @property
    def folded(self) -> bool:
        return self.action in FOLDED_ACTIONS and len(self.items) > 1

    @property
    def actors(self) -> list[str]:
        return sorted({_entry_of(item).actor_username or _entry_of(item).role for item in self.items})

    @property
    def first(self):
        return min((_entry_of(item) for item in self.items), key=lambda entry: entry.seq or 0)

    @property
    def last(self):
        return max((_entry_of(item) for item in self.items), key=lambda entry: entry.seq or 0)


def _entry_of(item) -> AuditEntry:
    return item.entry if isinstance(item, TrailEntry) else item


def fold_runs(items) -> list[EntryRun]:
    """Group consecutive items (entries or ``TrailEntry``) by action; a run of a folded action
    becomes one summary row. An entry that fails verification is never hidden in a fold."""
    runs: list[EntryRun] = []
    for item in items:
        entry = _entry_of(item)
        problem = isinstance(item, TrailEntry) and not item.ok
        previous = runs[-1] if runs else None
        if (
            previous is not None
            and not problem
            and entry.action in FOLDED_ACTIONS
            and previous.action == entry.action
            and (not previous.items or not (isinstance(previous.items[-1], TrailEntry) and not previous.items[-1].ok))
        ):
            previous.items.append(item)
        else:
            runs.append(EntryRun(entry.action, [item]))
    return runs


def trail_entries_filter(
    items: list[TrailEntry],
    *,
    action: str = "",
    actor: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[TrailEntry]:
    """One request's verified trail narrowed as ``audit_entries_filter`` narrows the whole one."""
    return [
        item
        for item in items
        if (not action or item.entry.action == action)
        and (not actor or item.entry.actor_username == actor)
        and (since is None or item.entry.created_at >= since)
        and (until is None or item.entry.created_at < until)
    ]


ERR_CHECKPOINT_LAG = (
    "The oldest entry no checkpoint covers is {age} s old (limit {limit} s): is the beat or the sequencer running?"
)


def checkpoint_lag_seconds(*, now=None) -> float:
    """How long the oldest entry not yet covered by a checkpoint has waited (0 when all are).

    A quiet system's newest checkpoint may be old and still cover everything: what matters for
    readiness is work that waits. Both look-ups use an index (the chain's ``seq``, pending entries)."""
    now = now or timezone.now()
    tree_size = AuditCheckpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first() or 0
    oldest = AuditEntry.objects.filter(seq=tree_size + 1).values_list("created_at", flat=True).first()
    if oldest is None:
        oldest = AuditEntry.objects.filter(seq__isnull=True).order_by("id").values_list("created_at", flat=True).first()
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def checkpoint_lag_problem() -> str:
    limit = settings.LAWREQ_READY_CHECKPOINT_MAX_AGE_SECONDS
    age = checkpoint_lag_seconds()
    return ERR_CHECKPOINT_LAG.format(age=int(age), limit=limit) if age > limit else ""
