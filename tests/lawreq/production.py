"""A production environment for subprocesses: real keys made once per test process by
``manage.py production_keys`` (as ``make run-prod`` makes them), in a temporary folder."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def base_environment(data_dir: Path) -> dict[str, str]:
    # A clean environment, as a deployment has: nothing of the test run (DJANGO_ALLOW_ASYNC_UNSAFE...).
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LAWREQ_DATA_DIR": str(data_dir)}


@lru_cache(maxsize=1)
def production_keys() -> dict[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="lawreq-production-keys-"))
    done = manage(["production_keys", str(folder / "keys")], base_environment(folder / "data"))
    assert done.returncode == 0, done.stderr
    lines = (folder / "keys" / "production.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line)


def production_environment(data_dir: Path, **overrides: str) -> dict[str, str]:
    """Production mode with every key a deployment needs; the database is named, never reached."""
    environment = {
        **base_environment(data_dir),
        **production_keys(),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "LAWREQ_PRODUCTION": "true",
        "DATABASE_URL": "postgres://lawreq@127.0.0.1:5432/lawreq",
        "ALLOWED_HOSTS": "lawreq.example",
        "LAWREQ_PUBLIC_URL": "https://lawreq.example",
        "LAWREQ_RECORDS_CUSTODIAN": "Custodian of Records, Law Enforcement Response Team",
        "LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US": "false",
    }
    environment.update(overrides)
    return {name: value for name, value in environment.items() if value is not None}
