from __future__ import annotations

from django.core.management.base import BaseCommand

from letters.retention import purge_expired


class Command(BaseCommand):
    help = (
        "Purge what the retention periods let go (disclosed snapshots, letters' PDFs, closed requests' documents), "
        "never anything under a legal or preservation hold; each purge is audited. --dry-run only lists it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would go (ref, kind, age); change nothing"
        )

    def handle(self, *args, dry_run: bool = False, **options):
        items = purge_expired(dry_run=dry_run)
        for item in items:
            self.stdout.write(f"{item.ref}\t{item.kind}\t{item.age_days} days")
        verb = "would be purged" if dry_run else "purged"
        self.stdout.write(self.style.SUCCESS(f"{len(items)} item(s) {verb}."))
