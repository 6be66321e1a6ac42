"""Weak passwords are refused on every path that sets one."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from demo.cast import demo_cast_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("weak", ["123456789012", "password1234", "qwertyuiop123"])
def test_numeric_and_common_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_a_password_like_the_username_is_refused(reviewer):
    with pytest.raises(ValidationError):
        validate_password("rita.reviewer1", user=reviewer)


def test_the_demo_cast_refuses_a_weak_password():
    with pytest.raises(ValidationError):
        demo_cast_create(password="123456789012")


def test_demo_setup_refuses_a_weak_password_before_creating_anything():
    from django.contrib.auth import get_user_model

    with pytest.raises(CommandError):
        call_command("demo_setup", "--password", "123456789012")
    assert not get_user_model().objects.exists()
