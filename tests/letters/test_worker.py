"""Once through a real Celery worker over Redis: a transient failure is retried, then the letter issued."""

from __future__ import annotations

import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import connection

from lawreq.celery import app
from letters.models import Response, ResponseStatus
from requests_app.states import State
from tests.conftest import REDIS_URL
from workflow import tasks

SQLITE_SKIP = "a worker thread does not reliably share SQLite's in-memory test database; runs on PostgreSQL"


def _redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def redis_queue(settings):
    """Tasks go to Redis (no worker yet): the test decides when a worker starts."""
    if connection.vendor == "sqlite":
        pytest.skip(SQLITE_SKIP)
    if not _redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "result_backend")}
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, result_backend=None)
    # Producers made earlier in the process under the in-memory broker would otherwise be reused
    # (by .delay here and by the worker's retry): drop them, as Celery does after a fork.
    app._after_fork()
    redis.Redis.from_url(REDIS_URL).flushdb()
    yield
    app.conf.update(previous)
    app._after_fork()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_retries_an_unavailable_timestamp_authority_then_issues_the_letter(
    redis_queue, settings, timestamp_authority, decided_factory, officer_a, account, monkeypatch
):
    # given: an approved request, the tasks its filing queued dropped; an authority that answers 503 once
    legal_request = decided_factory(officer_a)
    redis.Redis.from_url(REDIS_URL).flushdb()
    settings.LAWREQ_TIMESTAMP_URL = timestamp_authority.url
    settings.LAWREQ_SIGNING_TRUST_ROOTS = str(timestamp_authority.root_pem)
    monkeypatch.setattr(tasks, "BACKOFF_BASE_SECONDS", 0)  # retry at once rather than in 5 to 10 s
    timestamp_authority.fail_next(1)
    seen = len(timestamp_authority.requests)

    # when
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        tasks.issue_response.delay(legal_request.pk)
        deadline = time.monotonic() + 60
        response = None
        while time.monotonic() < deadline:
            response = Response.objects.filter(legal_request=legal_request).first()
            if response is not None and response.status not in (ResponseStatus.QUEUED, ResponseStatus.CLAIMED):
                break
            time.sleep(0.2)

    # then
    assert response is not None and response.status == ResponseStatus.STORED, response and response.error
    assert response.attempts == 2 and response.timestamped
    assert len(timestamp_authority.requests) == seen + 2
    legal_request.refresh_from_db()
    assert legal_request.state == State.RESPONDED
