"""The sequencer: chains committed pending audit entries in batches, and signs checkpoints when due.

Run one per installation (more are harmless: the chain lock lets one work at a time), with
``AUDIT_SEQUENCE_AFTER_COMMIT=0`` in the writers' environment so they never wait on the chain lock.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from audit.services import ChainBroken, audit_checkpoint_create_if_due, audit_sequence, audit_sequencer_tick

logger = logging.getLogger(__name__)
CHECKPOINT_CHECK_SECONDS = 1.0


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
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        # Signing verifies the whole chain: on its own thread and connection, so chaining goes on.
        signer = threading.Thread(target=self._sign_when_due, args=(stopping,), daemon=True)
        signer.start()
        self.stdout.write(f"audit sequencer: polling every {poll * 1000:.0f} ms")
        try:
            while not stopping.is_set():
                began = time.monotonic()
                audit_sequence()
                # A pause after every pass, so each batch gathers what one interval brought
                # (the delay bound is the interval plus one pass), and the writers keep the CPU.
                time.sleep(max(0.0, poll - (time.monotonic() - began)))
        except KeyboardInterrupt:
            stopping.set()
        finally:
            connection.close()
            signer.join(timeout=60)

    def _sign_when_due(self, stopping: threading.Event) -> None:
        try:
            while not stopping.wait(CHECKPOINT_CHECK_SECONDS):
                try:
                    audit_checkpoint_create_if_due()
                except ChainBroken as exc:
                    logger.critical("audit checkpoint refused: %s", exc)
        finally:
            connection.close()
