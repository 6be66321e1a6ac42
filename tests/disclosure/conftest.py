"""Fixtures of the review and disclosure tests.

Requests are filed through the intake services (``draft_factory`` of tests/conftest.py), then put
in review with a stored check run, as the validation task would leave them.
"""

from __future__ import annotations

import base64
import os

import pytest
from django.db import connection

from tests.subscribers.conftest import make_account  # noqa: F401  (a fixture shared with the subscriber tests)

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
