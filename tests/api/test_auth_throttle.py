"""The log-in throttle: counted before the password is checked, in the shared cache, per username
and address together and per address alone; an attacker cannot lock anyone out from elsewhere."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.contrib.auth.signals import user_login_failed
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEntry
from audit.services import audit_hash_identifier
from lawreq.cache import WARN_DOWN
from requests_app.auth import ERR_THROTTLED, throttled_logins_audit
from requests_app.models import ThrottledLoginWindow
from tests.conftest import PASSWORD, REDIS_URL

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ADDRESS_A = "198.51.100.7"
ADDRESS_B = "203.0.113.9"


def audit_closed_throttle_windows() -> int:
    """Run the summary as the beat would once the current window has closed."""
    from django.conf import settings

    later = timezone.now() + timedelta(seconds=settings.LAWREQ_LOGIN_THROTTLE_AUDIT_WINDOW_SECONDS)
    return throttled_logins_audit(now=later)


def _log_in(client, username: str, password: str, address: str):
    return client.post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=address)


def test_wrong_passwords_from_one_address_do_not_lock_the_account_out_from_another(api, auditor, settings):
    client = api()
    for _ in range(settings.LAWREQ_LOGIN_MAX_ATTEMPTS + 3):
        _log_in(client, auditor.username, "not the password", ADDRESS_A)

    from_elsewhere = _log_in(client, auditor.username, PASSWORD, ADDRESS_B)
    from_the_attacker = _log_in(client, auditor.username, PASSWORD, ADDRESS_A)

    assert from_elsewhere.status_code == 200
    assert from_the_attacker.status_code == 429
    assert from_the_attacker.json()["detail"] == ERR_THROTTLED


def test_one_address_trying_many_usernames_meets_the_longer_limit_per_address(api, officer_a, settings):
    settings.LAWREQ_LOGIN_MAX_ATTEMPTS_PER_ADDRESS = 8
    client = api()
    for number in range(8):
        assert _log_in(client, f"nobody-{number}", "guess", ADDRESS_A).status_code == 400

    # a ninth username from the same address is not checked; the real user elsewhere is not touched
    assert _log_in(client, officer_a.username, PASSWORD, ADDRESS_A).status_code == 429
    assert _log_in(client, officer_a.username, PASSWORD, ADDRESS_B).status_code == 200


def test_a_successful_log_in_does_not_use_up_the_limit(api, officer_a, settings):
    client = api()
    for _ in range(settings.LAWREQ_LOGIN_MAX_ATTEMPTS + 2):
        assert _log_in(client, officer_a.username, PASSWORD, ADDRESS_A).status_code == 200


def test_throttled_attempts_make_one_audit_entry_per_address_and_window(api, officer_a, settings):
    client = api()
    for _ in range(settings.LAWREQ_LOGIN_MAX_ATTEMPTS):
        _log_in(client, officer_a.username, "not the password", ADDRESS_A)
    for _ in range(50):
        assert _log_in(client, officer_a.username, "not the password", ADDRESS_A).status_code == 429

    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN_THROTTLED).exists()
    assert audit_closed_throttle_windows() == 1

    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_THROTTLED)
    assert entry.details["attempts"] == 50
    assert entry.details["ip_hash"] == audit_hash_identifier(ADDRESS_A)
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() == settings.LAWREQ_LOGIN_MAX_ATTEMPTS
    assert audit_closed_throttle_windows() == 0  # each window is written once


def test_a_closed_window_is_written_at_the_next_log_in_where_no_beat_runs(api, officer_a, settings):
    client = api()
    for _ in range(settings.LAWREQ_LOGIN_MAX_ATTEMPTS + 3):
        _log_in(client, officer_a.username, "not the password", ADDRESS_A)
    ThrottledLoginWindow.objects.update(window_end=timezone.now() - timedelta(seconds=1))

    assert _log_in(client, officer_a.username, PASSWORD, ADDRESS_B).status_code == 200

    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_THROTTLED)
    assert entry.details["attempts"] == 3
    assert not ThrottledLoginWindow.objects.exists()


def test_an_open_window_is_not_written_yet(api, officer_a, settings):
    client = api()
    for _ in range(settings.LAWREQ_LOGIN_MAX_ATTEMPTS + 1):
        _log_in(client, officer_a.username, "not the password", ADDRESS_A)
    assert ThrottledLoginWindow.objects.count() == 1  # a window is open: something to write, later

    assert throttled_logins_audit() == 0
    assert ThrottledLoginWindow.objects.count() == 1


def test_log_in_still_works_when_the_shared_cache_is_down(api, officer_a, settings, caplog):
    settings.CACHES = {"default": {"BACKEND": "lawreq.cache.FallbackRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    with caplog.at_level(logging.WARNING, logger="lawreq.cache"):
        response = _log_in(api(), officer_a.username, PASSWORD, ADDRESS_A)

    assert response.status_code == 200
    assert WARN_DOWN in caplog.text


def test_the_throttle_still_counts_in_the_process_when_the_cache_is_down(api, officer_a, settings):
    settings.CACHES = {"default": {"BACKEND": "lawreq.cache.FallbackRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    client = api()
    for _ in range(settings.LAWREQ_LOGIN_MAX_ATTEMPTS):
        _log_in(client, officer_a.username, "not the password", "192.0.2.77")

    assert _log_in(client, officer_a.username, PASSWORD, "192.0.2.77").status_code == 429


@pytest.fixture
def redis_cache(settings):
    """The shared cache of production (Redis), in this worker's database."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CACHES = {
        "default": {
            "BACKEND": "lawreq.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lawreq-tests-throttle",
        }
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_cannot_race_past_the_limit(live_server, redis_cache, officer_a, settings):
    # given: a counter of the passwords actually checked
    checked: list[str] = []
    lock = threading.Lock()

    def count_check(sender, credentials, **kwargs):
        with lock:
            checked.append(credentials.get("username", ""))

    user_login_failed.connect(count_check)
    statuses: list[int] = []
    start = threading.Barrier(30)

    def attempt() -> None:
        body = json.dumps({"username": officer_a.username, "password": "not the password"}).encode()
        request = urllib.request.Request(
            live_server.url + TOKEN, data=body, headers={"Content-Type": "application/json"}
        )
        start.wait()
        for _ in range(5):  # the test server's listen backlog may reset a connection: send it again
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    code = response.status
                break
            except urllib.error.HTTPError as error:
                code = error.code
                break
            except (ConnectionError, urllib.error.URLError):
                continue
        with lock:
            statuses.append(code)

    # when: 30 attempts at once
    threads = [threading.Thread(target=attempt) for _ in range(30)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        user_login_failed.disconnect(count_check)

    # then: no more passwords were checked than the limit allows; the rest were refused unchecked
    limit = settings.LAWREQ_LOGIN_MAX_ATTEMPTS
    assert len(statuses) == 30
    assert len(checked) <= limit
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() <= limit
    assert statuses.count(429) >= 30 - limit
