"""Audit trail benchmarks on PostgreSQL (database lawreq_bench_audit unless DATABASE_URL says otherwise).

    .venv/bin/python bench/bench_audit.py          # quick: 100,000 entries, 20,000 requests
    .venv/bin/python bench/bench_audit.py --full   # 1,000,000 entries, 100,000 requests

Prints: audited appends per second, each followed by a sequencing pass after commit as in the
embedded default (one writer, eight writers; bench_audit_append.py measures the sequencer process); verification of the
whole chain next to merely streaming the same rows through the same server-side cursor, and next
to raw hashlib.sha256 over the same canonical bytes; checkpoint signing; the transparency report.
The audit tables of the benchmark database are emptied first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawreq.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lawreq_bench_audit")
os.environ.setdefault("LAWREQ_DATA_DIR", tempfile.mkdtemp(prefix="bench-audit-"))


def ensure_database() -> None:
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    if "postgresql" not in config["ENGINE"]:
        return
    admin = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        password=config["PASSWORD"],
        host=config["HOST"],
        port=config["PORT"] or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()


ensure_database()

import django  # noqa: E402

django.setup()

import orjson  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from audit.actions import AuditAction  # noqa: E402
from audit.canonical import format_timestamp  # noqa: E402
from audit.services import audit_checkpoint_create, audit_record, latest_stored_checkpoint  # noqa: E402
from audit.verification import stream_chain_rows, verify_chain_rows  # noqa: E402
from demo.audit_history import audit_bulk_append, synthetic_history_rows, synthetic_requests  # noqa: E402
from reports.selectors import transparency_report  # noqa: E402


def empty_audit_tables() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("audit_auditentry", "audit_auditcheckpoint"):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                cursor.execute(f"TRUNCATE {table}")
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            cursor.execute("DELETE FROM audit_auditentry")
            cursor.execute("DELETE FROM audit_auditcheckpoint")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE audit_auditentry")


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def best_of(runs: int, function):
    times = []
    result = None
    for _ in range(runs):
        elapsed, result = timed(function)
        times.append(elapsed)
    return min(times), statistics.median(times), result


def scratch_insert(number: int, index: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_audit_scratch (payload) VALUES (%s)",
            [orjson.dumps({"writer": number, "index": index}).decode()],
        )


def audited_insert(number: int, index: int) -> None:
    audit_record(
        action=AuditAction.REQUEST_VIEWED,
        request_ref=f"LR-2026-{number:06d}",
        details={"writer": number, "index": index},
    )


def bench_appends(count: int, writers: int, write=audited_insert) -> float:
    """Writes per second, each in its own committed transaction, ``writers`` threads at once."""
    per_writer = count // writers
    barrier = threading.Barrier(writers + 1)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            barrier.wait()
            for index in range(per_writer):
                with transaction.atomic():
                    write(number, index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return per_writer * writers / elapsed


def transition_rows(count: int) -> list[dict]:
    """``count`` entries shaped like the request services' transitions (about 200 bytes of details)."""
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    steps = [
        ("draft", "received"),
        ("received", "in_review"),
        ("in_review", "pending_approval"),
        ("pending_approval", "approved"),
        ("approved", "responded"),
    ]
    rows = []
    for number in range(count):
        frm, to = steps[number % len(steps)]
        details = {
            "from": frm,
            "to": to,
            "jurisdiction": ("US", "FR", "DE")[number % 3],
            "process_type": "court_order",
            "emergency": number % 13 == 0,
        }
        if to == "responded":
            details |= {"outcome": "disclosed", "accounts_affected": 1 + number % 3}
        rows.append(
            {
                "created_at": start + dt.timedelta(seconds=number * 7),
                "action": AuditAction.REQUEST_TRANSITIONED,
                "actor_id": 1 + number % 50,
                "actor_username": f"analyst{number % 50}",
                "role": "analyst",
                "object_type": "requests_app.legalrequest",
                "object_id": str(number // 5),
                "request_ref": f"LR-2025-{number // 5:06d}",
                "details": details,
            }
        )
    return rows


def bare_stream() -> int:
    count = 0
    for _row in stream_chain_rows():
        count += 1
    return count


def canonical_blobs() -> list[bytes]:
    blobs = []
    for seq, created_at, actor_id, username, role, action, otype, oid, ref, details, prev, _ in stream_chain_rows():
        if not isinstance(created_at, str):
            created_at = format_timestamp(created_at)
        blobs.append(
            orjson.dumps(
                {
                    "seq": seq,
                    "created_at": created_at,
                    "actor_id": actor_id,
                    "actor_username": username,
                    "role": role,
                    "action": action,
                    "object_type": otype,
                    "object_id": oid,
                    "request_ref": ref,
                    "details": orjson.loads(details),
                    "prev_hash": prev,
                },
                option=orjson.OPT_SORT_KEYS,
            )
        )
    return blobs


def raw_sha256(blobs: list[bytes]) -> None:
    sha256 = hashlib.sha256
    for blob in blobs:
        sha256(blob).digest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="1,000,000 entries and 100,000 requests")
    parser.add_argument(
        "--part",
        action="append",
        choices=["appends", "verify", "report"],
        help="run only these parts (repeatable; default all)",
    )
    options = parser.parse_args()
    parts = set(options.part or ["appends", "verify", "report"])
    entries = 1_000_000 if options.full else 100_000
    requests = 100_000 if options.full else 20_000
    appends = 5_000 if options.full else 2_000

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    empty_audit_tables()

    if "appends" in parts:
        print("\n== appends (each its own committed transaction, chained by the pass after commit) ==")
        bench_all_appends(appends)
    if "verify" in parts:
        bench_verification(entries)
    if "report" in parts:
        bench_report(requests)
    empty_audit_tables()


def bench_all_appends(appends: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_audit_scratch (id bigserial PRIMARY KEY, payload text)")
    for writers in (1, 8):
        audited = bench_appends(appends, writers)
        plain = bench_appends(appends, writers, write=scratch_insert)
        print(
            f"{writers} writer(s): {audited:8.0f} audit appends/s   (plain one-row insert transactions: {plain:8.0f}/s)"
        )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_audit_scratch")


def bench_verification(entries: int) -> None:
    print(f"\n== verification over {entries:,} entries ==")
    empty_audit_tables()
    elapsed, _ = timed(audit_bulk_append, transition_rows(entries))
    print(f"insert (COPY, chain hashes precomputed): {elapsed:6.2f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE audit_auditentry")
    checkpoint_elapsed, _ = timed(audit_checkpoint_create)
    print(f"sign a checkpoint (verify + Merkle root + anchors): {checkpoint_elapsed:6.2f} s")
    checkpoint = latest_stored_checkpoint()
    # Interleaved rounds, so that a busy machine slows every variant alike.
    variants = {
        "bare stream (same query, server-side cursor, no hashing)": bare_stream,
        "audit_verify, chain only": lambda: verify_chain_rows(stream_chain_rows()),
        "audit_verify --checkpoint (chain + anchors + head)": lambda: verify_chain_rows(
            stream_chain_rows(), checkpoint=checkpoint
        ),
        "audit_verify --checkpoint --check-root (+ Merkle root)": lambda: verify_chain_rows(
            stream_chain_rows(), checkpoint=checkpoint, check_root=True
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _round in range(3):
        for name, function in variants.items():
            elapsed, result = timed(function)
            assert result > entries if isinstance(result, int) else result.ok, result
            times[name].append(elapsed)
    stream_median = statistics.median(times["bare stream (same query, server-side cursor, no hashing)"])
    for name, measured in times.items():
        median = statistics.median(measured)
        print(
            f"{name:56} median {median:6.2f} s (best {min(measured):6.2f} s) = {median / stream_median:4.2f}x "
            f"the stream, {entries / median:,.0f} entries/s"
        )
    blobs = canonical_blobs()
    sha_best, _, _ = best_of(3, lambda: raw_sha256(blobs))
    print(
        f"raw hashlib.sha256 over the same {len(blobs):,} canonical byte strings "
        f"(avg {sum(map(len, blobs)) // len(blobs)} B): {sha_best:6.2f} s = {len(blobs) / sha_best:,.0f} hashes/s"
    )
    blobs.clear()


def bench_report(requests: int) -> None:
    print(f"\n== transparency report over {requests:,} requests ==")
    empty_audit_tables()
    history = synthetic_requests(
        requests, start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
    )
    rows = synthetic_history_rows(history)
    elapsed, _ = timed(audit_bulk_append, rows)
    print(f"insert {len(rows):,} history entries: {elapsed:6.2f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE audit_auditentry")
    for year, half in ((2025, 2), (2026, 1)):
        best, median, report = best_of(3, lambda y=year, h=half: transparency_report(year=y, half=h))
        print(
            f"{year} H{half}: {report.totals.received:,} received in {len(report.jurisdictions)} jurisdictions: "
            f"best {best:5.2f} s, median {median:5.2f} s"
        )
    empty_audit_tables()


if __name__ == "__main__":
    main()
