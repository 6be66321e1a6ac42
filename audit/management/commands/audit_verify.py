from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit.checkpoints import CheckpointInvalid, checkpoint_read_file
from audit.keys import checkpoint_signing_key, load_public_key
from audit.models import AuditEntry
from audit.services import latest_stored_checkpoint
from audit.verification import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Recompute the audit hash chain; with --checkpoint also compare it with a signed checkpoint. "
        "Exit 0 when intact, 1 with the first bad entry named."
    )

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", metavar="FILE", help="a checkpoint file kept outside the database")
        parser.add_argument(
            "--public-key", metavar="PEM", help="the trusted checkpoint key (default: this installation's key)"
        )
        parser.add_argument(
            "--no-stored-checkpoint",
            action="store_true",
            help="without --checkpoint, do not compare with the latest checkpoint stored in the database",
        )
        parser.add_argument(
            "--check-root",
            action="store_true",
            help="also recompute the checkpoint's Merkle root (the anchors and head hash already prove the entries)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        try:
            trusted_key = (
                load_public_key(options["public_key"])
                if options["public_key"]
                else checkpoint_signing_key().public_key()
            )
            if options["checkpoint"]:
                checkpoint = checkpoint_read_file(options["checkpoint"], trusted_key=trusted_key)
            elif options["no_stored_checkpoint"]:
                checkpoint = None
            else:
                checkpoint = latest_stored_checkpoint()
        except (CheckpointInvalid, OSError, ValueError) as exc:
            raise CommandError(f"Audit checkpoint refused: {exc}", returncode=1)

        total = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        disable = True if options["no_progress"] else None  # None: only on a terminal
        # The raw stream, not self.stderr: Django would colour the bar as an error.
        with tqdm(total=total, unit=" entries", unit_scale=True, disable=disable, file=sys.stderr) as bar:
            result = audit_chain_verify(checkpoint=checkpoint, check_root=options["check_root"], progress=bar.update)

        if not result.ok:
            raise CommandError(
                f"Audit chain BROKEN at entry #{result.first_bad_seq}: {result.problem} "
                f"({result.entries_checked} entries verified before it)",
                returncode=1,
            )
        message = f"Audit chain intact: {result.entries_checked} entries"
        if checkpoint is not None:
            message += f"; the first {checkpoint.tree_size} match the checkpoint signed {checkpoint.created_at}"
            if options["check_root"]:
                message += f", Merkle root {checkpoint.merkle_root[:16]}... recomputed"
        self.stdout.write(self.style.SUCCESS(message))
