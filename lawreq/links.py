"""Absolute addresses for what leaves the site (e-mails, webhooks): a link in a mail has no page to
be relative to. The base is ``LAWREQ_PUBLIC_URL``; production mode refuses to start without it
(``lawreq.checks``, lawreq.E008); outside production mode the development server's address stands in."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

DEVELOPMENT_PUBLIC_URL = "http://127.0.0.1:8000"


def public_url(path: str, *, base_url: str = "") -> str:
    """``path`` made absolute: on ``LAWREQ_PUBLIC_URL``, else ``base_url`` (the page's own address,
    which Django checked against ALLOWED_HOSTS), else the development server's address."""
    base = settings.LAWREQ_PUBLIC_URL or base_url or DEVELOPMENT_PUBLIC_URL
    return f"{base.rstrip('/')}{path}"


def public_page_url(name: str, **kwargs) -> str:
    """The absolute address of the named page (``web:staff-detail``, ref=...)."""
    return public_url(reverse(name, kwargs=kwargs or None))
