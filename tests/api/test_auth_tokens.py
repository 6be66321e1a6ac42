"""API tokens: stored as digests, with an expiry, revoked by logout, a password change by any path
and a deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from requests_app.auth import ERR_TOKEN_WITHOUT_SECOND_FACTOR
from requests_app.models import ApiToken
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
LOGOUT = "/api/v1/auth/logout/"
JURISDICTIONS = "/api/v1/jurisdictions/"
NEW_PASSWORD = "a quite different passphrase"


def _token_for(api, user) -> tuple[str, str]:
    response = api().post(TOKEN, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()["token"], response.json()["expires_at"]


def _client_with(api, key: str):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_token_response_says_when_it_expires_a_working_day_for_staff(api, analyst):
    key, expires_at = _token_for(api, analyst)

    lifetime = parse_datetime(expires_at) - timezone.now()
    assert timedelta(hours=7, minutes=59) < lifetime <= timedelta(hours=8)
    assert _client_with(api, key).get(JURISDICTIONS).status_code == 200


def test_officers_tokens_last_thirty_days(api, officer_a):
    _, expires_at = _token_for(api, officer_a)

    lifetime = parse_datetime(expires_at) - timezone.now()
    assert timedelta(days=29, hours=23) < lifetime <= timedelta(days=30)


def test_a_token_is_not_stored_in_clear(api, officer_a):
    key, _ = _token_for(api, officer_a)

    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key, password_fingerprint FROM requests_app_apitoken")
        stored = cursor.fetchall()
    assert stored and all(key not in column for row in stored for column in row)


def test_logout_revokes_the_calling_token(api, officer_a):
    key, _ = _token_for(api, officer_a)
    other_key, _ = _token_for(api, officer_a)
    client = _client_with(api, key)

    assert client.post(LOGOUT).status_code == 204
    assert client.get(JURISDICTIONS).status_code == 401
    assert _client_with(api, other_key).get(JURISDICTIONS).status_code == 200  # only the calling one


def test_logout_without_a_token_is_401(api):
    assert api().post(LOGOUT).status_code == 401


def test_a_password_change_revokes_every_token(api, reviewer):
    key, _ = _token_for(api, reviewer)

    # set_password is what every path ends in: a service, the changepassword command, a form
    reviewer.set_password(NEW_PASSWORD)
    reviewer.save()

    assert _client_with(api, key).get(JURISDICTIONS).status_code == 401


def test_a_deactivated_user_loses_their_tokens(api, analyst):
    key, _ = _token_for(api, analyst)

    analyst.is_active = False
    analyst.save()

    assert _client_with(api, key).get(JURISDICTIONS).status_code == 401


def test_an_expired_token_is_refused(api, officer_a):
    from requests_app.models import ApiToken

    key, _ = _token_for(api, officer_a)
    ApiToken.objects.filter(user=officer_a).update(expiry=timezone.now() - timedelta(seconds=1))

    assert _client_with(api, key).get(JURISDICTIONS).status_code == 401
    assert not ApiToken.objects.filter(user=officer_a).exists()


def test_the_schema_documents_the_expiry_and_the_logout(api, auditor):
    schema = api().get("/api/schema/?format=json").json()

    token_response = schema["components"]["schemas"]["Token"]
    assert {"token", "expires_at"} <= set(token_response["properties"])
    assert "post" in schema["paths"]["/api/v1/auth/logout/"]
    assert "204" in schema["paths"]["/api/v1/auth/logout/"]["post"]["responses"]


def test_tokens_do_not_pile_up(api, officer_a, settings):
    from requests_app.auth import token_create
    from requests_app.models import ApiToken

    settings.LAWREQ_MAX_TOKENS_PER_USER = 3
    first, _ = token_create(user=officer_a)
    for _ in range(4):
        newest, _ = token_create(user=officer_a)

    assert ApiToken.objects.filter(user=officer_a).count() == 3
    assert _client_with(api, first).get(JURISDICTIONS).status_code == 401
    assert _client_with(api, newest).get(JURISDICTIONS).status_code == 200


def test_a_password_only_token_dies_once_a_second_factor_is_required(api, reviewer, settings):
    # given a token issued while the reviewer needed no second factor
    key, _ = _token_for(api, reviewer)
    client = _client_with(api, key)
    assert client.get(JURISDICTIONS).status_code == 200

    # when the deployment starts requiring one for staff
    settings.LAWREQ_REQUIRE_STAFF_OTP = True

    # then the token no longer opens anything, and is gone
    response = client.get(JURISDICTIONS)
    assert response.status_code == 401
    assert response.json()["detail"] == ERR_TOKEN_WITHOUT_SECOND_FACTOR
    assert not ApiToken.objects.filter(user=reviewer).exists()


def test_a_password_only_token_dies_when_its_owner_enrols_a_device(api, officer_a):
    key, _ = _token_for(api, officer_a)

    TOTPDevice.objects.create(user=officer_a, name="phone", confirmed=True)

    assert _client_with(api, key).get(JURISDICTIONS).status_code == 401


def test_a_token_issued_with_the_second_factor_keeps_working(api, reviewer, settings):
    settings.LAWREQ_REQUIRE_STAFF_OTP = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"

    response = api().post(TOKEN, {"username": reviewer.username, "password": PASSWORD, "otp": code}, format="json")

    assert response.status_code == 200
    assert _client_with(api, response.json()["token"]).get(JURISDICTIONS).status_code == 200


@pytest.mark.parametrize("key", [b"a\x00b", b"\xff\xfe", b"ab'; --"])
def test_a_malformed_token_is_401_not_500(api, key):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=b"Token " + key)

    response = client.get(JURISDICTIONS)

    assert response.status_code == 401
