"""Issue 15: faults injected on real components. Real ``celery worker`` processes (started and killed
by the tests) over a real Redis (its own database index, ``LAWREQ_FAULTS_REDIS_URL``), on the test's
PostgreSQL database; a broker that is down is a closed port. Nothing here stops or restarts the shared
PostgreSQL or Redis servers: a dropped database connection is ``pg_terminate_backend`` on this test
database's own connections.

Marked ``faults`` (CI runs them on PostgreSQL and Redis); each test commits (``transaction=True``) so
that the worker processes see its data.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEntry
from lawreq.middleware import DATABASE_UNAVAILABLE
from letters.models import Response, ResponseStatus
from requests_app.models import LegalRequest
from requests_app.states import State
from tests.conftest import api_client, draft_create
from tests.letters.conftest import PASSPHRASE, decided_create
from tests.letters.fault_worker import HANG_SECONDS, SLOW_SIGN_MARKER
from tests.letters.test_resilience import CLOSED_BROKER, LATER, celery_conf
from workflow.services import do_sweep

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _faults_redis_url() -> str:
    """Index 10 (or ``LAWREQ_FAULTS_REDIS_URL``), one lower per xdist worker, as the suite's own Redis URL."""
    base = os.environ.get("LAWREQ_FAULTS_REDIS_URL", "redis://127.0.0.1:6379/10")
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    prefix, _, db = base.rpartition("/")
    return f"{prefix}/{int(db) - index}"


FAULTS_REDIS_URL = _faults_redis_url()
# Short, so that a test sees in seconds what production sees in minutes.
VISIBILITY_TIMEOUT_SECONDS = 5
CLAIM_LEASE_SECONDS = 5
WAIT_SECONDS = 120


@pytest.fixture(autouse=True)
def _real_components():
    if connection.vendor != "postgresql":
        pytest.skip("the fault tests run on PostgreSQL")
    try:
        redis.Redis.from_url(FAULTS_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {FAULTS_REDIS_URL}")
    redis.Redis.from_url(FAULTS_REDIS_URL).flushdb()
    yield
    redis.Redis.from_url(FAULTS_REDIS_URL).flushdb()


@pytest.fixture
def live_broker():
    """Tasks sent from the test go to the fault tests' Redis."""
    transport = {"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS, "socket_connect_timeout": 2, "socket_timeout": 5}
    with celery_conf(broker_url=FAULTS_REDIS_URL, task_always_eager=False, broker_transport_options=transport):
        yield


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, nothing written on the way out."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(settings, signing_keys_dir, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start real ``celery worker`` processes on the test database and the fault tests' Redis."""
    workers: list[Worker] = []

    def start(name: str, *, hang_next_signature: Path | None = None, hang_seconds: int = 600) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "600",  # kept connections, as in production: they must survive a drop
            "CELERY_BROKER_URL": FAULTS_REDIS_URL,
            "LAWREQ_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_TIMEOUT_SECONDS),
            "LAWREQ_UNACKED_RESTORE_SECONDS": "1",
            "LAWREQ_RESPONSE_CLAIM_LEASE_SECONDS": str(CLAIM_LEASE_SECONDS),
            "LAWREQ_KEYS_DIR": str(signing_keys_dir),
            "LAWREQ_SIGNING_P12": str(signing_keys_dir / "signing.p12"),
            "LAWREQ_SIGNING_PASSPHRASE": PASSPHRASE,
            "LAWREQ_TIMESTAMP_URL": "",
            "LAWREQ_ENCRYPTION_KEYS": settings.LAWREQ_ENCRYPTION_KEYS,
            SLOW_SIGN_MARKER: str(hang_next_signature or ""),
            HANG_SECONDS: str(hang_seconds),
        }
        log = tmp_path / f"{name}.log"
        command = [sys.executable, "-m", "celery", "-A", "tests.letters.fault_worker", "worker", "-P", "solo"]
        command += ["-n", f"{name}@faults", "--without-gossip", "--without-mingle", "--loglevel", "INFO"]
        process = subprocess.Popen(
            command,
            env=env,
            cwd=django_settings.BASE_DIR,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = Worker(name=name, process=process, log=log)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_for(condition: Callable[[], object], *, what: str, workers: list[Worker], seconds: float = WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    logs = "\n".join(f"--- {w.name}\n{w.log.read_text()[-3000:]}" for w in workers)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def response_of(legal_request: LegalRequest) -> Response | None:
    return Response.objects.filter(legal_request=legal_request).first()


def letters_issued(legal_request: LegalRequest) -> int:
    return AuditEntry.objects.filter(request_ref=legal_request.ref, action=AuditAction.RESPONSE_ISSUED).count()


def test_a_worker_killed_mid_letter_the_letter_is_made_by_another_worker_once(
    live_broker, start_worker, shipped_rules, officer_a, analyst, reviewer, account, tmp_path
):
    # given: worker A will hang in the middle of the next signature
    marker = tmp_path / "hang-next-signature"
    marker.touch()
    worker_a = start_worker("a", hang_next_signature=marker)

    # when: a reviewer approves; A claims the letter and hangs while signing; A is killed
    legal_request = decided_create(officer_a, analyst=analyst, reviewer=reviewer)
    wait_for(lambda: not marker.exists(), what="worker A signing", workers=[worker_a])
    assert response_of(legal_request).status == ResponseStatus.CLAIMED
    worker_a.kill()
    killed_at = time.monotonic()
    worker_b = start_worker("b")

    # then: B gets the task again (after the visibility timeout) and makes the letter, once
    wait_for(
        lambda: response_of(legal_request).status == ResponseStatus.STORED,
        what="the letter from worker B",
        workers=[worker_a, worker_b],
    )
    redelivered_after = time.monotonic() - killed_at
    legal_request.refresh_from_db()
    assert legal_request.state == State.RESPONDED
    assert letters_issued(legal_request) == 1
    assert Response.objects.filter(legal_request=legal_request).count() == 1
    assert redelivered_after < 60, redelivered_after  # seconds here; minutes in production, never an hour
    assert "issue_response" in worker_b.log.read_text()


def test_the_broker_down_at_submission_and_approval_then_the_sweep_makes_the_work_run_once(
    start_worker, shipped_rules, officer_a, analyst, reviewer, account
):
    legal_request = draft_create(officer_a)
    worker = start_worker("sweeper")

    # when: the officer submits while the broker is down
    with celery_conf(broker_url=CLOSED_BROKER, task_always_eager=False):
        reply = api_client(officer_a).post(f"/api/v1/requests/{legal_request.ref}/submit/", {}, format="json")
    # then: recorded and answered
    assert reply.status_code == 200, reply.content
    legal_request.refresh_from_db()
    assert legal_request.state == State.RECEIVED

    # when: the broker is back and the beat's sweep runs
    with celery_conf(broker_url=FAULTS_REDIS_URL, task_always_eager=False):
        assert do_sweep(now=timezone.now() + LATER).validations == [legal_request.pk]
    wait_for(
        lambda: LegalRequest.objects.get(pk=legal_request.pk).state == State.IN_REVIEW,
        what="the validation",
        workers=[worker],
    )

    # when: the analyst proposes and the reviewer approves while the broker is down
    with celery_conf(broker_url=CLOSED_BROKER, task_always_eager=False):
        proposal = api_client(analyst).post(
            f"/api/v1/requests/{legal_request.ref}/proposal/",
            {
                "decision": "disclose",
                "categories": ["ip_addresses", "phone_number"],
                "date_from": "2026-10-01",
                "date_to": "2026-11-01",
                "reason": "Proportionate.",
            },
            format="json",
        )
        assert proposal.status_code in (200, 201), proposal.content
        approval = api_client(reviewer).post(
            f"/api/v1/requests/{legal_request.ref}/approval/", {"approve": True, "comment": "Agreed."}, format="json"
        )
    assert approval.status_code == 200, approval.content

    # then: once the broker is back, the sweep sends the letter; sweeping again sends nothing more
    with celery_conf(broker_url=FAULTS_REDIS_URL, task_always_eager=False):
        assert do_sweep(now=timezone.now() + LATER).letters == [legal_request.pk]
        wait_for(
            lambda: LegalRequest.objects.get(pk=legal_request.pk).state == State.RESPONDED,
            what="the letter",
            workers=[worker],
        )
        assert do_sweep(now=timezone.now() + LATER).letters == []
    assert letters_issued(legal_request) == 1


def test_a_flushed_queue_is_recovered_by_the_sweep(live_broker, start_worker, shipped_rules, officer_a):
    # given: a submission whose validation task was queued, then lost (a Redis restart without persistence)
    legal_request = draft_create(officer_a)
    reply = api_client(officer_a).post(f"/api/v1/requests/{legal_request.ref}/submit/", {}, format="json")
    assert reply.status_code == 200
    redis.Redis.from_url(FAULTS_REDIS_URL).flushdb()
    worker = start_worker("after-flush")
    time.sleep(3)
    legal_request.refresh_from_db()
    assert legal_request.state == State.RECEIVED  # nothing left to run it

    # when
    do_sweep(now=timezone.now() + LATER)

    # then
    wait_for(
        lambda: LegalRequest.objects.get(pk=legal_request.pk).state == State.IN_REVIEW,
        what="the validation",
        workers=[worker],
    )


def _terminate_other_connections() -> int:
    """Drop every other connection to this test database, as a PostgreSQL restart would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_worker_whose_database_connection_drops_mid_letter_reconnects_and_makes_it_once(
    live_broker, start_worker, shipped_rules, officer_a, analyst, reviewer, account, tmp_path
):
    # given: the worker will hang a few seconds in the middle of the next signature, its connection open
    marker = tmp_path / "hang-next-signature"
    marker.touch()
    worker = start_worker("reconnects", hang_next_signature=marker, hang_seconds=4)
    legal_request = decided_create(officer_a, analyst=analyst, reviewer=reviewer)
    wait_for(lambda: not marker.exists(), what="the worker signing", workers=[worker])

    # when: its database connection is dropped (as by a PostgreSQL restart) before it stores the letter
    assert _terminate_other_connections() >= 1

    # then: the store fails, the task is retried on a new connection, one letter
    wait_for(lambda: response_of(legal_request).status == ResponseStatus.STORED, what="the letter", workers=[worker])
    legal_request.refresh_from_db()
    assert legal_request.state == State.RESPONDED
    assert letters_issued(legal_request) == 1
    assert response_of(legal_request).attempts == 2  # the same job, again, after the drop


def test_a_request_whose_database_connection_drops_mid_write_is_a_503_and_writes_nothing(
    shipped_rules, officer_a, monkeypatch
):
    from workflow import services

    legal_request = draft_create(officer_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    db = connection.settings_dict
    record = services.revision_record

    def dropped_midway(**kwargs):
        # The transition is written; the connection dies before the transaction commits.
        other = psycopg2.connect(
            dbname=db["NAME"], user=db["USER"], password=db.get("PASSWORD") or None, host=db["HOST"], port=db["PORT"]
        )
        with other, other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [own_pid])
        other.close()
        return record(**kwargs)

    monkeypatch.setattr(services, "revision_record", dropped_midway)

    # when
    reply = api_client(officer_a).post(f"/api/v1/requests/{legal_request.ref}/submit/", {}, format="json")

    # then: 503 with Retry-After; after reconnecting (as the next request does), nothing was written
    assert reply.status_code == 503, reply.content
    assert reply["Retry-After"] and reply.json() == {"detail": DATABASE_UNAVAILABLE}
    connection.close_if_unusable_or_obsolete()
    legal_request.refresh_from_db()
    assert legal_request.state == State.DRAFT and legal_request.received_at is None
    assert not AuditEntry.objects.filter(
        request_ref=legal_request.ref, action=AuditAction.REQUEST_TRANSITIONED
    ).exists()

    # and the officer's retry goes through
    monkeypatch.setattr(services, "revision_record", record)
    with celery_conf(task_always_eager=True):
        retry = api_client(officer_a).post(f"/api/v1/requests/{legal_request.ref}/submit/", {}, format="json")
    assert retry.status_code == 200
