"""The checkpoint file an auditor keeps: a signed statement of the log's size, head and Merkle root.

It also carries *anchors*: the entry hash at every ``anchor_interval``-th sequence number. A
superuser who rewrites history and recomputes every hash after it produces a chain that is
consistent in itself; the anchors say where it stops matching what was signed (exactly, while the
log holds no more than ``AUDIT_CHECKPOINT_ANCHORS`` entries, otherwise to within one interval).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.canonical import canonical_bytes
from audit.keys import key_id

FORMAT = "lawreq-audit-checkpoint/1"
PUBLIC_KEY_FILE = "audit-checkpoint-public-key.pem"
FILE_PREFIX = "audit-checkpoint-"
FILE_SUFFIX = ".json"
DEFAULT_MAX_ANCHORS = 4096

ERR_UNREADABLE = "the checkpoint file is not a lawreq audit checkpoint"
ERR_OTHER_KEY = "the checkpoint was signed by key {found}, not by the trusted key {trusted}"
ERR_SIGNATURE = "the checkpoint's signature does not match its content"
ERR_ANCHORS = "the checkpoint's anchors do not fit its size"

_FIELDS = (
    "format",
    "log",
    "tree_size",
    "head_hash",
    "merkle_root",
    "created_at",
    "anchor_interval",
    "anchors",
    "key_id",
)


class CheckpointInvalid(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    log: str
    tree_size: int
    head_hash: str
    merkle_root: str
    created_at: str
    anchor_interval: int
    anchors: tuple[str, ...]
    key_id: str
    signature: str

    @property
    def signed_at(self) -> dt.datetime:
        """When it was signed, as a moment (``created_at`` keeps the signed ISO text)."""
        return dt.datetime.fromisoformat(self.created_at)

    def body(self) -> dict:
        return {
            "format": FORMAT,
            "log": self.log,
            "tree_size": self.tree_size,
            "head_hash": self.head_hash,
            "merkle_root": self.merkle_root,
            "created_at": self.created_at,
            "anchor_interval": self.anchor_interval,
            "anchors": list(self.anchors),
            "key_id": self.key_id,
        }

    def anchor_at(self, seq: int) -> str | None:
        if seq % self.anchor_interval:
            return None
        return self.anchors[seq // self.anchor_interval - 1]

    def to_json(self) -> str:
        document = {**self.body(), "signature": self.signature}
        return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"


def checkpoint_file_name(tree_size: int, created_at) -> str:
    """Sorting the names sorts the checkpoints by size, then time."""
    return f"{FILE_PREFIX}{tree_size:012d}-{created_at:%Y%m%dT%H%M%S%fZ}{FILE_SUFFIX}"


def timestamp_file_name(checkpoint_file: str) -> str:
    return checkpoint_file.removesuffix(FILE_SUFFIX) + ".tsr"


def exported_checkpoint_files(directory: str | Path) -> list[Path]:
    """The checkpoint files in ``directory``, oldest (smallest) first."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.name.startswith(FILE_PREFIX) and path.name.endswith(FILE_SUFFIX) and path.is_file()
    )


def anchor_interval_for(tree_size: int, max_anchors: int = DEFAULT_MAX_ANCHORS) -> int:
    """The smallest power of two that keeps the anchor list within ``max_anchors``."""
    needed = max(1, math.ceil(tree_size / max(1, max_anchors)))
    return 1 << (needed - 1).bit_length()


def checkpoint_sign(
    *,
    log: str,
    tree_size: int,
    head_hash: str,
    merkle_root: str,
    created_at: str,
    anchor_interval: int,
    anchors: list[str],
    private_key: Ed25519PrivateKey,
) -> Checkpoint:
    unsigned = Checkpoint(
        log=log,
        tree_size=tree_size,
        head_hash=head_hash,
        merkle_root=merkle_root,
        created_at=created_at,
        anchor_interval=anchor_interval,
        anchors=tuple(anchors),
        key_id=key_id(private_key.public_key()),
        signature="",
    )
    signature = private_key.sign(canonical_bytes(unsigned.body()))
    return Checkpoint(**{**unsigned.__dict__, "signature": base64.b64encode(signature).decode()})


def checkpoint_parse(text: str | bytes, *, trusted_key: Ed25519PublicKey) -> Checkpoint:
    """Read a checkpoint and check its signature against the key the auditor trusts."""
    try:
        document = orjson.loads(text)
        if document.get("format") != FORMAT:
            raise CheckpointInvalid(ERR_UNREADABLE)
        checkpoint = Checkpoint(
            log=str(document["log"]),
            tree_size=int(document["tree_size"]),
            head_hash=str(document["head_hash"]),
            merkle_root=str(document["merkle_root"]),
            created_at=str(document["created_at"]),
            anchor_interval=int(document["anchor_interval"]),
            anchors=tuple(str(item) for item in document["anchors"]),
            key_id=str(document["key_id"]),
            signature=str(document["signature"]),
        )
        signature = base64.b64decode(checkpoint.signature, validate=True)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, CheckpointInvalid):
            raise
        raise CheckpointInvalid(ERR_UNREADABLE)
    if set(document) - {*_FIELDS, "signature"}:
        raise CheckpointInvalid(ERR_UNREADABLE)
    trusted_id = key_id(trusted_key)
    if checkpoint.key_id != trusted_id:
        raise CheckpointInvalid(ERR_OTHER_KEY.format(found=checkpoint.key_id, trusted=trusted_id))
    try:
        trusted_key.verify(signature, canonical_bytes(checkpoint.body()))
    except InvalidSignature:
        raise CheckpointInvalid(ERR_SIGNATURE)
    interval = checkpoint.anchor_interval
    if interval < 1 or interval & (interval - 1) or len(checkpoint.anchors) != checkpoint.tree_size // interval:
        raise CheckpointInvalid(ERR_ANCHORS)
    return checkpoint


def checkpoint_read_file(path: str | Path, *, trusted_key: Ed25519PublicKey) -> Checkpoint:
    try:
        text = Path(path).read_bytes()
    except OSError:
        raise CheckpointInvalid(ERR_UNREADABLE)
    return checkpoint_parse(text, trusted_key=trusted_key)
