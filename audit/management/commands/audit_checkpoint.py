from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.services import ChainBroken, audit_checkpoint_create


class Command(BaseCommand):
    help = "Verify the audit chain and sign a checkpoint now; the file goes to AUDIT_CHECKPOINT_DIR."

    def add_arguments(self, parser):
        parser.add_argument(
            "--ignore-previous",
            action="store_true",
            help="do not verify against the latest stored checkpoint (after a key rotation)",
        )

    def handle(self, *args, **options):
        try:
            checkpoint = audit_checkpoint_create(trust_previous=not options["ignore_previous"])
        except ChainBroken as exc:
            raise CommandError(str(exc), returncode=1)
        path = Path(settings.AUDIT_CHECKPOINT_DIR) / checkpoint.file_name
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint over {checkpoint.tree_size} entries, "
                f"root {checkpoint.merkle_root}, key {checkpoint.key_id}"
            )
        )
        self.stdout.write(str(path))
