from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit.anchoring import audit_verify_anchored
from audit.checkpoints import CheckpointInvalid, checkpoint_read_file
from audit.keys import checkpoint_signing_key, load_public_key
from audit.models import AuditEntry
from audit.services import audit_sequence
from audit.verification import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Recompute the audit hash chain and compare it with the newest checkpoint exported to "
        "AUDIT_CHECKPOINT_DIR, the witnesses' co-signed ones and the latest stored one (or with --checkpoint FILE). "
        "Exit 0 when intact, 1 with the first bad entry named."
    )

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", metavar="FILE", help="only this checkpoint file kept outside the database")
        parser.add_argument(
            "--checkpoint-dir", metavar="DIR", help="the exported checkpoints (default AUDIT_CHECKPOINT_DIR)"
        )
        parser.add_argument(
            "--witnessed-dir", metavar="DIR", help="witness co-signatures (default AUDIT_CHECKPOINT_DIR/witnessed)"
        )
        parser.add_argument("--all-checkpoints", action="store_true", help="check every exported file, not the newest")
        parser.add_argument(
            "--public-key", metavar="PEM", help="the trusted checkpoint key (default: this installation's key)"
        )
        parser.add_argument(
            "--no-stored-checkpoint",
            action="store_true",
            help="the chain alone: no checkpoint, exported or stored (catches no truncation nor re-chaining)",
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
            single = (
                checkpoint_read_file(options["checkpoint"], trusted_key=trusted_key) if options["checkpoint"] else None
            )
        except (CheckpointInvalid, OSError, ValueError) as exc:
            raise CommandError(f"Audit checkpoint refused: {exc}", returncode=1)

        audit_sequence()
        total = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", flat=True).first()
        disable = True if options["no_progress"] else None  # None: only on a terminal
        # The raw stream, not self.stderr: Django would colour the bar as an error.
        with tqdm(total=total or 0, unit=" entries", unit_scale=True, disable=disable, file=sys.stderr) as bar:
            if single is not None or options["no_stored_checkpoint"]:
                result = audit_chain_verify(checkpoint=single, check_root=options["check_root"], progress=bar.update)
                ok, bad, problem, sources, checkpoint = result.ok, result.first_bad_seq, result.problem, [], single
                note = ""
            else:
                anchored = audit_verify_anchored(
                    checkpoint_dir=Path(options["checkpoint_dir"]) if options["checkpoint_dir"] else None,
                    witnessed_dir=Path(options["witnessed_dir"]) if options["witnessed_dir"] else None,
                    trusted_key=trusted_key,
                    every_file=options["all_checkpoints"],
                    check_root=options["check_root"],
                    progress=bar.update,
                )
                result = anchored.result
                ok, bad, problem = anchored.ok, anchored.bad_seq(), anchored.describe_problem()
                sources = [anchor.source for anchor in anchored.anchors]
                checkpoint = anchored.newest.checkpoint if anchored.newest else None
                note = anchored.note

        if not ok:
            where = f"at entry #{bad}" if bad is not None else "(checkpoints)"
            raise CommandError(
                f"Audit chain BROKEN {where}: {problem} ({result.entries_checked} entries verified before it)",
                returncode=1,
            )
        message = f"Audit chain intact: {result.entries_checked} entries"
        if checkpoint is not None:
            message += f"; the first {checkpoint.tree_size} match the checkpoint signed {checkpoint.created_at}"
            if options["check_root"]:
                message += f", Merkle root {checkpoint.merkle_root[:16]}... recomputed"
        self.stdout.write(self.style.SUCCESS(message))
        for source in sources:
            self.stdout.write(f"  checked against {source}")
        if note:
            self.stdout.write(self.style.WARNING(f"Warning: {note}"))
