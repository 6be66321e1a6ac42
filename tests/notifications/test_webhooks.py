"""Signed webhooks, received by a real HTTP server on this machine that verifies each signature as an
agency would: HMAC-SHA256 with its secret over "<timestamp>.<body>", the timestamp recent."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.test import override_settings

from audit.actions import AuditAction
from lawreq.errors import InvalidInput
from notifications import tasks
from notifications.models import Event, WebhookDelivery
from notifications.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_backoff_seconds, webhook_event
from requests_app.webhooks import (
    agency_webhook_configure,
    agency_webhook_secret,
    agency_webhook_secret_rotate,
    webhook_url_addresses,
)
from tests.casework.conftest import QUESTION
from tests.conftest import SHARED_PER_MODULE
from workflow.services import do_message_post

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]

TOLERANCE_SECONDS = 300


def receiver_verifies(*, secret: str, timestamp: str, body: bytes, signature: str, now: float) -> bool:
    """What an agency's receiver does (docs/webhooks.md): recompute, compare in constant time, refuse stale."""
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature) and abs(now - int(timestamp)) <= TOLERANCE_SECONDS


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # the answers to give, in order; then 200
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/lawreq-hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def agency_secret(agency_a, receiver, reviewer) -> str:
    agency_webhook_configure(agency=agency_a, url=receiver.url, actor=reviewer)
    return agency_webhook_secret_rotate(agency=agency_a, actor=reviewer)


def test_a_question_is_posted_signed_and_the_receiver_verifies_it(
    officer_a, agency_secret, receiver, needs_info_factory, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        legal_request = needs_info_factory(officer_a)

    [delivery] = receiver.received
    assert delivery.path == "/lawreq-hook" and delivery.headers["Content-Type"] == "application/json"
    timestamp, signature = delivery.headers[TIMESTAMP_HEADER], delivery.headers[SIGNATURE_HEADER]
    assert signature.startswith("sha256=")
    now = time.time()
    assert receiver_verifies(
        secret=agency_secret, timestamp=timestamp, body=delivery.body, signature=signature, now=now
    )
    assert not receiver_verifies(
        secret="whsec_not-the-agencys", timestamp=timestamp, body=delivery.body, signature=signature, now=now
    )
    assert not receiver_verifies(  # a body changed in transit
        secret=agency_secret, timestamp=timestamp, body=delivery.body + b" ", signature=signature, now=now
    )
    assert not receiver_verifies(  # replayed an hour later
        secret=agency_secret, timestamp=timestamp, body=delivery.body, signature=signature, now=now + 3600
    )
    payload = json.loads(delivery.body)
    assert payload["event"] == Event.QUESTION_ASKED and payload["ref"] == legal_request.ref
    assert payload["state"] == "needs_info" and payload["link"].endswith(f"/portal/{legal_request.ref}/")


def test_the_payload_carries_no_personal_data_nor_anything_the_legal_team_wrote(
    officer_a, analyst, agency_secret, receiver, needs_info_factory, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        legal_request = needs_info_factory(officer_a)
        do_message_post(legal_request=legal_request, actor=analyst, body="Call us on +33 6 12 34 56 78.")
        do_message_post(legal_request=legal_request, actor=officer_a, body="From the agency: not echoed back.")

    assert [json.loads(r.body)["event"] for r in receiver.received] == ["question_asked", "message_received"]
    for received in receiver.received:
        payload = json.loads(received.body)
        assert set(payload) == {"id", "event", "ref", "state", "link", "occurred_at"}
        text = received.body.decode()
        for secret_text in (
            "someone", "555-0199", "5550199", "+33", legal_request.case_number, QUESTION[:20],
            analyst.username, officer_a.username, officer_a.email,
        ):  # fmt: skip
            assert secret_text not in text, secret_text


def test_retries_back_off_after_errors_and_deliver_exactly_once(
    officer_a, agency_secret, receiver, needs_info_factory, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 503]
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        legal_request = needs_info_factory(officer_a)
    delivery = WebhookDelivery.objects.get(legal_request=legal_request)
    assert (delivery.attempts, delivery.last_status, delivery.delivered_at) == (1, 500, None)
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=webhook_backoff_seconds(1))

    first_wait, second_wait = webhook_backoff_seconds(1), webhook_backoff_seconds(2)
    assert second_wait == 2 * first_wait
    with time_machine.travel(start + dt.timedelta(seconds=first_wait - 1), tick=False):
        assert tasks.webhook_retries.delay().get() == 0  # not due yet
    retried = start + dt.timedelta(seconds=first_wait)
    with time_machine.travel(retried, tick=False):
        assert tasks.webhook_retries.delay().get() == 1
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status) == (2, 503)
    assert delivery.next_attempt_at == retried + dt.timedelta(seconds=second_wait)

    with time_machine.travel(retried + dt.timedelta(seconds=second_wait), tick=False):
        assert tasks.webhook_retries.delay().get() == 1
        # A duplicated task and the same event raised again send nothing more.
        assert tasks.deliver_webhook.delay(delivery.pk).get() is False
        raised_again = webhook_event(
            event=Event.QUESTION_ASKED, legal_request=legal_request, occurrence=delivery.occurrence
        )
        assert raised_again is None
        assert tasks.webhook_retries.delay().get() == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.last_status == 200 and delivery.delivered_at is not None
    assert len(receiver.received) == 3
    assert len({r.body for r in receiver.received}) == 1, "each attempt sends the same event"
    assert WebhookDelivery.objects.filter(legal_request=legal_request).count() == 1


def test_the_same_occurrence_is_recorded_once(officer_a, agency_secret, receiver, needs_info_factory):
    legal_request = needs_info_factory(officer_a)
    [first] = WebhookDelivery.objects.filter(legal_request=legal_request)
    again = webhook_event(event=Event.QUESTION_ASKED, legal_request=legal_request, occurrence=first.occurrence)
    assert again is None and WebhookDelivery.objects.filter(legal_request=legal_request).count() == 1


def test_a_redirect_is_not_followed(
    officer_a, agency_secret, receiver, needs_info_factory, django_capture_on_commit_callbacks
):
    receiver.statuses = [302]
    with django_capture_on_commit_callbacks(execute=True):
        legal_request = needs_info_factory(officer_a)
    delivery = WebhookDelivery.objects.get(legal_request=legal_request)
    assert delivery.last_status == 302 and delivery.delivered_at is None
    assert [r.path for r in receiver.received] == ["/lawreq-hook"]


def test_the_legal_teams_own_events_never_leave(
    officer_a, analyst, reviewer, agency_secret, receiver, in_review_factory, django_capture_on_commit_callbacks
):
    from workflow.services import do_propose

    with django_capture_on_commit_callbacks(execute=True):
        legal_request = in_review_factory(officer_a)
        do_propose(legal_request=legal_request, actor=analyst, decision="reject", reason="x", reasons=["other"])
    assert receiver.received == []


def test_the_secret_is_sealed_generated_and_rotation_is_audited(agency_a, reviewer, audit_trail):
    first = agency_webhook_secret_rotate(agency=agency_a, actor=reviewer)
    agency_a.refresh_from_db()
    assert first.encode() not in bytes(agency_a.webhook_secret_sealed)
    assert agency_webhook_secret(agency_a) == first
    second = agency_webhook_secret_rotate(agency=agency_a, actor=reviewer)
    agency_a.refresh_from_db()
    assert second != first and agency_webhook_secret(agency_a) == second
    assert len(audit_trail.entries(AuditAction.WEBHOOK_SECRET_ROTATED, actor_id=reviewer.pk)) == 2


PRODUCTION = {"LAWREQ_WEBHOOK_REQUIRE_HTTPS": True, "LAWREQ_WEBHOOK_ALLOW_PRIVATE": False}


@pytest.mark.parametrize(
    "url",
    [
        "http://203.0.113.10/hook",  # not https
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
        "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of the cloud metadata address
        "https://[64:ff9b::5db8:d822]/hook",  # NAT64 even of a public address: the gateway is the platform's
        "https://[64:ff9b:1::a00:7]/hook",  # local-use NAT64 of 10.0.0.7
        "https://[2002:7f00:1::1]/hook",  # 6to4 of 127.0.0.1
        "https://[2002:a00:7::1]/hook",  # 6to4 of 10.0.0.7
        "https://0.0.0.0/hook",
        "https://user:password@93.184.216.34/hook",
        "ftp://93.184.216.34/hook",
        "https:///no-host",
        "https://does-not-exist.invalid/hook",
        "javascript:alert(1)",
    ],
)
def test_ssrf_and_invalid_addresses_are_refused_in_production(agency_a, url):
    with override_settings(**PRODUCTION), pytest.raises(InvalidInput) as refused:
        agency_webhook_configure(agency=agency_a, url=url)
    assert refused.value.field == "webhook_url"
    agency_a.refresh_from_db()
    assert agency_a.webhook_url == ""


def test_a_public_https_address_is_accepted_in_production():
    with override_settings(**PRODUCTION):
        assert webhook_url_addresses("https://93.184.216.34/hook") == ["93.184.216.34"]


def test_delivery_checks_the_address_again(
    officer_a, agency_secret, receiver, needs_info_factory, django_capture_on_commit_callbacks
):
    with override_settings(**PRODUCTION), django_capture_on_commit_callbacks(execute=True):
        legal_request = needs_info_factory(officer_a)
    delivery = WebhookDelivery.objects.get(legal_request=legal_request)
    assert receiver.received == [] and delivery.delivered_at is None
    assert delivery.last_status is None and "https" in delivery.last_error


def test_the_admin_form_refuses_a_private_address(admin_client, agency_a):
    from django.urls import reverse

    url = reverse("admin:requests_app_agency_change", args=[agency_a.pk])
    form = {
        "name": agency_a.name,
        "country": agency_a.country,
        "verified": "on",
        "email_domains": json.dumps(agency_a.email_domains),
        "callback_phone": agency_a.callback_phone,
        "webhook_url": "https://10.0.0.7/hook",
    }
    with override_settings(**PRODUCTION):
        response = admin_client.post(url, form)
    assert response.status_code == 200 and "private or reserved" in response.content.decode()
    agency_a.refresh_from_db()
    assert agency_a.webhook_url == ""


def test_the_task_retries_itself_at_the_backoffs_time_when_run_by_a_worker(
    officer_a, agency_secret, receiver, needs_info_factory, monkeypatch
):
    """A worker's task (not eager) asks Celery for a retry at the backoff's countdown after a failure."""
    from celery.exceptions import Retry

    receiver.statuses = [500, 500]
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False):
        legal_request = needs_info_factory(officer_a)  # the eager run (on commit) is not captured here
        delivery = WebhookDelivery.objects.get(legal_request=legal_request)
        asked: list[int] = []

        def retry(*, countdown: int, **_):
            asked.append(countdown)
            return Retry()

        monkeypatch.setattr(tasks.deliver_webhook, "retry", retry)
        tasks.deliver_webhook.push_request(is_eager=False, retries=0)
        try:
            with pytest.raises(Retry):
                tasks.deliver_webhook.run(delivery.pk)
        finally:
            tasks.deliver_webhook.pop_request()
    assert asked == [webhook_backoff_seconds(1)]
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status) == (1, 500)


def test_the_admin_shows_a_new_secret_once_and_audits_the_address_without_its_value(
    admin_client, agency_a, receiver, audit_trail
):
    from django.urls import reverse

    changelist = reverse("admin:requests_app_agency_changelist")
    response = admin_client.post(
        changelist, {"action": "webhook_secret_rotate", "_selected_action": [agency_a.pk]}, follow=True
    )
    page = response.content.decode()
    agency_a.refresh_from_db()
    secret = agency_webhook_secret(agency_a)
    assert secret.startswith("whsec_") and secret in page
    assert secret not in admin_client.get(changelist).content.decode()
    assert (
        secret not in admin_client.get(reverse("admin:requests_app_agency_change", args=[agency_a.pk])).content.decode()
    )

    form = {
        "name": agency_a.name,
        "country": agency_a.country,
        "verified": "on",
        "email_domains": json.dumps(agency_a.email_domains),
        "callback_phone": agency_a.callback_phone,
        "timezone": agency_a.timezone,
        "office_hours_start": agency_a.office_hours_start.strftime("%H:%M"),
        "office_hours_end": agency_a.office_hours_end.strftime("%H:%M"),
        "office_days": json.dumps(agency_a.office_days),
        "webhook_url": receiver.url + "?token=receivers-own-token",
    }
    admin_client.post(reverse("admin:requests_app_agency_change", args=[agency_a.pk]), form)
    agency_a.refresh_from_db()
    assert agency_a.webhook_url.endswith("?token=receivers-own-token")
    assert "receivers-own-token" not in json.dumps([entry.details for entry in audit_trail.entries()])


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch) -> Iterator[Receiver]:
    """The receiver behind TLS, with a certificate for 127.0.0.1 that the platform is told to trust."""
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "webhook receiver")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    monkeypatch.setattr("notifications.webhooks._tls_context", lambda: ssl.create_default_context(cafile=cert_file))
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_file, key_file)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"https://127.0.0.1:{server.server_address[1]}/tls-hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_https_delivery_checks_the_receivers_certificate(
    officer_a, agency_a, reviewer, tls_receiver, needs_info_factory, django_capture_on_commit_callbacks
):
    with override_settings(LAWREQ_WEBHOOK_REQUIRE_HTTPS=True):
        agency_webhook_configure(agency=agency_a, url=tls_receiver.url, actor=reviewer)
        secret = agency_webhook_secret_rotate(agency=agency_a, actor=reviewer)
        with django_capture_on_commit_callbacks(execute=True):
            legal_request = needs_info_factory(officer_a)
    [received] = tls_receiver.received
    assert receiver_verifies(
        secret=secret,
        timestamp=received.headers[TIMESTAMP_HEADER],
        body=received.body,
        signature=received.headers[SIGNATURE_HEADER],
        now=time.time(),
    )
    assert WebhookDelivery.objects.get(legal_request=legal_request).last_status == 204


def test_https_delivery_refuses_an_untrusted_certificate(
    officer_a, agency_a, reviewer, tls_receiver, needs_info_factory, django_capture_on_commit_callbacks, monkeypatch
):
    import ssl

    monkeypatch.setattr("notifications.webhooks._tls_context", ssl.create_default_context)  # the system's roots
    agency_webhook_configure(agency=agency_a, url=tls_receiver.url, actor=reviewer)
    agency_webhook_secret_rotate(agency=agency_a, actor=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        legal_request = needs_info_factory(officer_a)
    delivery = WebhookDelivery.objects.get(legal_request=legal_request)
    assert tls_receiver.received == [] and delivery.delivered_at is None
    assert delivery.last_status is None and "SSL" in delivery.last_error
