from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rules.documents import RuleFileInvalid
from rules.services import rules_load


class Command(BaseCommand):
    help = "Load a rule file (YAML or JSON). A bad file is refused whole, naming each bad element; nothing changes."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            text = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}")
        try:
            report = rules_load(text=text, source=f"file:{file.name}")
        except RuleFileInvalid as exc:
            raise CommandError(f"{file}: refused, nothing was loaded.\n" + "\n".join(str(p) for p in exc.problems))
        for label in report.created:
            self.stdout.write(f"created {label}")
        self.stdout.write(
            self.style.SUCCESS(f"{len(report.created)} new version(s), {len(report.unchanged)} unchanged.")
        )
