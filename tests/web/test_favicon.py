"""The site's icon: every page names it, and /favicon.ico (asked for by browsers on pages that do
not, such as the admin) answers with it rather than a 404."""

from __future__ import annotations

import pytest
from django.templatetags.static import static
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_served_not_404(client):
    response = client.get("/favicon.ico", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain and response.redirect_chain[-1][0].endswith(static("favicon.ico"))
    assert b"".join(response.streaming_content if response.streaming else [response.content])[:4] == b"\x00\x00\x01\x00"


def test_every_page_names_the_icon(client):
    page = client.get(reverse("web:login")).content.decode()

    assert f'<link rel="icon" href="{static("favicon.ico")}"' in page
