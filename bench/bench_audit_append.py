"""Audited appends per second next to plain inserts, and how long an entry waits to be chained.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lawreq_bench_audit .venv/bin/python bench/bench_audit_append.py

Each writer runs transactions of one business insert plus what is measured, on its own connection:

- plain: one more insert into a table of the audit table's very shape (indexes included), no audit;
- audited: ``audit_record`` (the entry written pending), with ``manage.py audit_sequencer`` running
  in another process (the production layout, ``AUDIT_SEQUENCE_AFTER_COMMIT=0``);
- audited, pass after commit: the embedded default, each writer runs a sequencing pass after its commit.

For 1 and 8 writers: transactions per second, and for the audited runs the sequencing delay (from
the writer's commit to the moment a watcher polling every 5 ms sees the entry chained) p50 / p99.
PostgreSQL only.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# One checkpoint key per bench database, kept between runs (the data folder is new each run).
os.environ.setdefault(
    "AUDIT_CHECKPOINT_KEY", str(Path(tempfile.gettempdir()) / "lawreq-bench-keys" / "audit_checkpoint.pem")
)

import benchsetup  # noqa: F401  (Django, and the bench database)
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from audit.actions import AuditAction
from audit.models import AuditEntry
from audit.services import audit_record, audit_sequence

ROOT = Path(__file__).resolve().parent.parent
PLAIN_TABLE = "bench_plain_entry"
WATCH_INTERVAL = 0.005


def plain_insert() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PLAIN_TABLE} (created_at, actor_username, role, action, object_type, object_id,"
            " request_ref, details, prev_hash, entry_hash) VALUES (now(), 'bench', 'system', %s, '', '', '',"
            " '{\"n\": 1}', '', '')",
            [AuditAction.REQUEST_VIEWED],
        )


def audited_insert():
    return audit_record(action=AuditAction.REQUEST_VIEWED, role="system", details={"n": 1})


def business_write() -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_business (note) VALUES ('x')")


def run_writers(writers: int, seconds: float, work, committed: list | None) -> float:
    stop = threading.Event()
    counts = [0] * writers
    start = threading.Barrier(writers + 1)

    def writer(index: int) -> None:
        try:
            start.wait()
            while not stop.is_set():
                with transaction.atomic():
                    business_write()
                    entry = work()
                    ending = time.monotonic()  # the commit follows; a pass after it may run before we return
                if committed is not None:
                    committed.append((entry, ending))
                counts[index] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - began)


def watch_chained(stop: threading.Event, seen: dict[int, float]) -> None:
    """Note when each entry is first seen chained."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(seq), 0) FROM audit_auditentry")
            last = cursor.fetchone()[0]
        while not stop.is_set():
            with connection.cursor() as cursor:
                cursor.execute("SELECT id, seq FROM audit_auditentry WHERE seq > %s ORDER BY seq", [last])
                rows = cursor.fetchall()
                now = time.monotonic()
                for pk, seq in rows:
                    seen.setdefault(pk, now)
                    last = seq
            time.sleep(WATCH_INTERVAL)
    finally:
        connection.close()


def audited_run(writers: int, seconds: float, *, after_commit: bool, watch: bool) -> tuple[float, list[float]]:
    """With ``watch`` a thread of this process notes when entries get chained (it costs the writers
    a little); without, only the rate is measured."""
    settings.AUDIT_SEQUENCE_AFTER_COMMIT = after_commit
    audit_sequence()
    committed: list = []
    seen: dict[int, float] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=watch_chained, args=(stop, seen))
    if watch:
        watcher.start()
    sequencer = None
    if not after_commit:
        env = {**os.environ, "AUDIT_SEQUENCE_AFTER_COMMIT": "0", "AUDIT_CHECKPOINT_SECONDS": "60"}
        sequencer = subprocess.Popen(
            [sys.executable, "manage.py", "audit_sequencer"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        probe = audited_insert()  # the sequencer is up once it chains this one
        while AuditEntry.objects.filter(pk=probe.pk, seq__isnull=True).exists():
            time.sleep(0.05)
    try:
        rate = run_writers(writers, seconds, lambda: audited_insert().pk, committed if watch else None)
        deadline = time.monotonic() + 10
        while watch and len(seen) < len(committed) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        if watch:
            watcher.join()
        if sequencer is not None:
            sequencer.send_signal(signal.SIGTERM)
            sequencer.wait(timeout=30)
    delays = [seen[pk] - at for pk, at in committed if pk in seen]
    missing = len(committed) - len(delays)
    if missing:
        print(f"    ({missing} entries not chained within 10 s)")
    return rate, delays


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("Skipped: PostgreSQL only; set DATABASE_URL.")
        return
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN_TABLE}")
        cursor.execute(f"CREATE TABLE {PLAIN_TABLE} (LIKE audit_auditentry INCLUDING ALL)")
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_business (id bigserial PRIMARY KEY, note text)")
    connection.close()
    print(
        f"Transactions of one business insert plus ...; {args.rounds} rounds of {args.seconds:.0f} s, "
        "the kinds interleaved (the machine's load drifts), medians:"
    )
    modes = (("audited, sequencer process", False), ("audited, pass after commit", True))
    for writers in (1, 8):
        rates: dict[str, list[float]] = {"plain insert": []}
        ratios: dict[str, list[float]] = {label: [] for label, _ in modes}
        for _ in range(args.rounds):
            plain = run_writers(writers, args.seconds, plain_insert, None)
            rates["plain insert"].append(plain)
            for label, after_commit in modes:
                rate, _ = audited_run(writers, args.seconds, after_commit=after_commit, watch=False)
                rates.setdefault(label, []).append(rate)
                ratios[label].append(rate / plain)
        print(f"  {writers} writer(s): plain insert {statistics.median(rates['plain insert']):27.0f} /s")
        for label, after_commit in modes:
            _, delays = audited_run(writers, args.seconds, after_commit=after_commit, watch=True)
            print(
                f"  {writers} writer(s): {label:27s} {statistics.median(rates[label]):8.0f} /s = "
                f"{statistics.median(ratios[label]):4.2f}x plain (rounds: "
                f"{', '.join(f'{ratio:.2f}' for ratio in ratios[label])}); sequencing delay "
                f"p50 {percentile(delays, 0.5) * 1000:5.0f} ms, p99 {percentile(delays, 0.99) * 1000:5.0f} ms, "
                f"max {max(delays, default=0) * 1000:5.0f} ms ({len(delays)} entries)"
            )
    settings.AUDIT_SEQUENCE_AFTER_COMMIT = True


if __name__ == "__main__":
    main()
