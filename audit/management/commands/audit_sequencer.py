"""The sequencer: chains committed pending audit entries in batches, and signs checkpoints when due.

Run one per installation (more are harmless: the chain lock lets one work at a time), with
``AUDIT_SEQUENCE_AFTER_COMMIT=0`` in the writers' environment so they never wait on the chain lock.
"""

from __future__ import annotations

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from audit.services import audit_sequencer_tick


class Command(BaseCommand):
    help = "Chain pending audit entries in batches (every AUDIT_SEQUENCER_POLL_MILLISECONDS) and sign due checkpoints."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--poll-ms", type=int, default=None, help="pause between passes that found nothing")

    def handle(self, *args, **options):
        poll = (options["poll_ms"] or settings.AUDIT_SEQUENCER_POLL_MILLISECONDS) / 1000
        if options["once"]:
            self.stdout.write(f"{audit_sequencer_tick()} entries chained")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        self.stdout.write(f"audit sequencer: polling every {poll * 1000:.0f} ms")
        try:
            while not stopping:
                if not audit_sequencer_tick():
                    time.sleep(poll)
        except KeyboardInterrupt:
            pass
        finally:
            connection.close()
