"""Witness co-signatures: a second party's signature on a checkpoint it checked to be consistent
(RFC 6962 consistency proof) with the previous one it co-signed.

A co-signature file carries the checkpoint document itself, so it is also a copy of the checkpoint
kept by someone the database administrator does not control.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.canonical import canonical_bytes
from audit.checkpoints import Checkpoint, checkpoint_parse
from audit.keys import key_id, public_key_pem
from audit.merkle import verify_consistency

WITNESS_FORMAT = "lawreq-audit-witness/1"
WITNESS_FILE_PREFIX = "witness-"

ERR_UNREADABLE = "the file is not a lawreq witness co-signature"
ERR_WITNESS_SIGNATURE = "the witness signature does not match"
ERR_SMALLER = "the checkpoint covers {new} entries, fewer than the {old} already witnessed: the log shrank"
ERR_SAME_SIZE_OTHER_ROOT = "the checkpoint covers the same {size} entries as the one witnessed, with another root"
ERR_INCONSISTENT = (
    "the checkpoint over {new} entries is not an extension of the one witnessed over {old}: "
    "the consistency proof does not hold (history was rewritten)"
)


class WitnessRejected(ValueError):
    pass


@dataclass(frozen=True)
class Cosignature:
    checkpoint: Checkpoint
    document: str
    witness_key_id: str
    witnessed_at: str


def checkpoint_extends(previous: Checkpoint, current: Checkpoint, proof: list[bytes]) -> None:
    """Raise ``WitnessRejected`` unless ``current`` is ``previous`` with entries appended."""
    if current.tree_size < previous.tree_size:
        raise WitnessRejected(ERR_SMALLER.format(new=current.tree_size, old=previous.tree_size))
    if current.tree_size == previous.tree_size:
        if current.merkle_root != previous.merkle_root or current.head_hash != previous.head_hash:
            raise WitnessRejected(ERR_SAME_SIZE_OTHER_ROOT.format(size=current.tree_size))
        return
    if not verify_consistency(
        previous.tree_size,
        current.tree_size,
        proof,
        bytes.fromhex(previous.merkle_root),
        bytes.fromhex(current.merkle_root),
    ):
        raise WitnessRejected(ERR_INCONSISTENT.format(new=current.tree_size, old=previous.tree_size))


def _body(document: str, witness_key: Ed25519PublicKey, witnessed_at: str, checkpoint: Checkpoint) -> dict:
    return {
        "format": WITNESS_FORMAT,
        "checkpoint_sha256": hashlib.sha256(document.encode()).hexdigest(),
        "tree_size": checkpoint.tree_size,
        "merkle_root": checkpoint.merkle_root,
        "witness_key_id": key_id(witness_key),
        "witnessed_at": witnessed_at,
    }


def cosign(*, document: str, checkpoint: Checkpoint, private_key: Ed25519PrivateKey, witnessed_at: str) -> str:
    body = _body(document, private_key.public_key(), witnessed_at, checkpoint)
    signature = base64.b64encode(private_key.sign(canonical_bytes(body))).decode()
    full = {
        **body,
        "signature": signature,
        "witness_public_key": public_key_pem(private_key.public_key()).decode(),
        "checkpoint": document,
    }
    return orjson.dumps(full, option=orjson.OPT_INDENT_2).decode() + "\n"


def cosignature_parse(
    text: str | bytes, *, log_key: Ed25519PublicKey, witness_key: Ed25519PublicKey | None = None
) -> Cosignature:
    """Check the co-signature (with ``witness_key`` if given, else the key the file names) and the
    checkpoint inside it (with the log's key)."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        full = orjson.loads(text)
        if full.get("format") != WITNESS_FORMAT:
            raise WitnessRejected(ERR_UNREADABLE)
        document = str(full["checkpoint"])
        key = witness_key or load_pem_public_key(full["witness_public_key"].encode())
        signature = base64.b64decode(full["signature"], validate=True)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, WitnessRejected):
            raise
        raise WitnessRejected(ERR_UNREADABLE)
    checkpoint = checkpoint_parse(document, trusted_key=log_key)
    body = _body(document, key, str(full.get("witnessed_at", "")), checkpoint)
    if body["witness_key_id"] != full.get("witness_key_id"):
        raise WitnessRejected(ERR_WITNESS_SIGNATURE)
    try:
        key.verify(signature, canonical_bytes(body))
    except InvalidSignature:
        raise WitnessRejected(ERR_WITNESS_SIGNATURE)
    return Cosignature(checkpoint, document, body["witness_key_id"], body["witnessed_at"])


def cosignature_files(directory: str | Path) -> list[Path]:
    folder = Path(directory)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith(WITNESS_FILE_PREFIX) and p.suffix == ".json")


def cosignature_file_name(witness_key_id: str, tree_size: int) -> str:
    return f"{WITNESS_FILE_PREFIX}{witness_key_id}-{tree_size:012d}.json"
