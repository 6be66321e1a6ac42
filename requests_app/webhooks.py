"""An agency's webhook: where its events are POSTed and the secret they are signed with.

The secret is generated here (never chosen), sealed at rest with the data keys, and shown once to the
person who generated it; the receiver verifies each delivery with it (docs/webhooks.md). The address
must be https in production and must not resolve to a private, loopback or link-local address there
(the platform must not be made to call into its own network); delivery checks again at connection.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.errors import InvalidInput
from requests_app.models import Agency
from vault.crypto import seal, unseal

ERR_URL_SCHEME = "The webhook address must start with https://."
ERR_URL_FORM = "The webhook address must be an absolute http(s) address with a host name and no user name or password."
ERR_URL_PRIVATE = "The webhook address must reach a public address; {host} resolves to a private or reserved one."
ERR_URL_UNRESOLVED = "The webhook address's host {host} does not resolve."
SECRET_BYTES = 32
SECRET_PREFIX = "whsec_"  # noqa: S105  (a marker for the reader, not a secret)


def agency_webhook_seal_context(agency_id: int) -> str:
    return f"requests_app.agency_webhook_secret:{agency_id}"


# Prefixes that carry an IPv4 address to a translator or relay: Python counts them global, but a NAT64
# gateway (64:ff9b::/96, RFC 6052; 64:ff9b:1::/48, RFC 8215) or a 6to4 relay (2002::/16, RFC 3056)
# connects on to the embedded IPv4 address, which may be private. Refused outright.
TRANSLATED_IPV6 = tuple(ipaddress.ip_network(net) for net in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16"))


def _address_is_public(address: str) -> bool:
    """Global, not an IPv4 translation or relay prefix, and any IPv4 address it embeds global too."""
    ip = ipaddress.ip_address(address)
    if not ip.is_global:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in TRANSLATED_IPV6):
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not embedded.is_global:
            return False
    return True


def webhook_url_addresses(url: str) -> list[str]:
    """The addresses ``url`` may be connected to, or ``InvalidInput``: its form, its scheme (https in
    production, ``LAWREQ_WEBHOOK_REQUIRE_HTTPS``) and, where private addresses are refused
    (``LAWREQ_WEBHOOK_ALLOW_PRIVATE`` off, as in production), every address its host resolves to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise InvalidInput(ERR_URL_FORM, field="webhook_url")
    if parts.scheme != "https" and settings.LAWREQ_WEBHOOK_REQUIRE_HTTPS:
        raise InvalidInput(ERR_URL_SCHEME, field="webhook_url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        raise InvalidInput(ERR_URL_UNRESOLVED.format(host=parts.hostname), field="webhook_url")
    addresses = sorted({info[4][0] for info in infos})
    if not settings.LAWREQ_WEBHOOK_ALLOW_PRIVATE and not all(_address_is_public(a) for a in addresses):
        raise InvalidInput(ERR_URL_PRIVATE.format(host=parts.hostname), field="webhook_url")
    return addresses


def agency_webhook_configure(*, agency: Agency, url: str, actor=None) -> Agency:
    """Set (or, with "", remove) the agency's webhook address; a checked address, audited."""
    url = url.strip()
    if url:
        webhook_url_addresses(url)
    with transaction.atomic():
        Agency.objects.filter(pk=agency.pk).update(webhook_url=url)
        agency.webhook_url = url
        audit_record(action=AuditAction.WEBHOOK_CONFIGURED, actor=actor, obj=agency, details={"enabled": bool(url)})
    return agency


def agency_webhook_secret_rotate(*, agency: Agency, actor=None) -> str:
    """A new signing secret for the agency, sealed; returned once for the agency to copy (it is never
    shown again). The previous secret stops signing at once."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    with transaction.atomic():
        envelope = bytes(seal(secret.encode(), context=agency_webhook_seal_context(agency.pk)))
        Agency.objects.filter(pk=agency.pk).update(webhook_secret_sealed=envelope)
        agency.webhook_secret_sealed = envelope
        audit_record(action=AuditAction.WEBHOOK_SECRET_ROTATED, actor=actor, obj=agency)
    return secret


def agency_webhook_secret(agency: Agency) -> str:
    """The agency's signing secret in clear, for signing a delivery ("" when none was generated)."""
    envelope = bytes(agency.webhook_secret_sealed or b"")
    if not envelope:
        return ""
    return unseal(envelope, context=agency_webhook_seal_context(agency.pk)).decode()
