"""Web UI page times, in-process, next to a bare paginated Django list of the same rows.

    .venv/bin/python bench/bench_web.py [--requests N] [--runs R] [--full]

Seeds N open requests (default 500; --full 20,000) and prints, for each page, the median time of
R renderings and the number of SQL queries: the legal team's queue (first page, and filtered), one
request's page (fields, targets, checks, decision forms; audited at every showing), the officer's
portal list; and, as the peer, a bare function view rendering the same 25 rows from the same
queryset with a minimal template. Uses a throw-away SQLite database unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_tmp = tempfile.mkdtemp(prefix="lawreq-bench-web-")
os.environ.setdefault("LAWREQ_DATA_DIR", _tmp)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawreq.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from demo.cast import demo_cast_create  # noqa: E402
from requests_app.models import Jurisdiction, LegalRequest, State  # noqa: E402
from requests_app.services import legal_request_create  # noqa: E402
from requests_app.states import OPEN_STATES  # noqa: E402
from rules.services import legal_request_check, rules_load_shipped  # noqa: E402

BARE_TEMPLATE = engines["django"].from_string(
    "<table>{% for r in page %}<tr><td><a href='/queue/{{ r.ref }}/'>{{ r.ref }}</a></td><td>{{ r.agency.name }}</td>"
    "<td>{{ r.jurisdiction.code }}</td><td>{{ r.process_type }}</td><td>{{ r.state }}</td>"
    "<td>{{ r.received_at }}</td><td>{{ r.due_at }}</td></tr>{% endfor %}</table>"
)


def bare_list(request):
    rows = LegalRequest.objects.select_related("jurisdiction", "agency").filter(state__in=OPEN_STATES)
    page = Paginator(rows.order_by(F("due_at").asc(nulls_last=True), "id"), 25).get_page(1)
    return HttpResponse(BARE_TEMPLATE.render({"page": page}))


urlpatterns = [path("bare/", bare_list), path("", include("lawreq.urls"))]

DATA = {
    "process_type": "subpoena", "case_number": "2026-CR-0042", "offense": "Wire fraud",
    "offense_category": "fraud", "terms_violation": True, "issuing_authority_type": "court",
    "issuing_authority_name": "U.S. District Court", "issued_at": dt.date(2026, 11, 20),
    "date_from": dt.date(2026, 10, 1), "date_to": dt.date(2026, 11, 1), "categories": ["ip_addresses"],
}  # fmt: skip


def seed(officer, count: int) -> list[LegalRequest]:
    us = Jurisdiction.objects.get(code="US")
    made = []
    for index in range(count):
        targets = [{"type": "phone", "value": f"+1202555{index % 10000:04d}"}]
        legal_request, _ = legal_request_create(actor=officer, data={**DATA, "jurisdiction": us, "targets": targets})
        made.append(legal_request)
    now = timezone.now()
    states = [State.IN_REVIEW, State.PENDING_APPROVAL, State.NEEDS_INFO, State.RECEIVED]
    for index, legal_request in enumerate(made):
        LegalRequest.objects.filter(pk=legal_request.pk).update(
            state=states[index % len(states)],
            emergency=index % 17 == 0,
            received_at=now,
            due_at=now + dt.timedelta(minutes=37 * (index % 500) - 3000),
        )
    return made


def measure(client: Client, url: str, runs: int) -> tuple[float, int]:
    response = client.get(url)  # warm up
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times) * 1000, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--full", action="store_true", help="20,000 requests")
    args = parser.parse_args()
    count = 20_000 if args.full else args.requests

    call_command("migrate", verbosity=0)
    rules_load_shipped()
    demo_cast_create(password="bench-password-1")
    users = get_user_model().objects
    officer, analyst = users.get(username="officer.us"), users.get(username="analyst")
    start = time.perf_counter()
    made = seed(officer, count)
    seeded = time.perf_counter() - start

    made[0].refresh_from_db()
    legal_request_check(legal_request=made[0], actor=analyst)  # the staff page shows a real check run

    staff, police = Client(), Client()
    staff.force_login(analyst)
    police.force_login(officer)
    pages = [
        ("bare list (peer)", staff, "/bare/"),
        ("queue, first page", staff, "/queue/"),
        ("queue, filtered", staff, "/queue/?state=in_review&jurisdiction=US&emergency=no"),
        ("queue, page 10", staff, "/queue/?page=10"),
        ("request page (staff)", staff, f"/queue/{made[0].ref}/"),
        ("portal list", police, "/portal/"),
        ("request page (officer)", police, f"/portal/{made[0].ref}/"),
    ]
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        results = [(name, *measure(client, url, args.runs)) for name, client, url in pages]

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"web UI benchmark ({engine}, {count} requests seeded in {seeded:.1f} s, median of {args.runs})")
    bare = results[0][1]
    for name, millis, queries in results:
        print(f"  {name:<24} {millis:8.2f} ms  {queries:3d} queries  {millis / bare:6.1f}x peer")


if __name__ == "__main__":
    main()
