"""/admin/login/ is the one log-in path: the same throttle, second factor and audit as the API and
the web pages, and a session that skipped the second factor opens nothing."""

from __future__ import annotations

import pytest

from audit.actions import AuditAction
from audit.models import AuditEntry
from requests_app.auth import ERR_NOT_ADMIN, ERR_OTP_REQUIRED, ERR_THROTTLED
from tests.admin.conftest import current_code
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def otp_required(settings):
    settings.LAWREQ_REQUIRE_STAFF_OTP = True


def test_the_admin_refuses_the_password_alone_when_a_second_factor_is_required(
    client, administrator, totp_device, otp_required
):
    totp_device(administrator)

    response = client.post(ADMIN_LOGIN, {"username": administrator.username, "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 200
    assert ERR_OTP_REQUIRED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    failure = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failure.details["reason"] == "second_factor"


def test_the_admin_opens_with_the_password_and_the_one_time_code(client, administrator, totp_device, otp_required):
    device = totp_device(administrator)
    assert 'name="otp"' in client.get(ADMIN_LOGIN).content.decode()

    response = client.post(
        ADMIN_LOGIN,
        {"username": administrator.username, "password": PASSWORD, "otp": current_code(device), "next": "/admin/"},
    )

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    success = AuditEntry.objects.get(action=AuditAction.LOGIN_SUCCEEDED)
    assert success.actor_id == administrator.pk
    assert success.details["method"] == "admin" and success.details["second_factor"] is True


def test_the_admin_log_in_is_throttled_like_every_log_in(client, administrator, settings):
    for _ in range(settings.LAWREQ_LOGIN_MAX_ATTEMPTS):
        assert client.post(ADMIN_LOGIN, {"username": administrator.username, "password": "wrong!"}).status_code == 200

    response = client.post(ADMIN_LOGIN, {"username": administrator.username, "password": PASSWORD})

    assert response.status_code == 429
    assert ERR_THROTTLED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() == settings.LAWREQ_LOGIN_MAX_ATTEMPTS


def test_an_account_that_is_not_staff_cannot_log_in_to_the_admin(client, officer_a):
    response = client.post(ADMIN_LOGIN, {"username": officer_a.username, "password": PASSWORD})

    assert ERR_NOT_ADMIN in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_without_the_second_factor_opens_neither_the_admin_the_api_nor_staff_pages(
    client, administrator, analyst, totp_device, otp_required
):
    totp_device(administrator)
    totp_device(analyst)

    # a session made some other way than the log-in (as the stock admin log-in made them)
    client.force_login(administrator)
    assert client.get("/admin/").status_code == 302
    client.force_login(analyst)
    assert client.get("/queue/").status_code == 302
    client.force_login(analyst)
    assert client.get("/api/v1/requests/").status_code in (401, 403)


def test_a_session_with_the_second_factor_opens_the_staff_pages(client, analyst, totp_device, otp_required):
    device = totp_device(analyst)

    client.post("/accounts/login/", {"username": analyst.username, "password": PASSWORD, "otp": current_code(device)})

    assert client.get("/queue/").status_code == 200
    assert client.get("/api/v1/requests/").status_code == 200


def test_an_officer_who_enrolled_a_device_needs_it(api, officer_a, totp_device):
    device = totp_device(officer_a)
    credentials = {"username": officer_a.username, "password": PASSWORD}

    without = api().post("/api/v1/auth/token/", credentials, format="json")
    with_code = api().post("/api/v1/auth/token/", {**credentials, "otp": current_code(device)}, format="json")

    assert without.status_code == 400 and "otp" in without.json()
    assert with_code.status_code == 200
