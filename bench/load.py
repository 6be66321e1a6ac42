"""Load: the whole journey at once, against a running lawreq, for a bounded time.

    .venv/bin/python bench/load.py --target prod --clients 10 50 --duration 60
    .venv/bin/python bench/load.py --target runserver ...   # the same components, Django's dev server
    .venv/bin/python bench/load.py --target embedded ...    # `make run`'s default: SQLite, eager tasks

The script starts the target itself (``scripts/run-prod.sh``, or ``manage.py runserver`` on a fresh
data folder), makes its users and tokens there (tokens made out of band, as a deployment provisions
integrations: log-in is not what is measured), then runs N client threads, each one role:

- officers (half): file a request, upload its court order (a real PDF), submit it, poll it;
- analysts: list what is in review, read the checks, propose disclosure (each analyst its share of
  the requests, so no two race for one: every answer must be 2xx);
- reviewers: list what waits for approval, approve (each its share);
- auditors: read the trail of a request and the newest entries.

It measures what Locust would: per endpoint the count, p50/p95/p99 latency and errors (any status
>= 400, or no answer), and the throughput. Afterwards it waits for the queue to drain and accounts
for every request on the server (every 201 is there, each approved one has exactly one letter,
none lost) and runs ``audit_verify``. Errors must be 0.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PORTS = {"prod": 8100, "runserver": 8101, "embedded": 8102}
DRAIN_SECONDS = 180

SETUP = r"""
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from lawreq.roles import Role
from requests_app.auth import token_create
from requests_app.models import Agency
from requests_app.services import agency_create, officer_create
from rules.services import rules_load_shipped

run, counts = RUN, COUNTS
rules_load_shipped()
agency = Agency.objects.filter(name="Load Test PD").first() or agency_create(
    name="Load Test PD", country="US", email_domains=["load-test-pd.gov"], verified=True,
    callback_phone="+12025550143")
tokens = {}
for role, count in counts.items():
    tokens[role] = []
    for index in range(count):
        name = f"load.{run}.{role}.{index}"
        domain = "load-test-pd.gov" if role == "officer" else "platform.example"
        user = get_user_model().objects.create_user(name, email=f"{name}@{domain}", password=None)
        if role == "officer":
            officer_create(user=user, agency=agency)
        else:
            user.groups.add(Group.objects.get(name=Role(role).value))
            # Staff tokens carry the second factor production mode requires (a confirmed device).
            user.otp_device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
        tokens[role].append(token_create(user=user)[0])
print("TOKENS" + json.dumps(tokens))
"""

ACCOUNT = r"""
import json
from letters.models import Response
from requests_app.models import LegalRequest
requests = LegalRequest.objects.filter(case_number__startswith="LOAD-" + RUN + "-")
states = {}
for state in requests.values_list("state", flat=True):
    states[state] = states.get(state, 0) + 1
letters = Response.objects.filter(legal_request__in=requests)
print("ACCOUNT" + json.dumps({
    "requests": requests.count(), "states": states, "letters": letters.count(),
    "letters_by_status": {s: letters.filter(status=s).count() for s in set(letters.values_list("status", flat=True))},
}))
"""


def court_order_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "Subpoena - load test")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


PDF = court_order_pdf()


# --- the target -------------------------------------------------------------------------------------


class Target:
    """A server started for the run, and the way to run manage.py in its environment."""

    def __init__(self, kind: str, workdir: Path, broker: str = ""):
        self.kind, self.port, self.workdir, self.broker = kind, PORTS[kind], workdir, broker
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = open(workdir / f"{kind}.log", "wb")  # noqa: SIM115 (open for the run's whole length)

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("LAWREQ_", "DJANGO_"))}
        for key in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_CACHE_URL", "SECRET_KEY", "DEBUG"):
            env.pop(key, None)
        if self.kind == "embedded":
            env["LAWREQ_DATA_DIR"] = str(self.workdir / "embedded-data")
        else:
            env.update(
                LAWREQ_PROD_DIR=str(self.workdir / "prod"),
                LAWREQ_PROD_DB=os.environ.get("LOAD_DB", "lawreq_load"),
                LAWREQ_PROD_PORT=str(self.port),
                LAWREQ_PROD_REDIS_URL=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/1"),
                LAWREQ_PROD_SERVER="runserver" if self.kind == "runserver" else "gunicorn",
            )
            if self.broker:
                env["CELERY_BROKER_URL"] = self.broker
            if self.kind == "runserver":
                # A thread per request: persistent connections would pile up to PostgreSQL's limit.
                env["DB_CONN_MAX_AGE"] = "0"
        return env

    def manage(self, *arguments: str, check: bool = True) -> str:
        if self.kind == "embedded":
            command = [PYTHON, "manage.py", *arguments]
        else:
            command = ["bash", "scripts/run-prod.sh", "manage", *arguments]
        done = subprocess.run(command, cwd=ROOT, env=self.environment(), capture_output=True, text=True, timeout=600)
        if done.returncode and check:
            raise SystemExit(f"manage.py {arguments[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout + done.stderr

    def shell(self, code: str, marker: str) -> dict:
        output = self.manage("shell", "-c", code)
        line = next(line for line in output.splitlines() if line.startswith(marker))
        return json.loads(line.removeprefix(marker))

    def start(self) -> None:
        if self.kind != "embedded":
            # A database of its own per run, for the keys made in this run's folder.
            database = self.environment()["LAWREQ_PROD_DB"]
            dropdb = ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", database]
            subprocess.run(dropdb, check=True)
        if self.kind == "embedded":
            # As `make run` does (demo_setup makes the development signing key).
            self.manage("migrate", "--noinput", "-v0")
            self.manage("signing_key", "init")
            command = [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"]
        else:
            command = ["bash", "scripts/run-prod.sh"]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.environment(), stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if call("GET", self.url + "/readyz", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise SystemExit(f"{self.kind} did not start: see {self.log.name}")
            time.sleep(1)
        raise SystemExit(f"{self.kind} not ready after 300 s: see {self.log.name}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # run-prod.sh's trap stops its children
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)


# --- HTTP -------------------------------------------------------------------------------------------


def call(method: str, url: str, *, token: str = "", body: bytes | None = None, content_type: str = "", timeout=60):
    request = urllib.request.Request(url, data=body, method=method)
    # As behind the TLS-terminating proxy production mode expects.
    request.add_header("X-Forwarded-Proto", "https")
    request.add_header("Accept", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def multipart(name: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    created: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, seconds: float, status: int | None, detail: bytes = b"") -> None:
        with self.lock:
            self.latencies[endpoint].append(seconds)
            if status is None or status >= 400:
                self.errors[endpoint].append(f"{status} {detail[:200]!r}")


class Client:
    def __init__(self, base: str, token: str, stats: Stats):
        self.base, self.token, self.stats = base, token, stats

    def request(self, endpoint: str, method: str, path: str, *, payload=None, upload=None) -> tuple[int | None, dict]:
        body, content_type = None, ""
        if payload is not None:
            body, content_type = json.dumps(payload).encode(), "application/json"
        elif upload is not None:
            body, content_type = multipart("file", "order.pdf", upload)
        started = time.perf_counter()
        try:
            status, raw = call(method, self.base + path, token=self.token, body=body, content_type=content_type)
        except OSError as error:
            self.stats.record(endpoint, time.perf_counter() - started, None, str(error).encode())
            return None, {}
        self.stats.record(endpoint, time.perf_counter() - started, status, raw)
        try:
            return status, json.loads(raw) if raw and raw[:1] in b"{[" else {}
        except ValueError:
            return status, {}


def payload(run: str, number: int) -> dict:
    return {
        "jurisdiction": "US",
        "process_type": "subpoena",
        "case_number": f"LOAD-{run}-{number}",
        "offense": "Wire fraud (18 U.S.C. 1343)",
        "offense_category": "fraud",
        "offense_max_sentence_years": 20,
        "terms_violation": True,
        "issuing_authority": {"type": "court", "name": "U.S. District Court, D. Springfield"},
        "issued_at": "2026-11-20",
        "date_from": "2026-10-01",
        "date_to": "2026-11-01",
        "categories": ["ip_addresses", "phone_number"],
        "targets": [{"type": "phone", "value": f"(202) 555-{number % 10000:04d}"}],
    }


def officer(client: Client, run: str, stop: threading.Event, counter) -> None:
    while not stop.is_set():
        number = next(counter)
        status, created = client.request("POST /requests/", "POST", "/api/v1/requests/", payload=payload(run, number))
        if status != 201:
            continue
        ref = created["ref"]
        client.stats.created.append(ref)
        client.request("POST /requests/{ref}/documents/", "POST", f"/api/v1/requests/{ref}/documents/", upload=PDF)
        client.request("POST /requests/{ref}/submit/", "POST", f"/api/v1/requests/{ref}/submit/")
        for _ in range(3):
            if stop.is_set():
                return
            client.request("GET /requests/{ref}/", "GET", f"/api/v1/requests/{ref}/")
            time.sleep(random.uniform(0.2, 0.5))
        client.request("GET /requests/", "GET", "/api/v1/requests/")


def _mine(ref: str, index: int, count: int) -> bool:
    return int(ref.rsplit("-", 1)[-1]) % count == index


def analyst(client: Client, index: int, count: int, stop: threading.Event) -> None:
    while not stop.is_set():
        _, page = client.request("GET /requests/?state=in_review", "GET", "/api/v1/requests/?state=in_review")
        mine = [item["ref"] for item in page.get("results", []) if _mine(item["ref"], index, count)]
        for ref in mine[:5]:
            client.request("GET /requests/{ref}/checks/", "GET", f"/api/v1/requests/{ref}/checks/")
            proposal = {"decision": "disclose", "categories": ["ip_addresses", "phone_number"], "reason": "As asked."}
            client.request(
                "POST /requests/{ref}/proposal/", "POST", f"/api/v1/requests/{ref}/proposal/", payload=proposal
            )
        if not mine:
            time.sleep(0.5)


def reviewer(client: Client, index: int, count: int, stop: threading.Event) -> None:
    path = "/api/v1/requests/?state=pending_approval"
    while not stop.is_set():
        _, page = client.request("GET /requests/?state=pending_approval", "GET", path)
        mine = [item["ref"] for item in page.get("results", []) if _mine(item["ref"], index, count)]
        for ref in mine[:5]:
            client.request("GET /requests/{ref}/", "GET", f"/api/v1/requests/{ref}/")
            approval = {"approve": True, "comment": "Checked."}
            client.request(
                "POST /requests/{ref}/approval/", "POST", f"/api/v1/requests/{ref}/approval/", payload=approval
            )
        if not mine:
            time.sleep(0.5)


def auditor(client: Client, stats: Stats, stop: threading.Event) -> None:
    while not stop.is_set():
        client.request("GET /audit/entries/", "GET", "/api/v1/audit/entries/?page_size=50")
        if stats.created:
            ref = random.choice(stats.created)
            client.request("GET /audit/entries/?request={ref}", "GET", f"/api/v1/audit/entries/?request={ref}")
        time.sleep(random.uniform(0.2, 0.5))


def roles_for(clients: int) -> dict[str, int]:
    officers = max(1, clients // 2)
    analysts = max(1, clients // 5)
    reviewers = max(1, clients // 5)
    auditors = max(1, clients - officers - analysts - reviewers)
    return {"officer": officers, "analyst": analysts, "reviewer": reviewers, "auditor": auditors}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_load(target: Target, clients: int, duration: float) -> dict:
    run = uuid.uuid4().hex[:8]
    counts = roles_for(clients)
    tokens = target.shell(SETUP.replace("RUN", repr(run)).replace("COUNTS", repr(counts)), "TOKENS")
    stats, stop = Stats(), threading.Event()
    counter = iter(range(10**9))
    counter_lock = threading.Lock()

    class SharedCounter:
        def __next__(self):
            with counter_lock:
                return next(counter)

    threads = []
    shared = SharedCounter()
    for role, role_tokens in tokens.items():
        share = len(role_tokens)
        for index, token in enumerate(role_tokens):
            client = Client(target.url, token, stats)
            arguments = {
                "officer": (officer, (client, run, stop, shared)),
                "analyst": (analyst, (client, index, share, stop)),
                "reviewer": (reviewer, (client, index, share, stop)),
                "auditor": (auditor, (client, stats, stop)),
            }[role]
            threads.append(threading.Thread(target=arguments[0], args=arguments[1], daemon=True))
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(duration)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - started

    # Drain: what was approved gets its letter; what was submitted gets checked.
    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        account = target.shell(ACCOUNT.replace("RUN", repr(run)), "ACCOUNT")
        waiting = account["states"].get("received", 0) + account["states"].get("approved", 0)
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(3)
    verify = target.manage("audit_verify", "--no-progress", check=False)
    return {"run": run, "clients": counts, "elapsed": elapsed, "stats": stats, "account": account, "verify": verify}


def report(kind: str, clients: int, result: dict) -> dict:
    stats: Stats = result["stats"]
    total = sum(len(values) for values in stats.latencies.values())
    errors = sum(len(values) for values in stats.errors.values())
    print(f"\n== {kind}, {clients} clients {result['clients']}, {result['elapsed']:.0f} s")
    print(f"{'endpoint':44} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}")
    endpoints = {}
    for endpoint in sorted(stats.latencies):
        values = stats.latencies[endpoint]
        row = {
            "n": len(values),
            "p50": percentile(values, 0.50) * 1000,
            "p95": percentile(values, 0.95) * 1000,
            "p99": percentile(values, 0.99) * 1000,
            "errors": len(stats.errors.get(endpoint, [])),
        }
        endpoints[endpoint] = row
        print(
            f"{endpoint:44} {row['n']:>6} {row['p50']:>8.0f} {row['p95']:>8.0f} {row['p99']:>8.0f} {row['errors']:>6}"
        )
    throughput = total / result["elapsed"]
    all_latencies = [value for values in stats.latencies.values() for value in values]
    print(
        f"throughput {throughput:.1f} req/s, {total} requests, errors {errors}, "
        f"overall p50 {statistics.median(all_latencies) * 1000:.0f} ms"
    )
    for endpoint, messages in stats.errors.items():
        for message in messages[:3]:
            print(f"  error {endpoint}: {message}")
    account = result["account"]
    filed = len(stats.created)
    verified = "Audit chain intact" in result["verify"]
    print(
        f"accounted: {filed} filed by the clients, {account['requests']} on the server, states {account['states']}, "
        f"letters {account['letters']} {account['letters_by_status']}; audit_verify: {result['verify'].strip()[-160:]}"
    )
    return {
        "target": kind,
        "clients": clients,
        "throughput": throughput,
        "requests": total,
        "errors": errors,
        "filed": filed,
        "on_server": account["requests"],
        "states": account["states"],
        "letters": account["letters"],
        "audit_verify": verified,
        "endpoints": endpoints,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=sorted(PORTS), default="prod")
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--broker", default="", help="CELERY_BROKER_URL of the target (default: its Redis)")
    arguments = parser.parse_args()
    workdir = Path(os.environ.get("LOAD_WORKDIR") or tempfile.mkdtemp(prefix="lawreq-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    target = Target(arguments.target, workdir, arguments.broker)
    figures = []
    try:
        target.start()
        for clients in arguments.clients:
            figures.append(report(arguments.target, clients, run_load(target, clients, arguments.duration)))
    finally:
        target.stop()
    if arguments.json:
        arguments.json.write_text(json.dumps(figures, indent=2))
    failed = [f for f in figures if f["errors"] or f["filed"] != f["on_server"] or not f["audit_verify"]]
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
