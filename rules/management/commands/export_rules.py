from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lawreq.errors import NotFound
from rules.services import rules_export


class Command(BaseCommand):
    help = "Write the rule sets in force and their history of periods as a rule file (YAML) that load_rules reads."

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", help="Only this rule set: a jurisdiction code, 'platform' or 'fallback'")
        parser.add_argument("--output", type=Path, help="Write to this file instead of standard output")

    def handle(self, *args, jurisdiction: str | None = None, output: Path | None = None, **options):
        try:
            text = rules_export(jurisdiction_code=jurisdiction)
        except NotFound as exc:
            raise CommandError(exc.message)
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text, encoding="utf-8")
