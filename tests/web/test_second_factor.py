"""An officer may enrol a second factor on their own; from then on their log-in needs it."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.actions import AuditAction
from audit.models import AuditEntry
from requests_app.auth import ERR_ENROLMENT_CODE, ERR_OTP_REQUIRED, ERR_THROTTLED
from tests.admin.conftest import current_code
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/accounts/second-factor/"
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _no_otp_back_off(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_an_officer_enrols_a_second_factor_and_then_needs_it(client, officer_a):
    client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD})
    page = client.get(PAGE)
    device = TOTPDevice.objects.get(user=officer_a)
    assert page.status_code == 200 and "otpauth://" in page.content.decode()
    assert not device.confirmed

    confirmed = client.post(PAGE, {"password": PASSWORD, "otp": current_code(device)})

    assert confirmed.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    # the session that proved the factor goes on; the secret is not shown again
    assert client.get("/portal/").status_code == 200
    assert "otpauth://" not in client.get(PAGE).content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.SECOND_FACTOR_ENROLLED)
    assert entry.actor_id == officer_a.pk
    # and the next log-in needs the code
    client.post("/accounts/logout/")
    refused = client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD})
    assert ERR_OTP_REQUIRED in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_enrols_nothing(client, officer_a):
    client.force_login(officer_a)
    client.get(PAGE)

    response = client.post(PAGE, {"password": PASSWORD, "otp": "12345"})

    assert ERR_ENROLMENT_CODE in response.content.decode()
    assert not TOTPDevice.objects.get(user=officer_a).confirmed
    assert not AuditEntry.objects.filter(action=AuditAction.SECOND_FACTOR_ENROLLED).exists()


def test_enrolment_needs_the_password(client, officer_a):
    client.force_login(officer_a)
    client.get(PAGE)
    device = TOTPDevice.objects.get(user=officer_a)

    client.post(PAGE, {"password": "not the password", "otp": current_code(device)})

    device.refresh_from_db()
    assert not device.confirmed


def test_the_password_asked_at_enrolment_is_throttled_and_a_wrong_one_audited(client, officer_a, settings):
    # given: a session in someone else's hands, guessing the password to enrol their own device
    client.force_login(officer_a)
    client.get(PAGE)

    guesses = [client.post(PAGE, {"password": f"guess {n}", "otp": "123456"}) for n in range(8)]

    # then: each wrong password is a failed log-in in the trail, and past the limit none is checked
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() == settings.LAWREQ_LOGIN_MAX_ATTEMPTS
    assert ERR_THROTTLED in guesses[-1].content.decode()
    right = client.post(PAGE, {"password": PASSWORD, "otp": "123456"})
    assert ERR_THROTTLED in right.content.decode()
    assert not TOTPDevice.objects.get(user=officer_a).confirmed
