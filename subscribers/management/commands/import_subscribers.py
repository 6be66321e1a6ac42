from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from subscribers.services import SubscriberImportError, subscribers_import


class Command(BaseCommand):
    help = (
        "Load platform accounts from a JSON Lines file (one account a line, see API.md). Every line is "
        "checked first; a bad line is reported with its number and field, and then nothing is loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args, file: Path, no_progress: bool = False, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        # Two passes over the file: validation, then loading.
        with tqdm(total=file.stat().st_size * 2, unit="B", unit_scale=True, disable=no_progress, desc="import") as bar:
            try:
                result = subscribers_import(path=file, progress=bar.update)
            except SubscriberImportError as refused:
                for error in refused.errors:
                    self.stderr.write(str(error))
                raise CommandError(f"{file}: refused, nothing was loaded.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.accounts} accounts, {result.phone_periods} phone periods, "
                f"{result.ip_events} IP events (sha256 {result.sha256})."
            )
        )
