"""The client's address: the socket's unless trusted proxies are configured, for every throttle."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from lawreq.clientip import client_address
from tests.conftest import PASSWORD

CLIENT = "198.51.100.23"
PROXY = "10.0.0.5"
SPOOFED = "203.0.113.250"


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_a_forwarded_header_is_ignored_by_default():
    assert client_address(_request(CLIENT, SPOOFED)) == CLIENT


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.LAWREQ_TRUSTED_PROXY_COUNT = 1
    # the client wrote SPOOFED itself; the proxy appended the address it saw
    assert client_address(_request(PROXY, f"{SPOOFED}, {CLIENT}")) == CLIENT


def test_behind_one_proxy_a_request_that_bypassed_it_is_the_socket(settings):
    settings.LAWREQ_TRUSTED_PROXY_COUNT = 1
    assert client_address(_request(CLIENT)) == CLIENT


def test_trusted_proxy_networks_are_skipped_right_to_left(settings):
    settings.LAWREQ_TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    assert client_address(_request(PROXY, f"{SPOOFED}, {CLIENT}, 10.1.2.3")) == CLIENT
    # a connection from outside the proxies' networks: its header is not believed
    assert client_address(_request(CLIENT, SPOOFED)) == CLIENT


def test_garbage_in_the_header_never_becomes_the_address(settings):
    settings.LAWREQ_TRUSTED_PROXY_COUNT = 1
    assert client_address(_request(PROXY, "not-an-address")) == PROXY
    settings.LAWREQ_TRUSTED_PROXY_COUNT = 0
    settings.LAWREQ_TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    assert client_address(_request(PROXY, "not-an-address")) == PROXY


def _pdf():
    return {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.7", content_type="application/pdf")}


@pytest.mark.django_db
def test_the_public_verification_throttle_cannot_be_bypassed_with_a_forged_header(client, monkeypatch):
    from letters.api import VerificationThrottle

    monkeypatch.setattr(VerificationThrottle, "rate", "2/min")
    for number in range(2):
        response = client.post("/api/v1/responses/verify/", _pdf(), HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
        assert response.status_code == 200

    forged = client.post("/api/v1/responses/verify/", _pdf(), HTTP_X_FORWARDED_FOR="192.0.2.99")
    page = client.post("/verify/", _pdf(), HTTP_X_FORWARDED_FOR="192.0.2.98")

    assert forged.status_code == 429
    assert page.status_code == 429


@pytest.mark.django_db
def test_behind_a_proxy_each_client_has_its_own_log_in_limit(api, officer_a, settings):
    settings.LAWREQ_TRUSTED_PROXY_COUNT = 1
    client = api()

    def log_in(password: str, address: str):
        return client.post(
            "/api/v1/auth/token/",
            {"username": officer_a.username, "password": password},
            format="json",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=address,
        )

    for _ in range(settings.LAWREQ_LOGIN_MAX_ATTEMPTS + 1):
        log_in("not the password", SPOOFED)

    assert log_in(PASSWORD, SPOOFED).status_code == 429
    assert log_in(PASSWORD, CLIENT).status_code == 200
