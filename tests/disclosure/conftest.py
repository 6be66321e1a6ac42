"""Fixtures of the review and disclosure tests.

Requests are filed through the intake services (``draft_factory`` of tests/conftest.py), then put
in review with a stored check run, as the validation task would leave them.
"""

from __future__ import annotations

import base64
import os

import pytest
from django.db import connection

# Fixtures shared with the subscriber tests.
from tests.subscribers.conftest import make_account, shipped_rules  # noqa: F401

POSTGRES_ONLY = "needs PostgreSQL: row locks with concurrent connections, and the full flow on the production database"


@pytest.fixture(autouse=True)
def _skip_postgres_only_tests_on_sqlite(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip(POSTGRES_ONLY)


@pytest.fixture(autouse=True)
def encryption_keys(settings, tmp_path) -> str:
    """A fresh data key per test; development key files go to a temporary folder."""
    spec = f"k1:{base64.b64encode(os.urandom(32)).decode()}"
    settings.LAWREQ_ENCRYPTION_KEYS = spec
    settings.LAWREQ_KEYS_DIR = tmp_path / "keys"
    return spec


@pytest.fixture
def in_review_factory(request, draft_factory, django_capture_on_commit_callbacks):
    """A request filed, submitted, checked against the shipped rules and resolved: ``in_review``."""
    request.getfixturevalue("shipped_rules")
    from requests_app.models import State
    from requests_app.services import legal_request_submit
    from rules.services import legal_request_validate
    from subscribers.services import legal_request_resolve_targets

    def build(officer, **overrides):
        legal_request = draft_factory(officer, **overrides)
        # The validation task is enqueued on commit; here it runs in the test's own transaction.
        with django_capture_on_commit_callbacks(execute=False):
            legal_request_submit(legal_request=legal_request, actor=officer)
        legal_request_validate(legal_request_id=legal_request.pk)
        legal_request_resolve_targets(legal_request=legal_request)
        legal_request.refresh_from_db()
        assert legal_request.state == State.IN_REVIEW, legal_request.info_requested
        return legal_request

    return build


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
