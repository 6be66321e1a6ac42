"""The Celery app of the fault tests' worker processes: lawreq's own, with one hook. While the file
named by ``LAWREQ_FAULTS_SLOW_SIGN_MARKER`` exists, the next signature removes it and hangs (for
``LAWREQ_FAULTS_HANG_SECONDS``, default 600), so that a test can kill the worker, or drop its
database connection, in the middle of a letter."""

from __future__ import annotations

import os
import time

from celery.signals import worker_init

from lawreq.celery import app

__all__ = ["app"]

SLOW_SIGN_MARKER = "LAWREQ_FAULTS_SLOW_SIGN_MARKER"
HANG_SECONDS = "LAWREQ_FAULTS_HANG_SECONDS"


@worker_init.connect
def _hang_the_next_signature(**_signal) -> None:
    marker = os.environ.get(SLOW_SIGN_MARKER)
    if not marker:
        return
    from letters import services

    sign = services.pdf_sign

    def hanging_sign(*args, **kwargs):
        if os.path.exists(marker):
            os.remove(marker)
            time.sleep(float(os.environ.get(HANG_SECONDS, "600")))
        return sign(*args, **kwargs)

    services.pdf_sign = hanging_sign
