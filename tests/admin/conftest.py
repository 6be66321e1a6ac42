"""The admin, over HTTP: pytest-django's ``admin_client`` (a superuser logged in with
``force_login``: the admin's own log-in page is not what these tests are about), and the forms as
the admin renders them."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lawreq.roles import Role
from tests.conftest import PASSWORD


@pytest.fixture
def administrator(db):
    user = get_user_model().objects.create_superuser(
        username="ada.admin", email="ada@platform.example", password=PASSWORD
    )
    user.groups.add(Group.objects.get(name=Role.ADMIN.value))
    return user


@pytest.fixture
def totp_device(settings):
    """A TOTP device for a user, and the code it shows now."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own back-off would delay the good code

    def enrol(user) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    return enrol


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


class _FormFields(HTMLParser):
    """The values a browser would submit for the page's form with id ``form_id`` (or its only one)."""

    def __init__(self, form_id: str | None):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = self.form_id is None or attributes.get("id") == self.form_id
        if not self.inside:
            return
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("submit", "button", "file"):
            if attributes.get("type") in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.data.setdefault(name, []).append(attributes.get("value", "on"))
            else:
                self.data[name] = attributes.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attributes:
            self.data[self._select].append(attributes.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n") if not self.data[self._textarea] else data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def admin_form(client: Client, url: str, form_id: str | None = None) -> dict:
    """The form on the admin page at ``url``, filled in as the page shows it."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    parser = _FormFields(form_id)
    parser.feed(page.content.decode())
    return {name: value for name, value in parser.data.items() if value != []}
