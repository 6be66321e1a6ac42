"""Once through a real Celery worker over Redis: submission is validated in the background."""

from __future__ import annotations

import os
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from lawreq.celery import app
from requests_app.models import State
from requests_app.services import legal_request_submit

REDIS_URL = os.environ.get("LAWREQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def redis_worker(settings):
    if not _redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "result_backend")}
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, result_backend=None)
    redis.Redis.from_url(REDIS_URL).flushdb()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(previous)


@pytest.mark.django_db(transaction=True)
def test_submission_is_validated_by_a_real_worker(redis_worker, draft_factory, officer_a):
    legal_request = draft_factory(officer_a)

    legal_request_submit(legal_request=legal_request, actor=officer_a)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        legal_request.refresh_from_db()
        if legal_request.state != State.RECEIVED:
            break
        time.sleep(0.1)
    assert legal_request.state in {State.IN_REVIEW, State.NEEDS_INFO}
