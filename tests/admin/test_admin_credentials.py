"""Nothing in the admin shows or makes a credential for someone else, and a password an
administrator sets for someone is checked, audited and ends that person's tokens and sessions."""

from __future__ import annotations

import pytest

from audit.actions import AuditAction
from audit.models import AuditEntry
from requests_app.auth import token_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

STRONG = "orbit lantern meadow quartz"


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def test_the_admin_lists_no_api_token(admin_client, officer_a):
    token_create(user=officer_a)

    index = admin_client.get("/admin/").content.decode().lower()

    assert "api token" not in index and "auth token" not in index and "apitoken" not in index
    for path in ("/admin/requests_app/apitoken/", "/admin/knox/authtoken/", "/admin/authtoken/tokenproxy/"):
        assert admin_client.get(path).status_code == 404


def test_the_admin_shows_no_totp_secret_and_makes_no_device(admin_client, reviewer, totp_device):
    device = totp_device(reviewer)

    listing = admin_client.get("/admin/otp_totp/totpdevice/")
    page = admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")

    assert listing.status_code == 200 and reviewer.username in listing.content.decode()
    assert page.status_code == 200
    for secret in (device.key, "otpauth://", "qrcode", "config_url"):
        assert secret not in page.content.decode()
    assert admin_client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    assert admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/delete/").status_code == 403


def test_an_admin_cannot_set_a_numeric_password(admin_client, reviewer):
    response = admin_client.post(
        f"/admin/auth/user/{reviewer.pk}/password/",
        {"password1": "123456789012", "password2": "123456789012", "usable_password": "true"},
    )

    assert response.status_code == 200
    reviewer.refresh_from_db()
    assert reviewer.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action=AuditAction.PASSWORD_CHANGED).exists()


def test_a_password_an_admin_sets_ends_the_users_tokens_and_sessions_and_is_audited(
    admin_client, administrator, reviewer, api, client_factory
):
    key, _ = token_create(user=reviewer)
    reviewer_browser = client_factory()
    reviewer_browser.force_login(reviewer)
    assert reviewer_browser.get("/queue/").status_code == 200

    response = admin_client.post(
        f"/admin/auth/user/{reviewer.pk}/password/",
        {"password1": STRONG, "password2": STRONG, "usable_password": "true"},
    )

    assert response.status_code == 302
    token_client = api()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert token_client.get("/api/v1/jurisdictions/").status_code == 401
    assert reviewer_browser.get("/queue/").status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert entry.actor_id == administrator.pk
    assert entry.object_id == str(reviewer.pk)
    assert entry.details == {"via": "admin"}


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client
