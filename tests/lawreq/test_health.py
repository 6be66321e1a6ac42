"""The load balancer's probes: /healthz (the process answers) and /readyz (database, broker,
signing key, audit checkpoints), JSON, anonymous, nothing secret, 200 or 503."""

from __future__ import annotations

import json

import pytest
from django.db import connections

from audit.services import audit_record
from lawreq import health
from lawreq.celery import app as celery_app
from letters.keys import signing_key_init
from letters.signing import signer_forget

pytestmark = pytest.mark.django_db

CLOSED_PORT = 6390


@pytest.fixture
def signing_key(settings, tmp_path):
    settings.LAWREQ_KEYS_DIR = tmp_path / "keys"
    settings.LAWREQ_SIGNING_P12 = str(tmp_path / "keys" / "signing.p12")
    signer_forget()
    signing_key_init()
    yield settings.LAWREQ_SIGNING_P12
    signer_forget()


def readiness(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.status_code, response.json()


def test_liveness_asks_nothing_of_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_when_everything_answers(client, signing_key):
    status, body = readiness(client)

    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "signing_key", "audit_checkpoint"}
    assert all(check["ok"] for check in body["checks"].values())


def test_not_ready_when_the_database_does_not_answer(client, signing_key, monkeypatch, settings):
    broken = {**settings.DATABASES["default"], "HOST": "127.0.0.1", "PORT": CLOSED_PORT, "NAME": "nowhere"}
    connections.settings["probe_closed_port"] = connections.settings["default"] | broken
    try:
        monkeypatch.setattr(health, "connection", connections["probe_closed_port"])

        status, body = readiness(client)
    finally:
        connections["probe_closed_port"].close()
        del connections.settings["probe_closed_port"]

    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False


def test_not_ready_when_the_broker_does_not_answer(client, signing_key, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    try:
        status, body = readiness(client)
    finally:
        celery_app.conf.broker_url = previous

    assert status == 503 and body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.parametrize("fault", ["missing", "wrong_passphrase"])
def test_not_ready_when_the_signing_key_does_not_open(client, signing_key, settings, fault):
    if fault == "missing":
        settings.LAWREQ_SIGNING_P12 = signing_key + ".moved"
    else:
        settings.LAWREQ_SIGNING_PASSPHRASE = "not the passphrase"
    signer_forget()

    status, body = readiness(client)

    assert status == 503 and body["checks"]["signing_key"]["ok"] is False
    assert signing_key not in json.dumps(body)  # no path, no reason: those are in the log


def test_not_ready_when_audit_entries_wait_too_long_for_a_checkpoint(client, signing_key, settings):
    settings.LAWREQ_READY_CHECKPOINT_MAX_AGE_SECONDS = 0
    audit_record(action="test.waiting", role="system")  # pending: no sequencer ran, no checkpoint

    status, body = readiness(client)

    assert status == 503 and body["checks"]["audit_checkpoint"]["ok"] is False


def test_probes_answer_a_load_balancer_over_plain_http_by_address(client, signing_key, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["lawreq.example"]

    for path in ("/healthz", "/readyz"):
        response = client.get(path, HTTP_HOST="10.0.0.7:8000")
        assert response.status_code == 200, (path, response.status_code)
        assert "Set-Cookie" not in response and not response.cookies


def test_probes_refuse_other_methods(client):
    assert client.post("/healthz").status_code == 405
