"""A witness: a second party co-signs a checkpoint after checking it extends the last one it signed.

    manage.py witness --key ~/witness/key.pem --state ~/witness/state [--checkpoint FILE] [--log-key PEM]

The witness keeps its own state (the last checkpoint it co-signed, and the log key it pinned the
first time) outside the log operator's reach, and asks the log for an RFC 6962 consistency proof
between that checkpoint and the new one (from this installation's database, or ``--proof FILE``,
a JSON list of hex hashes). An inconsistent checkpoint is REJECTED: exit 1, nothing co-signed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.anchoring import default_witnessed_dir
from audit.canonical import format_timestamp
from audit.checkpoints import (
    PUBLIC_KEY_FILE,
    CheckpointInvalid,
    checkpoint_parse,
    exported_checkpoint_files,
)
from audit.keys import CheckpointKeyError, ed25519_key_at, key_id, load_public_key, public_key_pem
from audit.selectors import checkpoint_consistency_proof
from audit.witness import WitnessRejected, checkpoint_extends, cosign, cosignature_file_name
from lawreq.errors import InvalidInput

STATE_CHECKPOINT = "last-witnessed-checkpoint.json"
STATE_LOG_KEY = "log-public-key.pem"

ERR_NO_CHECKPOINT = "no checkpoint file to witness in {directory}"
ERR_LOG_KEY_CHANGED = (
    "the log key {found} is not the one this witness pinned ({pinned}); a key rotation is re-pinned only by hand"
)
REJECTED = "Checkpoint REJECTED: {problem}"


class Command(BaseCommand):
    help = "Co-sign an audit checkpoint after checking it is consistent with the last one this witness co-signed."

    def add_arguments(self, parser):
        parser.add_argument("--key", required=True, help="the witness's Ed25519 private key (PEM; created if missing)")
        parser.add_argument("--state", required=True, help="the witness's own folder (last co-signed checkpoint)")
        parser.add_argument("--checkpoint", help="the checkpoint file (default: the newest in AUDIT_CHECKPOINT_DIR)")
        parser.add_argument("--log-key", help="the log's public key (pinned on first use)")
        parser.add_argument("--proof", help="a consistency proof file (JSON list of hex); default: ask the database")
        parser.add_argument("--out", help="where to publish the co-signature (default AUDIT_CHECKPOINT_DIR/witnessed)")

    def handle(self, *args, **options):
        state = Path(options["state"])
        state.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            log_key = self._pinned_log_key(state, options["log_key"])
            path = self._checkpoint_path(options["checkpoint"])
            document = path.read_text()
            current = checkpoint_parse(document, trusted_key=log_key)
            previous_file = state / STATE_CHECKPOINT
            if previous_file.exists():
                previous = checkpoint_parse(previous_file.read_text(), trusted_key=log_key)
                checkpoint_extends(previous, current, self._proof(options["proof"], previous, current))
            witness_key = ed25519_key_at(options["key"])
        except (CheckpointInvalid, WitnessRejected, CheckpointKeyError, InvalidInput, OSError, ValueError) as exc:
            raise CommandError(REJECTED.format(problem=exc), returncode=1)

        cosignature = cosign(
            document=document,
            checkpoint=current,
            private_key=witness_key,
            witnessed_at=format_timestamp(timezone.now()),
        )
        name = cosignature_file_name(key_id(witness_key.public_key()), current.tree_size)
        out = Path(options["out"]) if options["out"] else default_witnessed_dir()
        for folder in (state, out):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            target = folder / name
            target.write_text(cosignature)
            target.chmod(0o600)
        shutil.copyfile(path, previous_file)
        previous_file.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint over {current.tree_size} entries co-signed by witness {key_id(witness_key.public_key())}"
            )
        )
        self.stdout.write(str(out / name))

    def _pinned_log_key(self, state: Path, given: str | None):
        pinned_file = state / STATE_LOG_KEY
        if given:
            key = load_public_key(given)
        elif pinned_file.exists():
            key = load_public_key(pinned_file)
        else:
            key = load_public_key(Path(settings.AUDIT_CHECKPOINT_DIR) / PUBLIC_KEY_FILE)
        if pinned_file.exists():
            pinned = load_public_key(pinned_file)
            if key_id(pinned) != key_id(key):
                raise WitnessRejected(ERR_LOG_KEY_CHANGED.format(found=key_id(key), pinned=key_id(pinned)))
        else:
            pinned_file.write_bytes(public_key_pem(key))
        return key

    def _checkpoint_path(self, given: str | None) -> Path:
        if given:
            return Path(given)
        files = exported_checkpoint_files(settings.AUDIT_CHECKPOINT_DIR)
        if not files:
            raise WitnessRejected(ERR_NO_CHECKPOINT.format(directory=settings.AUDIT_CHECKPOINT_DIR))
        return files[-1]

    def _proof(self, given: str | None, previous, current) -> list[bytes]:
        if current.tree_size <= previous.tree_size:
            return []
        if given:
            return [bytes.fromhex(item) for item in orjson.loads(Path(given).read_bytes())]
        return checkpoint_consistency_proof(first=previous.tree_size, second=current.tree_size)
