"""createsuperuser applies the password rules like every other way of setting a password."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def _create(monkeypatch, password: str, **options) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", password)
    call_command("createsuperuser", username="ops", email="ops@platform.example", **options)


def test_a_numeric_password_is_refused_with_noinput(monkeypatch):
    with pytest.raises(CommandError, match="entirely numeric"):
        _create(monkeypatch, "123456789012", interactive=False)

    assert not get_user_model().objects.filter(username="ops").exists()


def test_a_strong_password_creates_the_administrator(monkeypatch):
    _create(monkeypatch, "correct horse battery staple 2026", interactive=False, verbosity=0)

    assert get_user_model().objects.get(username="ops").is_superuser


def test_interactive_creation_is_refused_rather_than_offering_a_bypass(monkeypatch):
    with pytest.raises(CommandError, match="bypass"):
        _create(monkeypatch, "correct horse battery staple 2026", interactive=True)
