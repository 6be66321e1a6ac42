"""Fixtures of the audit tests: a throw-away checkpoint key and folder, and PostgreSQL-only tests."""

from __future__ import annotations

import pytest
from django.db import connection

POSTGRES_ONLY = "needs PostgreSQL: SQLite has no triggers, roles, advisory locks or concurrent writers"
# Decided at collection, before any database fixture runs: a skipped transactional test must not
# flush the database (the flush re-creates content types, which upsets serialized rollbacks later).
requires_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason=POSTGRES_ONLY)


@pytest.fixture(autouse=True)
def _checkpoint_key_and_folder(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_KEY = str(tmp_path / "keys" / "audit_checkpoint.pem")
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"


@pytest.fixture(autouse=True)
def _skip_postgres_only_tests_on_sqlite(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip(POSTGRES_ONLY)
