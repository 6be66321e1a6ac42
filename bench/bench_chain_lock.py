"""How long one large approval keeps every other audited action waiting on the audit chain's lock.

Since the sequencer (docs/audit.md) appends take no lock: both figures should now be the other
writer's ordinary commit time; the script stays as the regression check.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lawreq_bench_snapshot .venv/bin/python bench/bench_chain_lock.py

A step freezes and seals a snapshot of N IP events (100,000 by default) in one transaction that also
writes an audit entry, while a second writer appends one entry every 10 ms, each in its own
transaction (a log-in, a page view). The step runs twice:

- entries first: its audit entry appended before the freeze, as approval did before ``audit_batch``;
- ``audit_batch``: its entries queued and appended after the freeze, as ``workflow.do_decide`` does.

Prints how long the other writer waited for one append: the worst case and the median. PostgreSQL
only: on SQLite every write transaction holds the database's single write lock, batch or not.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from contextlib import nullcontext

import benchsetup  # noqa: F401  (Django, and the bench database)
from bench_snapshot import setup
from django.core.management import call_command
from django.db import connection, transaction

from audit.services import audit_batch, audit_record
from disclosure.services import snapshot_freeze

PROBE_ACTION = "bench.probe"
PROBE_INTERVAL_SECONDS = 0.01


def other_writer(stop: threading.Event, waits: list[float]) -> None:
    try:
        while not stop.is_set():
            began = time.perf_counter()
            with transaction.atomic():
                audit_record(action=PROBE_ACTION, role="system")
            waits.append(time.perf_counter() - began)
            time.sleep(PROBE_INTERVAL_SECONDS)
    finally:
        connection.close()


def step(proposal, approval, *, batched: bool) -> float:
    began = time.perf_counter()
    with transaction.atomic(), audit_batch() if batched else nullcontext():
        audit_record(action=PROBE_ACTION, role="system", details={"step": "approval"})
        snapshot_freeze(proposal=proposal, approval=approval, actor=None)
        transaction.set_rollback(True)
    return time.perf_counter() - began


def measure(proposal, approval, *, batched: bool) -> tuple[float, list[float]]:
    stop, waits = threading.Event(), []
    writer = threading.Thread(target=other_writer, args=(stop, waits))
    writer.start()
    try:
        time.sleep(0.2)  # the writer's connection is open and it is appending
        took = step(proposal, approval, batched=batched)
        time.sleep(0.2)
    finally:
        stop.set()
        writer.join()
    return took, waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("Skipped: PostgreSQL only (SQLite holds one write lock per transaction anyway); set DATABASE_URL.")
        return
    call_command("migrate", verbosity=0)
    proposal, approval = setup(args.events)
    print(f"A step freezing {args.events:,} IP events while another writer appends every 10 ms:")
    for label, batched in (("entries first", False), ("audit_batch  ", True)):
        took, waits = measure(proposal, approval, batched=batched)
        print(
            f"  {label}: step {took:6.2f} s; the other writer's append: worst {max(waits) * 1000:8.1f} ms, "
            f"median {statistics.median(waits) * 1000:6.1f} ms ({len(waits)} appends)"
        )


if __name__ == "__main__":
    main()
