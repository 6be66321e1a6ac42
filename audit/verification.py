"""Recompute the hash chain (and, against a checkpoint, the anchors and the Merkle root).

Rows are streamed from a server-side cursor as plain tuples, ``details`` as JSON text parsed with
orjson: model instances and Django's JSON decoding would cost more than the hashing itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import orjson
from django.db import connection
from django.db.models import F, Func, TextField, Value
from django.db.models.functions import Cast

from audit.canonical import GENESIS_HASH, format_timestamp
from audit.checkpoints import Checkpoint
from audit.merkle import LEAF_PREFIX, MerkleAccumulator
from audit.models import AuditEntry

PROBLEM_GAP = "entry #{expected} is missing: the next entry in the log is #{found}"
PROBLEM_CONTENT = "entry #{seq} was altered: its content does not match its hash"
PROBLEM_LINK = (
    "entry #{seq} does not follow entry #{previous}: its previous hash differs "
    "(an entry was altered, removed, inserted or reordered)"
)
PROBLEM_REWRITTEN = "entry #{seq} differs from the signed checkpoint: the log was rewritten from here on"
PROBLEM_REWRITTEN_WINDOW = (
    "entry #{seq} differs from the signed checkpoint: the log was rewritten at an entry between #{first} and #{seq}"
)
PROBLEM_TRUNCATED = (
    "the log ends at #{last} but the checkpoint covers #{size}: entries #{first} to #{size} were removed"
)
PROBLEM_ROOT = "the Merkle root over the first {size} entries differs from the checkpoint"

# The fields an entry's hash covers, as the database gives them back (timestamp and details as text).
CONTENT_FIELDS = (
    "created_text",
    "actor_id",
    "actor_username",
    "role",
    "action",
    "object_type",
    "object_id",
    "request_ref",
    "details_text",
)
STREAM_FIELDS = ("seq", *CONTENT_FIELDS, "prev_hash", "entry_hash")
PROGRESS_EVERY = 10_000


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    entries_checked: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_hash: str = GENESIS_HASH
    checkpoint_size: int | None = None
    # Filled when the walk built a checkpoint: the root over the first ``upto`` entries and anchors.
    merkle_root: str = ""
    anchors: list[str] = field(default_factory=list)


def created_at_text():
    """On PostgreSQL the database writes the canonical timestamp itself: cheaper than building a
    datetime per row and formatting it again (``format_timestamp`` gives the same text)."""
    if connection.vendor == "postgresql":
        return Func(
            F("created_at"),
            Value('YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            function="to_char",
            template="%(function)s(%(expressions)s)",
            arg_joiner=" AT TIME ZONE 'UTC', ",
            output_field=TextField(),
        )
    return F("created_at")


def stream_chain_rows(*, chunk_size: int = 10_000, start: int = 1, upto: int | None = None) -> Iterator[tuple]:
    """Entries in sequence order as tuples of ``STREAM_FIELDS``, through a server-side cursor."""
    queryset = (
        AuditEntry.objects.filter(seq__isnull=False)
        .order_by("seq")
        .annotate(details_text=Cast("details", TextField()), created_text=created_at_text())
    )
    if start > 1:
        queryset = queryset.filter(seq__gte=start)
    if upto is not None:
        queryset = queryset.filter(seq__lte=upto)
    return queryset.values_list(*STREAM_FIELDS).iterator(chunk_size=chunk_size)


def verify_chain_rows(
    rows: Iterable[tuple],
    *,
    checkpoint: Checkpoint | None = None,
    check_root: bool = False,
    build_upto: int | None = None,
    build_interval: int = 1,
    progress: Callable[[int], None] | None = None,
) -> ChainVerification:
    """Walk the chain from the genesis and name the first entry that does not fit.

    With ``checkpoint`` the first ``tree_size`` entries must also match its anchors and head hash;
    that alone proves they are the entries it signed (each hash commits to all before it).
    ``check_root`` also recomputes its Merkle root, which can only catch a signer that computed
    it wrongly, at the cost of two more hashes per entry. With ``build_upto`` the walk collects
    what a new checkpoint signs.
    """
    sha256, dumps, loads, sort = hashlib.sha256, orjson.dumps, orjson.loads, orjson.OPT_SORT_KEYS
    fromhex = bytes.fromhex
    checkpoint_size = checkpoint.tree_size if checkpoint else 0
    merkle_upto = max(checkpoint_size if check_root else 0, build_upto or 0)
    anchor_interval = checkpoint.anchor_interval if checkpoint else 0
    merkle = MerkleAccumulator()
    built_root, built_anchors = "", []
    expected, previous = 1, GENESIS_HASH

    def failed(seq: int, problem: str) -> ChainVerification:
        return ChainVerification(False, expected - 1, seq, problem, previous, checkpoint_size or None)

    for seq, created_at, actor_id, username, role, action, object_type, object_id, ref, details, prev, stored in rows:
        if seq != expected:
            return failed(expected, PROBLEM_GAP.format(expected=expected, found=seq))
        body = dumps(
            {
                "seq": seq,
                "created_at": created_at if created_at.__class__ is str else format_timestamp(created_at),
                "actor_id": actor_id,
                "actor_username": username,
                "role": role,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "request_ref": ref,
                "details": loads(details) if isinstance(details, str) else details,
                "prev_hash": prev,
            },
            option=sort,
        )
        # Comparing raw digests: hexdigest() alone costs about a third of the hash.
        try:
            intact = sha256(body).digest() == fromhex(stored)
        except ValueError:  # the stored hash is not even hexadecimal
            intact = False
        if not intact:
            return failed(seq, PROBLEM_CONTENT.format(seq=seq))
        if prev != previous:
            return failed(seq, PROBLEM_LINK.format(seq=seq, previous=seq - 1))
        if seq <= checkpoint_size:
            anchor = checkpoint.anchors[seq // anchor_interval - 1] if not seq % anchor_interval else None
            if seq == checkpoint_size:
                anchor = checkpoint.head_hash
            if anchor is not None and anchor != stored:
                if anchor_interval == 1:
                    return failed(seq, PROBLEM_REWRITTEN.format(seq=seq))
                first = seq - (seq - 1) % anchor_interval
                return failed(first, PROBLEM_REWRITTEN_WINDOW.format(seq=seq, first=first))
        if seq <= merkle_upto:
            merkle.append(sha256(LEAF_PREFIX + fromhex(stored)).digest())
            if check_root and seq == checkpoint_size and merkle.root().hex() != checkpoint.merkle_root:
                return failed(seq, PROBLEM_ROOT.format(size=seq))
            if build_upto is not None:
                if not seq % build_interval:
                    built_anchors.append(stored)
                if seq == build_upto:
                    built_root = merkle.root().hex()
        previous, expected = stored, seq + 1
        if progress is not None and not seq % PROGRESS_EVERY:
            progress(PROGRESS_EVERY)
    last = expected - 1
    if progress is not None and last % PROGRESS_EVERY:
        progress(last % PROGRESS_EVERY)
    if last < checkpoint_size:
        problem = PROBLEM_TRUNCATED.format(last=last, size=checkpoint_size, first=last + 1)
        return ChainVerification(False, last, last + 1, problem, previous, checkpoint_size)
    if build_upto == 0:
        built_root = merkle.root().hex()
    return ChainVerification(
        True, last, None, "", previous, checkpoint_size or None, merkle_root=built_root, anchors=built_anchors
    )


def audit_chain_verify(
    *,
    checkpoint: Checkpoint | None = None,
    check_root: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ChainVerification:
    return verify_chain_rows(stream_chain_rows(), checkpoint=checkpoint, check_root=check_root, progress=progress)
