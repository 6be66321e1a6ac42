"""The transparency dataset at scale, on PostgreSQL (database lawreq_bench_transparency unless
DATABASE_URL says otherwise; its audit tables are emptied first).

    .venv/bin/python bench/bench_transparency.py                    # 50,000 requests
    .venv/bin/python bench/bench_transparency.py --requests 200000

Prints: the trail written (generate_requests), the checkpoint, the dataset built at it, the signed
publication (JSON and CSV), transparency_check over the whole dataset (signature, checkpoint, Merkle
root over the trail, every figure recomputed), and one figure proven (entries with inclusion proofs)
and checked offline.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lawreq_bench_transparency")

import benchsetup  # noqa: F401  (Django, the database created on first use)
from django.core.management import call_command
from django.db import connection

from audit.models import AuditCheckpoint
from audit.services import audit_checkpoint_create
from reports.transparency import transparency_dataset_build, transparency_publish


def empty_audit_tables() -> None:
    with connection.cursor() as cursor:
        for table in ("audit_auditentry", "audit_auditcheckpoint", "reports_transparencypublication"):
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                cursor.execute(f"TRUNCATE {table}")
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                cursor.execute(f"DELETE FROM {table}")


def timed(label: str, function):
    start = time.perf_counter()
    result = function()
    print(f"{label:<58} {time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    arguments = parser.parse_args()
    call_command("migrate", verbosity=0)
    empty_audit_tables()
    folder = Path(tempfile.mkdtemp(prefix="bench-transparency-"))
    quiet = io.StringIO()
    timed(
        f"generate_requests --requests {arguments.requests:,}",
        lambda: call_command("generate_requests", requests=arguments.requests, no_progress=True, stdout=quiet),
    )
    checkpoint = timed("audit_checkpoint (chain verified, root, signature)", audit_checkpoint_create)
    print(f"  {checkpoint.tree_size:,} entries")
    dataset = timed("transparency_dataset_build", transparency_dataset_build)
    print(f"  {len(dataset['periods'])} periods, {len(dataset['response_times']):,} response-time rows")
    publication = timed("transparency_publish (build, JSON, CSV, two signatures)", transparency_publish)
    print(f"  data.json {len(publication.data_json):,} bytes, data.csv {len(publication.data_csv):,} bytes")
    (folder / "data.json").write_bytes(bytes(publication.data_json))
    (folder / "data.json.sig").write_bytes(bytes(publication.data_json_signature))
    timed(
        "transparency_check (signature, trail root, every figure)",
        lambda: call_command(
            "transparency_check",
            str(folder / "data.json"),
            "--signature",
            str(folder / "data.json.sig"),
            "--no-progress",
            stdout=quiet,
        ),
    )
    period = dataset["periods"][-1]["period"]
    timed(
        f"transparency_check --prove {period} total received",
        lambda: call_command(
            "transparency_check",
            str(folder / "data.json"),
            "--prove",
            period,
            "total",
            "received",
            "--out",
            str(folder / "proofs.json"),
            stdout=quiet,
        ),
    )
    (folder / "checkpoint.json").write_text(AuditCheckpoint.objects.get(pk=checkpoint.pk).document)
    timed(
        "transparency_check --verify-proofs (offline)",
        lambda: call_command(
            "transparency_check",
            "--verify-proofs",
            str(folder / "proofs.json"),
            "--checkpoint",
            str(folder / "checkpoint.json"),
            stdout=quiet,
        ),
    )


if __name__ == "__main__":
    main()
