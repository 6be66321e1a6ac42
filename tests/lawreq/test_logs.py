"""Logs: a request id in every line of a request and of the tasks it enqueues, answered in the
``X-Request-ID`` header; JSON lines; and never personal data, across a whole journey."""

from __future__ import annotations

import io
import json
import logging
import re
import time

import pytest
from rest_framework.test import APIClient

from lawreq.celery import app as celery_app
from lawreq.logs import REQUEST_ID_HEADER, JsonFormatter, RequestIdFilter, request_id_var
from letters.keys import signing_key_init
from letters.signing import signer_forget
from requests_app.models import LegalRequest
from tests.conftest import PASSWORD
from tests.requests_app.test_data_at_rest import (
    ACCOUNT_ID,
    IDENTIFIERS,
    REQUESTS,
    SENTENCE,
    USERNAME,
    court_order_pdf,
    three_targets_payload,
    upload,
)
from tests.subscribers.conftest import make_account_row

pytestmark = pytest.mark.django_db

CLIENT_IP = "198.51.100.23"


@pytest.fixture
def json_lines():
    """What the root logger writes, as production writes it: JSON lines with the request id."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_a_request_gets_an_id_in_the_response(client):
    response = client.get("/healthz")

    assert re.fullmatch(r"[0-9a-f]{32}", response[REQUEST_ID_HEADER])


def test_an_id_from_the_proxy_is_kept(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c1e-0042")

    assert response[REQUEST_ID_HEADER] == "lb-7f3a9c1e-0042"


@pytest.mark.parametrize("sent", ["short", "a\nforged log line", "x" * 65, "+33612345678 <script>"])
def test_an_id_that_does_not_look_like_one_is_replaced(client, sent):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=sent)

    assert re.fullmatch(r"[0-9a-f]{32}", response[REQUEST_ID_HEADER])


def test_every_line_of_a_request_carries_its_id(client, settings, json_lines):
    settings.LAWREQ_SIGNING_P12 = "/nonexistent/signing.p12"  # the readiness probe logs why it fails
    signer_forget()

    response = client.get("/readyz", HTTP_X_REQUEST_ID="probe-123456789")

    lines = [line for line in json_lines() if line["logger"] == "lawreq.health"]
    assert response.status_code == 503 and lines
    assert {line["request_id"] for line in lines} == {"probe-123456789"}
    assert all(line["level"] == "WARNING" and line["time"] for line in lines)


@celery_app.task(name="tests.lawreq.log_a_line")
def log_a_line() -> None:
    logging.getLogger("tests.lawreq.task").warning("a line from the worker")


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_by_a_request_logs_with_the_request_id(celery_redis_worker, json_lines):
    token = request_id_var.set("web-request-0001")
    try:
        log_a_line.delay()
    finally:
        request_id_var.reset(token)

    # A worker on a loaded two-core machine may take a while to pick the task up: wait up to 60 s.
    for _ in range(600):
        lines = [line for line in json_lines() if line["logger"] == "tests.lawreq.task"]
        if lines:
            break
        time.sleep(0.1)
    assert [line["request_id"] for line in lines] == ["web-request-0001"]


def test_the_embedded_default_logs_readable_text_and_production_json(settings):
    from lawreq.logs import logging_config

    assert logging_config(json_lines=False, level="INFO")["handlers"]["console"]["formatter"] == "text"
    assert logging_config(json_lines=True, level="INFO")["handlers"]["console"]["formatter"] == "json"


def test_a_whole_journey_logs_no_personal_data(
    officer_a,
    analyst,
    reviewer,
    auditor,
    shipped_rules,
    settings,
    tmp_path,
    json_lines,
    django_capture_on_commit_callbacks,
):
    # given: production's log level, real keys, an account to disclose
    logging.getLogger().setLevel(logging.INFO)
    settings.LAWREQ_KEYS_DIR = tmp_path / "keys"
    settings.LAWREQ_SIGNING_P12 = str(tmp_path / "keys" / "signing.p12")
    signer_forget()
    signing_key_init()
    make_account_row(
        ACCOUNT_ID, username=USERNAME, phone="+12025550111", events=[("2026-10-12 10:00:00", "203.0.113.7", 1)]
    )

    def client_for(user) -> APIClient:
        # Logged in through the API with the password, from the client's own address.
        client = APIClient(REMOTE_ADDR=CLIENT_IP)
        answer = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
        assert answer.status_code == 200, answer.content
        client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
        return client

    officer = client_for(officer_a)
    APIClient(REMOTE_ADDR=CLIENT_IP).post(
        "/api/v1/auth/token/", {"username": officer_a.username, "password": "wrong"}, format="json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        ref = officer.post(REQUESTS, three_targets_payload(), format="json").json()["ref"]
        assert upload(officer, ref, court_order_pdf()).status_code == 201
        assert officer.post(f"{REQUESTS}{ref}/submit/").status_code == 200
    assert LegalRequest.objects.get(ref=ref).state == "in_review"
    proposal = {"decision": "disclose", "categories": ["ip_addresses", "phone_number"], "reason": "As asked."}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for(analyst).post(f"{REQUESTS}{ref}/proposal/", proposal, format="json")
        assert answer.status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for(reviewer).post(f"{REQUESTS}{ref}/approval/", {"approve": True}, format="json")
        assert answer.status_code == 200
    assert LegalRequest.objects.get(ref=ref).state == "responded"
    assert officer.get(f"{REQUESTS}{ref}/response.pdf").status_code == 200
    assert officer.get(f"{REQUESTS}?target={USERNAME}").status_code in (200, 403)
    assert client_for(auditor).get(f"/api/v1/audit/entries/?request={ref}").status_code == 200

    # then: the logs name none of the targets, the people, their addresses or the document's text
    written = "\n".join(json.dumps(line) for line in json_lines())
    assert written  # the journey did log (the letter, the log-ins...)
    for personal in [*IDENTIFIERS, SENTENCE, CLIENT_IP, "203.0.113.7", "+12025550111"]:
        assert personal not in written, personal
    for user in (officer_a, analyst, reviewer, auditor):
        assert user.username not in written and user.email not in written
    signer_forget()


def test_a_task_line_keeps_the_task_but_not_its_arguments():
    record = logging.makeLogRecord(
        {"msg": "Task x succeeded", "data": {"id": "abc", "name": "x", "args": "('+33612345678',)", "kwargs": "{}"}}
    )

    line = json.loads(JsonFormatter().format(record))

    assert line["data"] == {"id": "abc", "name": "x"}
