"""Signed webhooks: the officer-facing events of a request POSTed to its agency's receiver.

The body is JSON holding what the officer's API shows of the event (reference, event, state, link),
never targets, messages or anything the legal team wrote. Each delivery carries
``X-Lawreq-Timestamp`` (Unix seconds) and ``X-Lawreq-Signature: sha256=<hex>``, the HMAC-SHA256 with
the agency's secret over ``"<timestamp>.<body>"`` (docs/webhooks.md). A delivery is recorded once per
event (``WebhookDelivery``), claimed for each attempt so duplicated tasks send it once, retried with
exponential backoff after a failure, and never sent again once a receiver answered 2xx. Redirects
are not followed; the host is resolved, checked (``requests_app.webhooks.webhook_url_addresses``) and
connected to at the checked address, so a name that resolves elsewhere later is not followed either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from lawreq.errors import DomainError
from lawreq.links import public_page_url
from notifications import tasks
from notifications.models import Event, WebhookDelivery
from requests_app.models import LegalRequest
from requests_app.webhooks import agency_webhook_secret, webhook_url_addresses

# The events an agency is told of; the legal team's own (a proposal, a reminder) never leave.
AGENCY_EVENTS = frozenset({Event.QUESTION_ASKED, Event.MESSAGE_RECEIVED, Event.ANSWERED})
SIGNATURE_HEADER = "X-Lawreq-Signature"
TIMESTAMP_HEADER = "X-Lawreq-Timestamp"
USER_AGENT = "lawreq-webhook/1"
BACKOFF_MAX_SECONDS = 3600
LEASE_SLACK_SECONDS = 30


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, "<timestamp>.<body>")."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_backoff_seconds(attempts: int) -> int:
    """The wait after the ``attempts``-th failed attempt: doubling from the base, capped at an hour."""
    return min(settings.LAWREQ_WEBHOOK_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


def _portal_link(ref: str) -> str:
    return public_page_url("web:portal-detail", ref=ref)


def webhook_event(*, event: Event, legal_request: LegalRequest, occurrence: str) -> WebhookDelivery | None:
    """Record the event's delivery to the request's agency, if it has a webhook, and send it after
    commit. The same occurrence again records nothing and sends nothing."""
    if event not in AGENCY_EVENTS:
        return None
    agency = legal_request.agency
    if not agency.webhook_url or not agency.webhook_secret_sealed:
        return None
    payload = {
        "id": uuid.uuid4().hex,
        "event": str(event),
        "ref": legal_request.ref,
        "state": legal_request.state,
        "link": _portal_link(legal_request.ref),
        "occurred_at": timezone.now().astimezone(dt.UTC).isoformat(),
    }
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                agency=agency,
                legal_request=legal_request,
                event=event,
                occurrence=occurrence,
                payload=payload,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: tasks.deliver_webhook.delay(delivery.pk), robust=True)
    return delivery


@dataclass(frozen=True)
class Attempt:
    delivered: bool
    retry_in: int | None  # seconds until the next attempt, None when there is none (delivered, given up, not ours)


def webhook_deliver(*, delivery_id: int) -> Attempt:
    """One attempt at the delivery, if it is due and nobody else is making one."""
    now = timezone.now()
    timeout = settings.LAWREQ_WEBHOOK_TIMEOUT_SECONDS
    claimed = (
        WebhookDelivery.objects.filter(
            pk=delivery_id, delivered_at__isnull=True, abandoned=False, next_attempt_at__lte=now
        )
        .exclude(lease_until__gt=now)
        .update(lease_until=now + dt.timedelta(seconds=2 * timeout + LEASE_SLACK_SECONDS))
    )
    if not claimed:
        return Attempt(delivered=False, retry_in=None)
    delivery = WebhookDelivery.objects.select_related("agency").get(pk=delivery_id)
    status, error = _post(delivery, timeout=timeout)
    attempts = delivery.attempts + 1
    delivered = status is not None and 200 <= status < 300
    given_up = not delivered and attempts >= settings.LAWREQ_WEBHOOK_MAX_ATTEMPTS
    retry_in = None if delivered or given_up else webhook_backoff_seconds(attempts)
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        attempts=attempts,
        last_status=status,
        last_error=error[:200],
        delivered_at=timezone.now() if delivered else None,
        abandoned=given_up,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=retry_in) if retry_in is not None else None,
        lease_until=None,
    )
    return Attempt(delivered=delivered, retry_in=retry_in)


def webhooks_due(*, now: dt.datetime | None = None) -> list[int]:
    """Deliveries whose next attempt is due (a retry whose task was lost, a delivery never sent)."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(delivered_at__isnull=True, abandoned=False, next_attempt_at__lte=now)
        .exclude(lease_until__gt=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)
    )


def _post(delivery: WebhookDelivery, *, timeout: int) -> tuple[int | None, str]:
    """POST the signed body; the HTTP status (None when none came) and what went wrong, if anything."""
    url = delivery.agency.webhook_url
    try:
        addresses = webhook_url_addresses(url)
        secret = agency_webhook_secret(delivery.agency)
    except DomainError as error:
        return None, error.message
    if not url or not secret:
        return None, "The agency has no webhook configured."
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: webhook_signature(secret=secret, timestamp=timestamp, body=body),
    }
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, parts.port, address=addresses[0], timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(1024)  # a receiver's answer is not ours to store
        return response.status, "" if 200 <= response.status < 300 else f"HTTP {response.status}"
    except (OSError, http.client.HTTPException) as error:
        return None, type(error).__name__
    finally:
        connection.close()


def _tls_context() -> ssl.SSLContext:
    """The system's trust store, the host name checked: an agency's receiver has a public certificate."""
    return ssl.create_default_context()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to by then."""

    def __init__(self, host: str, port: int | None, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int | None, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=_tls_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
