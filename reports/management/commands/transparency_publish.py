from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lawreq.errors import Conflict
from reports.transparency import transparency_publish


class Command(BaseCommand):
    help = (
        "Publish the transparency dataset (data.json, data.csv) computed at the latest audit checkpoint, "
        "signed with the checkpoint key."
    )

    def handle(self, *args, **options):
        try:
            publication = transparency_publish()
        except Conflict as exc:
            raise CommandError(str(exc), returncode=2)
        self.stdout.write(
            self.style.SUCCESS(
                f"Transparency dataset published at the checkpoint of {publication.tree_size} entries, "
                f"root {publication.root_hash}, key {publication.key_id}"
            )
        )
