"""A request's conversation and timeline with a long history: how long they take to build and show.

    .venv/bin/python bench/bench_timeline.py [--messages N] [--runs R]

Seeds one request with N messages (half from the officer, half from the legal team; default 200),
N/2 internal notes and N/10 check runs, each audited as in production, and prints the median and
95th percentile of R runs (and the SQL queries) for: ``timeline_of`` for the legal team and for the
officer, ``messages_of``, the legal team's request page and the officer's. Uses a throw-away SQLite
database unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_tmp = tempfile.mkdtemp(prefix="lawreq-bench-timeline-")
os.environ.setdefault("LAWREQ_DATA_DIR", _tmp)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawreq.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from casework.selectors import messages_of, timeline_of  # noqa: E402
from casework.services import message_post, note_add  # noqa: E402
from demo.cast import demo_cast_create  # noqa: E402
from requests_app.models import Jurisdiction, LegalRequest, State  # noqa: E402
from requests_app.services import legal_request_create  # noqa: E402
from rules.services import legal_request_check, rules_load_shipped  # noqa: E402

DATA = {
    "process_type": "subpoena", "case_number": "2026-CR-0042", "offense": "Wire fraud",
    "offense_category": "fraud", "terms_violation": True, "issuing_authority_type": "court",
    "issuing_authority_name": "U.S. District Court", "issued_at": dt.date(2026, 11, 20),
    "date_from": dt.date(2026, 10, 1), "date_to": dt.date(2026, 11, 1), "categories": ["ip_addresses"],
    "targets": [{"type": "phone", "value": "+12025550199"}],
}  # fmt: skip


def timed(run: Callable[[], object], runs: int) -> tuple[float, float, int]:
    run()  # warm up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        run()
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    return statistics.median(times), p95, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    rules_load_shipped()
    demo_cast_create(password="bench-password-1")
    users = get_user_model().objects
    officer, analyst = users.get(username="officer.us"), users.get(username="analyst")
    legal_request, _ = legal_request_create(
        actor=officer, data={**DATA, "jurisdiction": Jurisdiction.objects.get(code="US")}
    )
    LegalRequest.objects.filter(pk=legal_request.pk).update(state=State.IN_REVIEW, received_at=timezone.now())
    legal_request.refresh_from_db()
    start = time.perf_counter()
    for index in range(args.messages):
        author = officer if index % 2 == 0 else analyst
        message_post(legal_request=legal_request, author=author, body=f"Message {index}: " + "words " * 40)
        if index % 2:
            note_add(legal_request=legal_request, author=analyst, body=f"Note {index}")
        if index % 10 == 0:
            legal_request_check(legal_request=legal_request, actor=analyst)
    seeded = time.perf_counter() - start

    staff, police = Client(), Client()
    staff.force_login(analyst)
    police.force_login(officer)
    cases = [
        ("timeline_of (legal team)", lambda: timeline_of(legal_request=legal_request, reader=analyst)),
        ("timeline_of (officer)", lambda: timeline_of(legal_request=legal_request, reader=officer)),
        ("messages_of (officer)", lambda: messages_of(legal_request=legal_request, reader=officer)),
        ("request page (staff)", lambda: staff.get(f"/queue/{legal_request.ref}/")),
        ("request page (officer)", lambda: police.get(f"/portal/{legal_request.ref}/")),
    ]
    with override_settings(DEBUG=False):
        results = [(name, *timed(run, args.runs)) for name, run in cases]

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    events = len(timeline_of(legal_request=legal_request, reader=analyst))
    print(
        f"timeline benchmark ({engine}; one request with {args.messages} messages, {events} staff timeline "
        f"events, seeded in {seeded:.1f} s; {args.runs} runs)"
    )
    for name, median, p95, queries in results:
        print(f"  {name:<26} median {median:8.2f} ms  p95 {p95:8.2f} ms  {queries:3d} queries")


if __name__ == "__main__":
    main()
