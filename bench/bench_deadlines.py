"""The deadline beat at scale: one sweep of reminders and escalations, the same sweep again (which
must send nothing), and the analysts' digest.

    DATABASE_URL=postgres://.../lawreq_bench_deadlines .venv/bin/python bench/bench_deadlines.py [--requests N]

Seeds N open requests in bulk (default 20,000 on PostgreSQL, 2,000 on the throw-away SQLite
database), received three days ago and due from three days ago to a week ahead, a third of them
waiting for the officer (clock paused); then prints the time, the alerts sent and the SQL queries
of each step. E-mails go to Django's in-memory outbox.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import datetime as dt

import benchsetup  # noqa: F401  (Django, on DATABASE_URL or a throw-away SQLite)
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from demo.cast import demo_cast_create
from notifications.deadlines import analyst_digests_send, deadline_alerts_send
from requests_app.models import Agency, Jurisdiction, LegalRequest
from requests_app.states import State
from rules.services import rules_load_shipped

BATCH = 5_000
DATA = {
    "process_type": "subpoena", "offense": "Wire fraud", "offense_category": "fraud", "terms_violation": True,
    "issuing_authority_type": "court", "issuing_authority_name": "U.S. District Court",
    "categories": ["ip_addresses"],
}  # fmt: skip


def seed(count: int, *, officer, analyst) -> None:
    agency = Agency.objects.get(officers__user=officer)
    us = Jurisdiction.objects.get(code="US")
    now = timezone.now()
    for first in range(0, count, BATCH):
        rows = []
        for index in range(first, min(first + BATCH, count)):
            paused = index % 3 == 0
            rows.append(
                LegalRequest(
                    ref=f"LR-2024-{index + 1:06d}",
                    agency=agency,
                    created_by=officer,
                    jurisdiction=us,
                    state=State.NEEDS_INFO if paused else State.IN_REVIEW,
                    clock_paused_at=now - dt.timedelta(hours=1) if paused else None,
                    case_number=f"CASE-{index:06d}",
                    received_at=now - dt.timedelta(days=3),
                    due_at=now + dt.timedelta(minutes=(index * 7) % (14_400) - 4_320),
                    assignee=analyst if index % 2 else None,
                    **DATA,
                )
            )
        LegalRequest.objects.bulk_create(rows)


def step(name: str, run) -> None:
    connection.queries_log.clear()
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = run()
    print(f"{name:<34} {time.perf_counter() - start:8.2f} s  result {result:>6}  {len(queries):>7} queries")


def main() -> None:
    postgres = connection.vendor == "postgresql"
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000 if postgres else 2_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    if not users.filter(username="analyst").exists():
        rules_load_shipped()
        demo_cast_create(password=os.environ.get("BENCH_PASSWORD", "bench-password-1"))
    if LegalRequest.objects.filter(ref__startswith="LR-2024-").exists():
        sys.exit("The database holds another run's requests: use a fresh database.")
    officer, analyst = users.get(username="officer.us"), users.get(username="analyst")
    start = time.perf_counter()
    seed(args.requests, officer=officer, analyst=analyst)
    print(f"seeded {args.requests} open requests in {time.perf_counter() - start:.1f} s ({connection.vendor})")
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        step("deadline sweep (first run)", deadline_alerts_send)
        step("deadline sweep (run again)", deadline_alerts_send)
        step("analysts' digests", analyst_digests_send)
        step("analysts' digests (run again)", analyst_digests_send)


if __name__ == "__main__":
    main()
