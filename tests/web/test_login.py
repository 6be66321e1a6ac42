"""Logging in through the web page: the same throttled, audited check as the API token."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.actions import AuditAction
from audit.models import AuditEntry
from requests_app.auth import ERR_BAD_CREDENTIALS, ERR_OTP_REQUIRED, ERR_THROTTLED
from tests.api.test_auth_throttle import audit_closed_throttle_windows
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_an_officer_logs_in_and_lands_in_the_portal(client, officer_a):
    response = client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/portal/"
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN_SUCCEEDED).get()
    assert entry.actor_id == officer_a.pk
    assert entry.details["method"] == "web"


def test_log_in_returns_to_the_page_that_asked_for_it(client, analyst):
    response = client.post(
        f"{LOGIN}?next=/queue/%3Fstate%3Din_review",
        {"username": analyst.username, "password": PASSWORD, "next": "/queue/?state=in_review"},
    )
    assert response["Location"] == "/queue/?state=in_review"


def test_log_in_never_redirects_to_another_site(client, analyst):
    response = client.post(LOGIN, {"username": analyst.username, "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_wrong_password_is_refused_and_audited_without_the_name(client, officer_a):
    response = client.post(LOGIN, {"username": officer_a.username, "password": "wrong password!"})

    assert response.status_code == 200
    assert ERR_BAD_CREDENTIALS in response.content.decode()
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).get()
    assert officer_a.username not in str(entry.details)


def test_repeated_failures_lock_the_form_with_429(client, officer_a, settings):
    for _ in range(settings.LAWREQ_LOGIN_MAX_ATTEMPTS):
        client.post(LOGIN, {"username": officer_a.username, "password": "wrong password!"})

    # even the right password is not checked any more
    response = client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD})

    assert response.status_code == 429
    assert ERR_THROTTLED in response.content.decode()
    assert "_auth_user_id" not in client.session
    audit_closed_throttle_windows()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_THROTTLED).exists()


def test_the_login_form_needs_its_csrf_token(officer_a):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_logging_out_takes_a_post(client_for, officer_a):
    client = client_for(officer_a)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response["Location"] == LOGIN
    assert client.get("/portal/").status_code == 302


def test_the_one_time_code_field_is_there_for_whoever_enrolled_one(client, settings):
    # Officers may enrol a device without the staff requirement: the form cannot know who types.
    assert 'name="otp"' in client.get(LOGIN).content.decode()


def test_staff_without_their_one_time_code_are_refused_where_it_is_enforced(client, settings, analyst):
    settings.LAWREQ_REQUIRE_STAFF_OTP = True
    response = client.post(LOGIN, {"username": analyst.username, "password": PASSWORD, "otp": ""})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert ERR_OTP_REQUIRED in response.content.decode()
