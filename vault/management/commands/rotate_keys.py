from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from vault.crypto import development_key_add, key_ring
from vault.services import keys_rotate, sealed_values_count


class Command(BaseCommand):
    help = (
        "Re-encrypt every sealed value and file (targets, legal documents, snapshots, stored letters) "
        "to the newest key: the last one of "
        "LAWREQ_ENCRYPTION_KEYS. Values already under it are skipped, so an interrupted run can be repeated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="Development key file only: add a new key first, and rotate to it",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args, generate_key: bool = False, no_progress: bool = False, **options):
        try:
            if generate_key:
                self.stdout.write(f"Added development key '{development_key_add()}'.")
            current = key_ring().current_key_id
        except ImproperlyConfigured as problem:
            raise CommandError(str(problem))
        with tqdm(total=sealed_values_count(), unit="value", disable=no_progress, desc=f"to {current}") as bar:
            result = keys_rotate(progress=bar.update)
        total = sum(result.resealed.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {total} values to key '{result.key_id}' "
                f"({result.already_current} were already under it)."
            )
        )
        for label, count in result.resealed.items():
            self.stdout.write(f"  {label}: {count}")
        if result.refused:
            raise CommandError(
                f"{result.refused} values failed their integrity check and were left as they are "
                "(each is recorded in the audit trail)."
            )
