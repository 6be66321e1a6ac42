"""Sessions end after 30 idle minutes for staff, 2 hours for officers, and 12 hours after the
log-in for everyone, however active."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _log_in(client, user) -> None:
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert "_auth_user_id" in client.session


def _later(minutes: float):
    """The clock ``minutes`` from now, for every caller of django.utils.timezone.now."""
    moment = timezone.now() + timedelta(minutes=minutes)
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_a_staff_session_ends_after_thirty_idle_minutes(client, analyst):
    _log_in(client, analyst)

    with _later(29):
        assert client.get("/queue/").status_code == 200
    with _later(29 + 31):
        assert client.get("/queue/").status_code == 302


def test_an_officer_session_survives_half_an_hour_idle_but_not_three_hours(client, officer_a):
    _log_in(client, officer_a)

    with _later(45):
        assert client.get("/portal/").status_code == 200
    with _later(45 + 121):
        assert client.get("/portal/").status_code == 302


def test_even_an_active_session_ends_twelve_hours_after_the_log_in(client, analyst):
    _log_in(client, analyst)

    for minutes in range(20, 12 * 60, 20):
        with _later(minutes):
            assert client.get("/queue/").status_code == 200, minutes
    with _later(12 * 60 + 1):
        assert client.get("/queue/").status_code == 302


def test_an_ended_session_no_longer_works_on_the_api(client, analyst):
    _log_in(client, analyst)

    with _later(31):
        assert client.get("/api/v1/requests/").status_code in (401, 403)


def test_staying_logged_in_counts_as_activity_and_says_how_long_is_left(client, officer_a):
    _log_in(client, officer_a)

    with _later(110):
        answer = client.post("/accounts/keep-alive/")
    assert answer.status_code == 200 and answer.json()["logged_in"] is True
    assert answer.json()["seconds_left"] == 120 * 60
    with _later(110 + 100):  # 3.5 hours after the log-in, 100 minutes after the keep-alive
        assert client.get("/portal/").status_code == 200


def test_staying_logged_in_after_the_end_is_refused(client, officer_a):
    _log_in(client, officer_a)

    with _later(180):
        answer = client.post("/accounts/keep-alive/")
    assert answer.status_code == 401 and answer.json()["logged_in"] is False
    with _later(180):
        assert client.get("/portal/").status_code == 302


def test_a_page_carries_the_time_left_for_the_warning(client, officer_a):
    _log_in(client, officer_a)

    with _later(20):
        page = client.get("/portal/").content.decode()
    left = re.search(r'id="session-warning"[^>]*data-seconds-left="(\d+)"', page, re.S)
    assert left and 7190 <= int(left.group(1)) <= 7200  # the page itself counts as activity
    assert "js/session_warning" in page
