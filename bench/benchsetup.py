"""Django for a benchmark script: a throw-away SQLite database unless DATABASE_URL is set, in which
case the PostgreSQL database it names is created on first use. Import it before anything of Django."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_tmp = tempfile.mkdtemp(prefix="lawreq-bench-")
os.environ.setdefault("LAWREQ_DATA_DIR", _tmp)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawreq.settings")


def _ensure_postgres_database(url: str) -> None:
    """Create the bench database on first use (never the default one by accident)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(url)
    admin = psycopg2.connect(
        dbname="postgres", user=config["USER"], host=config["HOST"], port=config["PORT"] or 5432,
        password=config["PASSWORD"] or None,
    )  # fmt: skip
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()


_ensure_postgres_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()
