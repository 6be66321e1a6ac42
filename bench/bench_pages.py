"""The legal team's pages at scale: the queue (each view and a search) and a request's page.

    DATABASE_URL=postgres://.../lawreq_bench .venv/bin/python bench/bench_pages.py [--requests N] [--runs R]

Seeds N requests with bulk_create (default 100,000 on PostgreSQL, 2,000 on the throw-away SQLite
database), a third assigned to the analyst, a third to the reviewer; the requests pending approval
carry the analyst's open proposal, some in review a proposal sent back. Then prints, for each page,
the median and 95th percentile of R renderings (in-process, Django's test client) and the number
of SQL queries of one rendering (CaptureQueriesContext).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import datetime as dt

import benchsetup  # noqa: F401  (Django, on DATABASE_URL or a throw-away SQLite)
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from demo.cast import demo_cast_create
from disclosure.models import Decision, Proposal, ProposalStatus
from requests_app.models import Agency, Jurisdiction, LegalRequest, Target
from requests_app.services import legal_request_create
from requests_app.states import State
from rules.services import legal_request_check, rules_load_shipped

BATCH = 5_000
STATES = [State.IN_REVIEW, State.PENDING_APPROVAL, State.NEEDS_INFO, State.RECEIVED, State.RESPONDED]
DATA = {
    "process_type": "subpoena", "case_number": "2026-CR-0042", "offense": "Wire fraud",
    "offense_category": "fraud", "terms_violation": True, "issuing_authority_type": "court",
    "issuing_authority_name": "U.S. District Court", "issued_at": dt.date(2026, 11, 20),
    "date_from": dt.date(2026, 10, 1), "date_to": dt.date(2026, 11, 1), "categories": ["ip_addresses"],
}  # fmt: skip


def seed(count: int, *, officer, analyst, reviewer) -> None:
    """``count`` requests in bulk, with their targets and proposals; ``received`` to ``responded``."""
    agency = Agency.objects.get(officers__user=officer)
    us = Jurisdiction.objects.get(code="US")
    now = timezone.now()
    assignees = [analyst, reviewer, None]
    for first in range(0, count, BATCH):
        rows = []
        for index in range(first, min(first + BATCH, count)):
            rows.append(
                LegalRequest(
                    ref=f"LR-2025-{index + 1:06d}",
                    agency=agency,
                    created_by=officer,
                    jurisdiction=us,
                    state=STATES[index % len(STATES)],
                    emergency=index % 17 == 0,
                    case_number=f"CASE-{index:06d}",
                    received_at=now - dt.timedelta(days=3),
                    due_at=now + dt.timedelta(minutes=37 * (index % 5000) - 3000),
                    assignee=assignees[index % 3],
                    **{key: value for key, value in DATA.items() if key != "case_number"},
                )
            )
        made = LegalRequest.objects.bulk_create(rows)
        Target.objects.bulk_create(
            Target(legal_request=item, type="phone", value=f"+1202{int(item.ref[-6:]) % 10_000_000:07d}")
            for item in made
        )
        proposals = []
        for item in made:
            if item.state == State.PENDING_APPROVAL:
                proposals.append(Proposal(legal_request=item, decision=Decision.REJECT, proposed_by=analyst))
            elif item.state == State.IN_REVIEW and int(item.ref[-6:]) % 3 == 0:
                proposals.append(
                    Proposal(
                        legal_request=item,
                        decision=Decision.REJECT,
                        status=ProposalStatus.SENT_BACK,
                        proposed_by=analyst,
                    )
                )
        Proposal.objects.bulk_create(proposals)


def measure(client: Client, url: str, runs: int) -> tuple[float, float, int]:
    response = client.get(url)  # warm up
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, len(queries)


def main() -> None:
    postgres = connection.vendor == "postgresql"
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000 if postgres else 2_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    if not users.filter(username="analyst").exists():
        rules_load_shipped()
        demo_cast_create(password=os.environ.get("BENCH_PASSWORD", "bench-password-1"))
    officer, analyst, reviewer = (users.get(username=name) for name in ("officer.us", "analyst", "reviewer"))
    seeded = LegalRequest.objects.filter(ref__startswith="LR-2025-").count()
    start = time.perf_counter()
    if seeded < args.requests:
        LegalRequest.objects.filter(ref__startswith="LR-2025-").exists() and sys.exit(
            "The database holds another bench's requests: use a fresh database."
        )
        seed(args.requests, officer=officer, analyst=analyst, reviewer=reviewer)
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    seeding = time.perf_counter() - start

    legal_request, _ = legal_request_create(
        actor=officer, data={**DATA, "jurisdiction": Jurisdiction.objects.get(code="US"), "targets": [
            {"type": "phone", "value": "+12025550199"}, {"type": "username", "value": "@someone"}]}
    )  # fmt: skip
    LegalRequest.objects.filter(pk=legal_request.pk).update(state=State.IN_REVIEW, received_at=timezone.now())
    legal_request.refresh_from_db()
    legal_request_check(legal_request=legal_request, actor=analyst)

    as_analyst, as_reviewer = Client(), Client()
    as_analyst.force_login(analyst)
    as_reviewer.force_login(reviewer)
    pages = [
        ("queue: all open", as_analyst, "/queue/"),
        ("queue: mine", as_analyst, "/queue/?view=mine"),
        ("queue: unassigned", as_analyst, "/queue/?view=unassigned"),
        ("queue: awaiting my approval", as_reviewer, "/queue/?view=awaiting"),
        ("queue: page 40", as_analyst, "/queue/?page=40"),
        ("queue: search reference", as_analyst, "/queue/?q=LR-2025-000042"),
        ("queue: search case number", as_analyst, "/queue/?q=case-000042"),
        ("queue: search target", as_analyst, "/queue/?target=%2B1+202+000+0042"),
        ("request page (analyst)", as_analyst, f"/queue/{legal_request.ref}/"),
    ]
    with override_settings(DEBUG=False):
        results = [(name, *measure(client, url, args.runs)) for name, client, url in pages]

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    total = LegalRequest.objects.count()
    print(
        f"legal team pages ({engine}, {total:,} requests, seeded in {seeding:.1f} s; "
        f"{args.runs} runs: median, p95, queries per page)"
    )
    for name, median, p95, queries in results:
        print(f"  {name:<30} {median:8.1f} ms  p95 {p95:8.1f} ms  {queries:3d} queries")


if __name__ == "__main__":
    main()
