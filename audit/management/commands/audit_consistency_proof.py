"""Print the RFC 6962 consistency proof between two tree sizes, for a witness without database access.

manage.py audit_consistency_proof FIRST SECOND > proof.json   # then: witness ... --proof proof.json
"""

from __future__ import annotations

import orjson
from django.core.management.base import BaseCommand, CommandError

from audit.selectors import checkpoint_consistency_proof
from lawreq.errors import InvalidInput


class Command(BaseCommand):
    help = "Print the consistency proof (JSON list of hex hashes) from the tree of FIRST entries to SECOND."

    def add_arguments(self, parser):
        parser.add_argument("first", type=int)
        parser.add_argument("second", type=int)

    def handle(self, *args, **options):
        try:
            proof = checkpoint_consistency_proof(first=options["first"], second=options["second"])
        except InvalidInput as exc:
            raise CommandError(str(exc), returncode=1)
        self.stdout.write(orjson.dumps([node.hex() for node in proof]).decode())
