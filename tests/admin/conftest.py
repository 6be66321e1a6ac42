from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
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
