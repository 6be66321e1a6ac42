"""Synthetic audit histories for tests, benchmarks and demonstrations. Never for production data.

``audit_bulk_append`` writes many entries with their own (past) timestamps under the chain lock,
computing the chain hashes itself, with PostgreSQL's COPY where available: a million entries in
seconds rather than the minutes a million ``audit_record`` calls would take.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import orjson
from django.db import connection, transaction

from audit.actions import AuditAction
from audit.canonical import check_details, entry_hash, format_timestamp
from audit.services import audit_chain_head_locked, audit_sequence

COLUMNS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "role",
    "action",
    "object_type",
    "object_id",
    "request_ref",
    "details",
    "prev_hash",
    "entry_hash",
)

# Column names are constants of this module, never input.
INSERT_SQL = f"INSERT INTO audit_auditentry ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608


def _chained(rows: Iterable[dict], seq: int, previous: str) -> Iterator[tuple]:
    for row in rows:
        details = row.get("details", {})
        check_details(details)
        values = {
            "seq": seq,
            "created_at": format_timestamp(row["created_at"]),
            "actor_id": row.get("actor_id"),
            "actor_username": row.get("actor_username", ""),
            "role": row.get("role", "system"),
            "action": row["action"],
            "object_type": row.get("object_type", ""),
            "object_id": row.get("object_id", ""),
            "request_ref": row.get("request_ref", ""),
            "details": details,
            "prev_hash": previous,
        }
        previous = entry_hash(**values)
        yield (
            seq,
            row["created_at"],
            values["actor_id"],
            values["actor_username"],
            values["role"],
            values["action"],
            values["object_type"],
            values["object_id"],
            values["request_ref"],
            details,
            values["prev_hash"],
            previous,
        )
        seq += 1


def _copy_batch(cursor, batch: list[tuple]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in batch:
        writer.writerow(
            [
                *row[:2],
                "\\N" if row[2] is None else row[2],
                *row[3:9],
                orjson.dumps(row[9]).decode(),
                *row[10:],
            ]
        )
    buffer.seek(0)
    cursor.copy_expert(f"COPY audit_auditentry ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)


def _insert_batch(batch: list[tuple]) -> None:
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            INSERT_SQL,
            [(*row[:1], adapt(row[1]), *row[2:9], orjson.dumps(row[9]).decode(), *row[10:]) for row in batch],
        )


def audit_bulk_append(rows: Iterable[dict], *, batch_size: int = 20_000) -> int:
    """Append ``rows`` (dicts of entry fields, ``created_at`` and ``action`` required) in order."""
    written = 0
    audit_sequence()  # what is pending goes first
    with transaction.atomic():
        last_seq, previous = audit_chain_head_locked()
        seq = last_seq + 1
        batch: list[tuple] = []
        use_copy = connection.vendor == "postgresql"

        def flush() -> None:
            if use_copy:
                with connection.cursor() as cursor:
                    _copy_batch(cursor.cursor, batch)
            else:
                _insert_batch(batch)
            batch.clear()

        for row in _chained(rows, seq, previous):
            batch.append(row)
            written += 1
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
    return written


JURISDICTIONS = ("US", "FR", "DE", "GB", "BR", "IN", "ES", "IT")
PROCESS_TYPES = (
    "subpoena",
    "court_order",
    "search_warrant",
    "production_order",
    "preservation_order",
    "emergency_disclosure",
    "mlat_request",
    "other",
)


@dataclass(frozen=True)
class SyntheticRequest:
    ref: str
    jurisdiction: str
    process_type: str
    emergency: bool
    received_at: dt.datetime
    fate: str  # responded | rejected | withdrawn | open
    outcome: str | None
    accounts_affected: int
    answered_at: dt.datetime | None
    asked_for_info: bool  # by the legal team (contested)
    accounts_specified: int = 1
    nondisclosure: bool = False
    content: bool = False
    # Emergency disclosures: when the follow-up legal process was asked for and due, and when it came.
    followup_asked_at: dt.datetime | None = None
    followup_due_at: dt.datetime | None = None
    followup_received_at: dt.datetime | None = None
    # The automatic checks sent it back for missing information (role system): not contested.
    checks_asked_for_info: bool = False


def synthetic_requests(
    count: int, *, start: dt.datetime, end: dt.datetime, seed: int = 7, ref_prefix: str = "LR"
) -> list[SyntheticRequest]:
    """``count`` requests received between ``start`` and ``end``, their fates drawn with ``seed``;
    refs ``{ref_prefix}-{year}-{number}``."""
    rng = random.Random(seed)
    # Its own generator, so the other draws stay those of earlier versions for a given seed.
    checks_rng = random.Random(seed + 1)
    span = (end - start).total_seconds()
    requests = []
    for number in range(1, count + 1):
        received_at = start + dt.timedelta(seconds=rng.uniform(0, span))
        emergency = rng.random() < 0.08
        fate = rng.choices(["responded", "rejected", "withdrawn", "open"], weights=[70, 15, 5, 10])[0]
        outcome = None
        accounts = 0
        if fate == "responded":
            outcome = rng.choices(["disclosed", "partially_disclosed", "no_records"], weights=[60, 25, 15])[0]
            accounts = 0 if outcome == "no_records" else rng.randint(1, 4)
        answered_at = None
        if fate != "open":
            answered_at = received_at + dt.timedelta(hours=rng.uniform(1, 8 if emergency else 24 * 20))
        process_type = "emergency_disclosure" if emergency else rng.choice(PROCESS_TYPES[:5])
        if process_type == "preservation_order" and outcome in ("disclosed", "partially_disclosed"):
            # A preservation order is answered by preserving: nothing disclosed, no account affected.
            outcome, accounts = "preserved", 0
        followup = {}
        if emergency and fate == "responded" and outcome != "no_records":
            asked_at = answered_at + dt.timedelta(minutes=5)
            followup = {"followup_asked_at": asked_at, "followup_due_at": asked_at + dt.timedelta(hours=72)}
            if rng.random() < 0.7:
                followup["followup_received_at"] = asked_at + dt.timedelta(hours=rng.uniform(1, 70))
        requests.append(
            SyntheticRequest(
                ref=f"{ref_prefix}-{received_at.year}-{number:07d}",
                jurisdiction=rng.choice(JURISDICTIONS),
                process_type=process_type,
                emergency=emergency,
                received_at=received_at,
                fate=fate,
                outcome=outcome,
                accounts_affected=accounts,
                answered_at=answered_at,
                asked_for_info=rng.random() < 0.1,
                checks_asked_for_info=checks_rng.random() < 0.15,
                accounts_specified=rng.choices([1, 2, 3, 5, 12], weights=[60, 20, 10, 7, 3])[0],
                nondisclosure=process_type != "preservation_order" and rng.random() < 0.3,
                content=process_type in ("search_warrant", "court_order") and rng.random() < 0.5,
                **followup,
            )
        )
    return requests


def synthetic_history_rows(requests: list[SyntheticRequest]) -> list[dict]:
    """The audit entries those requests' lives leave, in time order, shaped as the services write them."""
    rows = []
    for request in requests:
        base = {
            "jurisdiction": request.jurisdiction,
            "process_type": request.process_type,
            "emergency": request.emergency,
        }
        moments = [(request.received_at - dt.timedelta(minutes=30), AuditAction.REQUEST_CREATED, None)]
        steps = [("draft", "received")]
        if request.checks_asked_for_info:
            steps += [("received", "needs_info", "system"), ("needs_info", "received")]
        if request.asked_for_info:
            steps += [("received", "needs_info"), ("needs_info", "received")]
        steps.append(("received", "in_review"))
        if request.fate in ("responded", "rejected"):
            steps.append(("in_review", "pending_approval"))
        if request.fate == "responded":
            steps += [("pending_approval", "approved"), ("approved", "responded")]
        elif request.fate == "rejected":
            steps.append(("pending_approval", "rejected"))
        elif request.fate == "withdrawn":
            steps.append(("in_review", "withdrawn"))
        final = request.answered_at or request.received_at + dt.timedelta(hours=1)
        for index, step in enumerate(steps):
            at = request.received_at + (final - request.received_at) * (index / max(1, len(steps) - 1))
            moments.append((at, AuditAction.REQUEST_TRANSITIONED, step))
        if request.followup_asked_at:
            moments.append((request.followup_asked_at, AuditAction.FOLLOWUP_REQUESTED, None))
        if request.followup_received_at:
            moments.append((request.followup_received_at, AuditAction.FOLLOWUP_RECEIVED, None))
        for at, action, step in moments:
            details = {}
            role = "analyst"
            if step is not None:
                step, role = step[:2], step[2] if len(step) > 2 else role
                details = {"from": step[0], "to": step[1], **base}
                if step == ("draft", "received"):
                    details |= {
                        "accounts_specified": request.accounts_specified,
                        "nondisclosure": request.nondisclosure,
                        "content": request.content,
                    }
                if step[1] == "responded":
                    details |= {"outcome": request.outcome, "accounts_affected": request.accounts_affected}
            elif action == AuditAction.FOLLOWUP_REQUESTED:
                details = {"due_at": request.followup_due_at.isoformat(), "jurisdiction": request.jurisdiction}
            elif action == AuditAction.FOLLOWUP_RECEIVED:
                details = {"was": "awaiting", "late": request.followup_received_at > request.followup_due_at}
            rows.append(
                {
                    "created_at": at,
                    "action": action,
                    "role": role,
                    "request_ref": request.ref,
                    "object_type": "requests_app.legalrequest",
                    "details": details,
                }
            )
    rows.sort(key=lambda row: row["created_at"])
    return rows
