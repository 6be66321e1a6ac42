"""Issue 15, in process: work whose task is lost is sent again by the sweep, the letter's status is
visible (to the legal team with the reason, to the officer as signed or not), stuck requests alert
the reviewers once, a signing key that does not open stops a worker and fails letters visibly until
it is fixed, the timestamp authority's policy, "retry now" audited, and a lost database is a 503.

The same faults on real worker processes and a real broker are in ``test_faults.py``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import socket
import subprocess
import sys
import threading

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connection
from django.test import TestCase
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEntry
from lawreq.celery import app
from lawreq.middleware import DATABASE_UNAVAILABLE
from letters.models import Response, ResponseStatus
from letters.services import NOTE_SIGNED_WITHOUT_TSA, NOTE_WAITING_FOR_TSA
from letters.signing import EXIT_SIGNING_KEY, signer_forget
from notifications.models import Event, Notification
from requests_app.states import State
from tests.conftest import api_client, draft_create
from workflow import tasks
from workflow.services import do_sweep

CLOSED_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1
LATER = dt.timedelta(hours=1)  # past every threshold: the sweep's and the alert's


@contextlib.contextmanager
def celery_conf(**overrides):
    previous = {key: app.conf[key] for key in overrides}
    app.conf.update(overrides)
    app._after_fork()  # producers made under the previous broker would otherwise be reused
    try:
        yield
    finally:
        app.conf.update(previous)
        app._after_fork()


@pytest.fixture
def broker_down():
    """Tasks are sent to a broker nobody answers at: every enqueue fails."""
    with celery_conf(broker_url=CLOSED_BROKER, task_always_eager=False):
        yield


def broker_back() -> None:
    """The broker is back: tasks run (eagerly, as the suite runs them)."""
    app.conf.update(task_always_eager=True)
    app._after_fork()


def sweep_later() -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        do_sweep(now=timezone.now() + LATER)


# No enqueue lost


def test_a_submission_and_an_approval_with_the_broker_down_are_answered_and_swept_once_it_is_back(
    broker_down, shipped_rules, officer_a, analyst, reviewer, account, caplog, django_capture_on_commit_callbacks
):
    # given: a draft, and a broker that is down
    legal_request = draft_create(officer_a)
    officer = api_client(officer_a)

    # when: the officer submits
    with caplog.at_level(logging.WARNING, logger="workflow.services"), django_capture_on_commit_callbacks(execute=True):
        reply = officer.post(f"/api/v1/requests/{legal_request.ref}/submit/", {}, format="json")

    # then: recorded and answered, the lost enqueue logged with its traceback
    assert reply.status_code == 200, reply.content
    assert reply.json()["state"] == State.RECEIVED
    lost = [r for r in caplog.records if "the sweep will send it again" in r.getMessage()]
    assert lost and lost[0].exc_info is not None

    # when: the broker is back and the sweep runs
    broker_back()
    sweep_later()
    legal_request.refresh_from_db()
    assert legal_request.state == State.IN_REVIEW

    # given: the analyst proposes; the broker is down again when the reviewer approves
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
    app.conf.update(task_always_eager=False)
    app._after_fork()
    with django_capture_on_commit_callbacks(execute=True):
        reply = api_client(reviewer).post(
            f"/api/v1/requests/{legal_request.ref}/approval/", {"approve": True, "comment": "Agreed."}, format="json"
        )
    assert reply.status_code == 200, reply.content
    assert Response.objects.get(legal_request=legal_request).status == ResponseStatus.QUEUED

    # when: the broker is back, the sweep sends the letter; a second sweep sends nothing
    broker_back()
    sweep_later()
    sweep_later()

    # then: one letter, the request answered
    legal_request.refresh_from_db()
    assert legal_request.state == State.RESPONDED
    assert Response.objects.filter(legal_request=legal_request, status=ResponseStatus.STORED).count() == 1
    assert AuditEntry.objects.filter(request_ref=legal_request.ref, action=AuditAction.RESPONSE_ISSUED).count() == 1


def test_the_sweep_takes_over_a_letter_whose_worker_died_after_its_lease(approved_request):
    # given: a worker claimed the letter and died (its claim is older than the lease)
    Response.objects.filter(legal_request=approved_request).update(
        status=ResponseStatus.CLAIMED, claim_token="dead-worker", claimed_at=timezone.now() - dt.timedelta(hours=1)
    )

    # when
    sweep_later()

    # then
    approved_request.refresh_from_db()
    assert approved_request.state == State.RESPONDED
    assert Response.objects.get(legal_request=approved_request).status == ResponseStatus.STORED
    swept = AuditEntry.objects.filter(request_ref=approved_request.ref, action=AuditAction.WORK_SWEPT)
    assert [entry.details for entry in swept] == [{"task": "issue_response", "via": "sweep"}]


def test_the_sweep_leaves_a_fresh_claim_and_recent_work_alone(approved_request, shipped_rules, officer_a):
    Response.objects.filter(legal_request=approved_request).update(
        status=ResponseStatus.CLAIMED, claim_token="live-worker", claimed_at=timezone.now()
    )
    received = draft_create(officer_a)
    with TestCase.captureOnCommitCallbacks(execute=False):
        from workflow.services import do_submit

        do_submit(legal_request=received, actor=officer_a)

    result = do_sweep()

    assert result.letters == [] and result.validations == []
    assert Response.objects.get(legal_request=approved_request).claim_token == "live-worker"


# The letter's status


def _fail_with_a_missing_key(settings, tmp_path, legal_request) -> Response:
    settings.LAWREQ_SIGNING_P12 = str(tmp_path / "missing.p12")
    signer_forget()
    tasks.issue_response.delay(legal_request.pk).get()
    return Response.objects.get(legal_request=legal_request)


def test_staff_see_a_failed_letter_with_its_reason_and_the_officer_no_internal_text(
    approved_request, settings, tmp_path, officer_a, reviewer
):
    response = _fail_with_a_missing_key(settings, tmp_path, approved_request)
    assert response.status == ResponseStatus.FAILED

    staff_view = api_client(reviewer).get(f"/api/v1/requests/{approved_request.ref}/").json()["letter"]
    officer_view = api_client(officer_a).get(f"/api/v1/requests/{approved_request.ref}/").json()["letter"]

    assert staff_view["status"] == "failed"
    assert staff_view["error"].startswith("ImproperlyConfigured: No signing key at")
    assert officer_view == {"status": "pending", "error": None, "note": "", "updated_at": None}
    assert "signing" not in str(officer_view).lower()


def test_the_letter_status_is_queued_then_signed(approved_request, officer_a, reviewer):
    staff = api_client(reviewer)
    assert staff.get(f"/api/v1/requests/{approved_request.ref}/").json()["letter"]["status"] == "queued"

    tasks.issue_response.delay(approved_request.pk).get()

    staff_view = staff.get(f"/api/v1/requests/{approved_request.ref}/").json()["letter"]
    officer_view = api_client(officer_a).get(f"/api/v1/requests/{approved_request.ref}/").json()["letter"]
    assert staff_view["status"] == "signed" and staff_view["error"] is None
    assert officer_view["status"] == "signed" and officer_view["updated_at"] is not None


def test_a_request_not_decided_has_no_letter_status(shipped_rules, officer_a, reviewer):
    legal_request = draft_create(officer_a)
    assert api_client(reviewer).get(f"/api/v1/requests/{legal_request.ref}/").json()["letter"] is None


def test_the_staff_page_shows_a_failed_letter_with_its_reason_and_a_retry_button(
    approved_request, settings, tmp_path, client, reviewer
):
    _fail_with_a_missing_key(settings, tmp_path, approved_request)
    client.force_login(reviewer)

    page = client.get(f"/queue/{approved_request.ref}/").content.decode()

    assert 'data-letter-status="failed"' in page and "No signing key at" in page
    assert f"/queue/{approved_request.ref}/retry/" in page
    assert "No letter yet" not in page


# Signing key problems: found at start, visible, cured by the sweep


def test_a_bad_signing_key_fails_visibly_notifies_the_reviewers_once_and_the_sweep_makes_one_letter_once_fixed(
    approved_request, settings, tmp_path, reviewer, second_reviewer
):
    configured = settings.LAWREQ_SIGNING_P12

    # given: the key is missing: the letter fails, twice (the sweep tries again)
    response = _fail_with_a_missing_key(settings, tmp_path, approved_request)
    sweep_later()

    # then: still approved, no letter stored, each reviewer told once
    approved_request.refresh_from_db()
    assert approved_request.state == State.APPROVED
    response.refresh_from_db()
    assert response.status == ResponseStatus.FAILED and response.pdf_sealed is None and response.attempts == 2
    told = Notification.objects.filter(event=Event.LETTER_FAILED, legal_request=approved_request)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["ralph.reviewer", "rita.reviewer"]

    # when: the key is fixed, the sweep runs (twice)
    settings.LAWREQ_SIGNING_P12 = configured
    signer_forget()
    sweep_later()
    sweep_later()

    # then: one letter, without anybody re-running it
    approved_request.refresh_from_db()
    assert approved_request.state == State.RESPONDED
    assert AuditEntry.objects.filter(request_ref=approved_request.ref, action=AuditAction.RESPONSE_ISSUED).count() == 1


def _worker(env_overrides: dict) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, **env_overrides, "CELERY_BROKER_URL": CLOSED_BROKER}
    return subprocess.run(
        [sys.executable, "-m", "celery", "-A", "lawreq", "worker", "-P", "solo", "--loglevel", "INFO"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=django_settings.BASE_DIR,
    )


@pytest.mark.faults
def test_a_worker_refuses_to_start_with_a_signing_key_that_does_not_open(signing_keys_dir, tmp_path):
    # given: the right key with a wrong passphrase, and a key file that is missing
    wrong_passphrase = {"LAWREQ_SIGNING_P12": str(signing_keys_dir / "signing.p12"), "LAWREQ_SIGNING_PASSPHRASE": "no"}
    missing = {"LAWREQ_SIGNING_P12": str(tmp_path / "missing.p12")}

    for overrides in (wrong_passphrase, missing):
        # when
        worker = _worker(overrides)

        # then: it exits at once (before it touches the broker), saying why
        assert worker.returncode == EXIT_SIGNING_KEY, worker.stderr[-2000:]
        assert "worker not started, its signing key does not open" in worker.stderr


# Stuck requests alert the reviewers, once


def test_a_request_stuck_in_received_alerts_the_reviewers_once(shipped_rules, officer_a, reviewer, second_reviewer):
    from workflow.services import do_submit

    legal_request = draft_create(officer_a)
    with TestCase.captureOnCommitCallbacks(execute=False):
        do_submit(legal_request=legal_request, actor=officer_a)  # its validation task is lost
    with celery_conf(broker_url=CLOSED_BROKER, task_always_eager=False):  # and the broker is still down
        first = do_sweep(now=timezone.now() + LATER)
        second = do_sweep(now=timezone.now() + LATER)

    assert first.alerts == [legal_request.pk] and second.alerts == []
    alerts = Notification.objects.filter(event=Event.REQUEST_STUCK, legal_request=legal_request)
    assert sorted(alerts.values_list("recipient__username", flat=True)) == ["ralph.reviewer", "rita.reviewer"]


# The timestamp authority: detected quickly, then the policy


@pytest.fixture
def silent_timestamp_authority():
    """A server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    stop.set()
    thread.join()
    for connection_ in accepted:
        connection_.close()
    server.close()


def test_a_silent_timestamp_authority_under_the_wait_policy_leaves_the_letter_waiting(
    approved_request, settings, silent_timestamp_authority, reviewer
):
    settings.LAWREQ_TIMESTAMP_URL = silent_timestamp_authority
    settings.LAWREQ_TSA_TIMEOUT_SECONDS = 1
    settings.LAWREQ_TSA_POLICY = "wait"

    tasks.issue_response.delay(approved_request.pk).get()

    response = Response.objects.get(legal_request=approved_request)
    assert response.status == ResponseStatus.FAILED and response.error.startswith("TimestampUnavailable")
    assert response.note == NOTE_WAITING_FOR_TSA and response.pdf_sealed is None
    letter = api_client(reviewer).get(f"/api/v1/requests/{approved_request.ref}/").json()["letter"]
    assert letter["note"] == NOTE_WAITING_FOR_TSA

    # the authority answers again: the sweep makes the letter, timestamped
    settings.LAWREQ_TIMESTAMP_URL = ""
    sweep_later()
    response.refresh_from_db()
    assert response.status == ResponseStatus.STORED


def test_a_silent_timestamp_authority_under_the_sign_without_policy_signs_without_a_timestamp(
    approved_request, settings, silent_timestamp_authority, reviewer, tmp_path
):
    from letters.verification import pdf_signature_check
    from tests.letters.conftest import issued_pdf_of

    settings.LAWREQ_TIMESTAMP_URL = silent_timestamp_authority
    settings.LAWREQ_TSA_TIMEOUT_SECONDS = 1
    settings.LAWREQ_TSA_POLICY = "sign_without"

    tasks.issue_response.delay(approved_request.pk).get()

    response = Response.objects.get(legal_request=approved_request)
    assert response.status == ResponseStatus.STORED and not response.timestamped
    assert response.note == NOTE_SIGNED_WITHOUT_TSA
    assert pdf_signature_check(issued_pdf_of(response)).ok
    letter = api_client(reviewer).get(f"/api/v1/requests/{approved_request.ref}/").json()["letter"]
    assert letter["status"] == "signed" and letter["note"] == NOTE_SIGNED_WITHOUT_TSA


# Retry now


def test_retry_now_on_the_staff_page_is_audited_and_makes_the_letter(
    approved_request, settings, tmp_path, client, reviewer, django_capture_on_commit_callbacks
):
    configured = settings.LAWREQ_SIGNING_P12
    _fail_with_a_missing_key(settings, tmp_path, approved_request)
    settings.LAWREQ_SIGNING_P12 = configured
    signer_forget()
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(f"/queue/{approved_request.ref}/retry/")

    assert reply.status_code == 302
    approved_request.refresh_from_db()
    assert approved_request.state == State.RESPONDED
    retried = AuditEntry.objects.get(request_ref=approved_request.ref, action=AuditAction.WORK_RETRIED)
    assert retried.actor_username == "rita.reviewer" and retried.details == {"task": "issue_response", "via": "web"}


def test_retry_now_with_nothing_waiting_is_a_conflict_and_changes_nothing(issued_response, client, reviewer):
    client.force_login(reviewer)
    ref = issued_response.legal_request.ref

    reply = client.post(f"/queue/{ref}/retry/")

    assert reply.status_code == 409
    assert not AuditEntry.objects.filter(request_ref=ref, action=AuditAction.WORK_RETRIED).exists()


def test_an_officer_cannot_retry(approved_request, client, officer_a):
    client.force_login(officer_a)

    reply = client.post(f"/queue/{approved_request.ref}/retry/")

    assert reply.status_code in (403, 404)
    assert not AuditEntry.objects.filter(request_ref=approved_request.ref, action=AuditAction.WORK_RETRIED).exists()


def test_the_command_retries_a_stuck_letter_audited(approved_request, capsys):
    from django.core.management import call_command

    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("workflow_sweep", "--retry", approved_request.ref)

    approved_request.refresh_from_db()
    assert approved_request.state == State.RESPONDED
    retried = AuditEntry.objects.get(request_ref=approved_request.ref, action=AuditAction.WORK_RETRIED)
    assert retried.details == {"task": "issue_response", "via": "command"}


# A lost database connection


def test_a_view_that_loses_the_database_answers_503_with_retry_after(officer_a, monkeypatch):
    from requests_app import selectors

    def lost(*_args, **_kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "legal_requests_visible_to", lost)

    reply = api_client(officer_a).get("/api/v1/requests/")

    assert reply.status_code == 503
    assert reply["Retry-After"] == "5" and reply.json() == {"detail": DATABASE_UNAVAILABLE}
    assert connection.vendor  # the test's own connection is untouched
