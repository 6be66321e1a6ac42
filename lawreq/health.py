"""Liveness and readiness for a load balancer: ``/healthz`` and ``/readyz``.

``/healthz`` answers while the process can answer (no database). ``/readyz`` asks the database, the
broker, and what the apps above register (``readiness_check_register``: the signing key opens, the
audit checkpoints keep up) and answers 503 when one fails. Both are anonymous and say nothing but
the names of the checks, ok or not, and a fixed reason: no secret, no personal data, no host name.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

# A check returns '' when all is well, else why not (logged in full, answered only as "failed").
ReadinessCheck = Callable[[], str]
_checks: dict[str, ReadinessCheck] = {}


def readiness_check_register(name: str, check: ReadinessCheck) -> None:
    _checks[name] = check


def database_problem() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return f"database: {error.__class__.__name__}"
    return ""


def broker_problem() -> str:
    """The broker accepts a connection (eager mode, the embedded default, has none to ask)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return ""
    from lawreq.celery import app

    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=settings.LAWREQ_READY_BROKER_TIMEOUT_SECONDS)
    except Exception as error:  # kombu raises transport-specific errors of every kind
        return f"broker: {error.__class__.__name__}"
    return ""


readiness_check_register("database", database_problem)
readiness_check_register("broker", broker_problem)


def readiness() -> dict[str, dict]:
    results: dict[str, dict] = {}
    for name, check in _checks.items():
        started = time.monotonic()
        try:
            problem = check()
        except Exception as error:  # a probe that fails is a failed check, never a 500
            problem = f"{error.__class__.__name__}"
        results[name] = {"ok": not problem, "ms": round((time.monotonic() - started) * 1000, 1)}
        if problem:
            logger.warning("readiness check %s failed: %s", name, problem)
    return results


def healthz() -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz() -> JsonResponse:
    checks = readiness()
    ready = all(result["ok"] for result in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


PROBES = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    """Answers the probes before any other middleware: a load balancer asks over plain HTTP, by
    address, without a session; no HTTPS redirect, host check, session, second factor or throttle
    applies, and a database that is down cannot turn a probe into a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info.rstrip("/") or "/")
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse({"detail": "Method not allowed."}, status=405)
            response["Allow"] = "GET, HEAD"
            return response
        response = probe()
        add_never_cache_headers(response)
        # A 503 is the probe's answer, its reasons already logged: not one more error line per probe.
        response._has_been_logged = True
        return response
