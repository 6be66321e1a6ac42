"""Redis down: log-in, intake and reading still work (every throttle counts in the process and says
so once in the log); sessions live in the database; nothing answers 500. The cache is a real Redis
client aimed at a closed port."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from lawreq.cache import WARN_DOWN, FallbackRedisCache
from tests.conftest import PASSWORD, make_pdf, us_request_payload

pytestmark = pytest.mark.django_db

CLOSED_PORT_URL = "redis://127.0.0.1:6390/0"
REDIS_DOWN = override_settings(
    CACHES={
        "default": {
            "BACKEND": "lawreq.cache.FallbackRedisCache",
            "LOCATION": CLOSED_PORT_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
)
REQUESTS = "/api/v1/requests/"


@pytest.fixture
def redis_down():
    with REDIS_DOWN:
        yield


def token_client(user) -> APIClient:
    client = APIClient()
    answer = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert answer.status_code == 200, answer.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return client


def test_the_cache_is_the_fallback_backend_aimed_at_nothing(redis_down):
    from django.core.cache import caches

    backend = caches["default"]
    assert isinstance(backend, FallbackRedisCache)

    backend.set("key", 1)

    assert backend.get("key") == 1 and backend.in_outage


def test_log_in_works_with_redis_down_and_the_outage_is_logged_once(redis_down, officer_a, caplog):
    with caplog.at_level(logging.WARNING, logger="lawreq.cache"):
        for _ in range(3):
            assert (
                APIClient()
                .post("/api/v1/auth/token/", {"username": officer_a.username, "password": PASSWORD}, format="json")
                .status_code
                == 200
            )

    assert [record.getMessage() for record in caplog.records if record.name == "lawreq.cache"] == [WARN_DOWN]


def test_the_log_in_throttle_still_counts_in_the_process(redis_down, officer_a, settings):
    attempts = [
        APIClient().post("/api/v1/auth/token/", {"username": officer_a.username, "password": "wrong"}, format="json")
        for _ in range(settings.LAWREQ_LOGIN_MAX_ATTEMPTS + 1)
    ]

    assert [answer.status_code for answer in attempts] == [400] * settings.LAWREQ_LOGIN_MAX_ATTEMPTS + [429]


def test_intake_and_reading_work_with_redis_down(redis_down, officer_a, analyst, shipped_rules, pdf_upload):
    officer = token_client(officer_a)

    created = officer.post(REQUESTS, us_request_payload(), format="json")
    ref = created.json()["ref"]
    uploaded = officer.post(f"{REQUESTS}{ref}/documents/", {"file": pdf_upload()}, format="multipart")
    submitted = officer.post(f"{REQUESTS}{ref}/submit/")

    assert (created.status_code, uploaded.status_code, submitted.status_code) == (201, 201, 200)
    assert officer.get(f"{REQUESTS}{ref}/").status_code == 200
    assert officer.get(REQUESTS).status_code == 200
    assert token_client(analyst).get(f"{REQUESTS}{ref}/checks/").status_code == 200


def test_the_web_log_in_and_pages_work_with_redis_down(redis_down, client, officer_a):
    answer = client.post("/accounts/login/", {"username": officer_a.username, "password": PASSWORD})

    assert answer.status_code == 302
    assert client.get("/portal/").status_code == 200


def test_the_public_verification_throttle_works_with_redis_down(redis_down, client):
    answer = client.post("/api/v1/responses/verify/", {"file": make_pdf()}, format="multipart")

    assert answer.status_code < 500


def test_sessions_are_kept_in_the_database_not_in_the_cache(settings):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
