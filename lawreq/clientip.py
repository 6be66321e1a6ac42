"""The client's address, as every throttle and every audited log-in takes it.

By default the connecting address (``REMOTE_ADDR``): a header is only believed when the deployment
says which reverse proxies set it, by count (``LAWREQ_TRUSTED_PROXY_COUNT``: each proxy appends the
address it saw to ``X-Forwarded-For``) or by networks (``LAWREQ_TRUSTED_PROXY_NETWORKS``: CIDRs).
Anything a client writes into the header left of what the trusted proxies appended is ignored.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(request) -> str:
    """The address of the client that sent ``request`` (a Django or DRF request)."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.LAWREQ_TRUSTED_PROXY_COUNT
    networks = _networks(tuple(settings.LAWREQ_TRUSTED_PROXY_NETWORKS))
    if not count and not networks:
        return remote
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    # Nearest hop last: the connecting address, then what each proxy appended, right to left.
    chain = [*forwarded, remote]
    if networks:
        # Walk left while the hop is a trusted proxy: the first hop that is not one is the client.
        position = len(chain) - 1
        while position > 0:
            hop = _address(chain[position])
            if hop is None or not any(hop in network for network in networks):
                break
            if _address(chain[position - 1]) is None:
                break  # a trusted proxy would have appended an address: take the proxy's own
            position -= 1
        return chain[position]
    if len(chain) <= count:
        # Fewer hops than proxies: the request did not come through them; only the socket is known.
        return remote
    candidate = chain[-(count + 1)]
    return candidate if _address(candidate) is not None else remote


class ClientAddressThrottleMixin:
    """DRF throttles key anonymous clients by ``client_address``, not by DRF's own header reading."""

    def get_ident(self, request) -> str:
        return client_address(request)


class ClientAddressAnonThrottle(ClientAddressThrottleMixin, AnonRateThrottle):
    pass
