"""Fixtures of the review and disclosure tests.

Requests are filed through the intake services (``draft_factory`` of tests/conftest.py), then put
in review with a stored check run, as the validation task would leave them.
"""

from __future__ import annotations

import pytest
from django.db import connection

# Fixtures shared with the subscriber tests.
from tests.subscribers.conftest import make_account  # noqa: F401

POSTGRES_ONLY = "needs PostgreSQL: row locks with concurrent connections, and the full flow on the production database"


@pytest.fixture(autouse=True)
def _skip_postgres_only_tests_on_sqlite(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip(POSTGRES_ONLY)


@pytest.fixture(autouse=True)
def encryption_keys(settings, tmp_path, data_key) -> str:
    """A fresh data key per test (or per module, when the module shares data sealed with its key);
    development key files go to a temporary folder."""
    settings.LAWREQ_ENCRYPTION_KEYS = data_key
    settings.LAWREQ_KEYS_DIR = tmp_path / "keys"
    return data_key


@pytest.fixture
def analyst_reviewer(db):
    """Holds both staff roles: may propose, and approve others' proposals, never their own."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username="paula.both", email="paula@platform.example")
    user.groups.add(*Group.objects.filter(name__in=["analyst", "reviewer"]))
    return user


@pytest.fixture
def staff_superuser(db):
    """A superuser in both staff groups: four eyes hold for them too."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_superuser(username="root", email="root@platform.example", password=None)
    user.groups.add(*Group.objects.filter(name__in=["analyst", "reviewer"]))
    return user
