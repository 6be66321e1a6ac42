"""The public transparency dataset: built from the audit trail up to a signed checkpoint, published
signed with the checkpoint key, checked again by anyone holding the trail (``transparency_check``),
and single figures proven with Merkle inclusion proofs of the entries they count.

The figures themselves are computed by ``reports.transparency_figures`` (no database there).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from audit.actions import AuditAction
from audit.canonical import entry_hash, format_timestamp
from audit.checkpoints import Checkpoint, CheckpointInvalid, checkpoint_parse
from audit.keys import checkpoint_signing_key, key_id, public_key_pem
from audit.merkle import inclusion_proofs, leaf_hash, verify_inclusion
from audit.models import AuditCheckpoint, AuditEntry
from audit.selectors import leaf_hashes
from audit.services import audit_record, audit_sequence, latest_stored_checkpoint
from audit.verification import stream_chain_rows, verify_chain_rows
from lawreq.errors import Conflict, InvalidInput
from lawreq.spreadsheets import csv_document
from reports.models import TransparencyPublication
from reports.selectors import jurisdiction_names
from reports.transparency_figures import (
    DEFINITIONS,
    EVENT_ACTIONS,
    FIGURES,
    METHOD,
    TOTAL,
    FigureSet,
    TrailEvent,
    compute_figures,
    figures_document,
    period_named,
)

FORMAT = "lawreq-transparency/1"
PROOFS_FORMAT = "lawreq-transparency-proofs/1"
RESPONSE_TIMES = "response_times"
CSV_HEADER = (
    "table",
    "period",
    "kind",
    "start",
    "end",
    "complete",
    "jurisdiction",
    "process_type",
    "emergency",
    "figure",
    "value",
    "checkpoint_tree_size",
    "checkpoint_root_hash",
)

ERR_NO_CHECKPOINT = "No audit checkpoint is stored yet: sign one (manage.py audit_checkpoint) before publishing."
ERR_DATASET = "The file is not a lawreq transparency dataset ({problem})."
ERR_DATASET_SHAPE = "a field holds the wrong kind of value (a list or object where another is expected)"
ERR_CSV_HEADER = "it is neither JSON of format " + FORMAT + " nor its CSV (whose first line is the header)"
ERR_CSV_LINE = "line {line}: {problem}"
ERR_CSV_CHECKPOINT = "its rows do not all name one checkpoint"
ERR_PERIOD = "period must be a quarter (2026-Q3) or a half-year (2026-H1)"
ERR_FIGURE = "figure must be one of: {figures}"
ERR_PERIOD_CHOICE = "give either half (1 or 2) or quarter (1 to 4), not both"
PROBLEM_SIGNATURE = "the dataset's signature does not verify with the checkpoint key {key_id}"
PROBLEM_NO_CHECKPOINT = "no stored checkpoint has tree size {size} and root {root}"
PROBLEM_OTHER_CHECKPOINT = "the checkpoint file is not the one the dataset names (tree size {size}, root {root})"
PROBLEM_CHECKPOINT = "the named checkpoint is not valid: {problem}"
PROBLEM_TRAIL = "the audit trail does not give the checkpoint's root: {problem}"
PROBLEM_ENTRY_HASH = "entry #{seq}: its content does not match its hash"
PROBLEM_ENTRY_PROOF = "entry #{seq}: its inclusion proof does not lead to the checkpoint's root"
PROBLEM_ENTRY_BEYOND = "entry #{seq} is beyond the checkpoint's {size} entries"
PROBLEM_PROOFS_CHECKPOINT = "the proofs are against tree size {size} and root {root}, not this checkpoint"
PROBLEM_PROOFS_VALUE = "the proven entries give {recomputed}, the proofs state {stated}"
PROBLEM_PROOFS_FILE = "the file is not a lawreq transparency proofs file"
PROBLEM_PROOFS_PUBLISHED = "the dataset publishes {published}, the proven entries give {recomputed}"
PROBLEM_PROOFS_OTHER_DATASET = (
    "the dataset is of the checkpoint of tree size {size}, not the one the proofs are against"
)


# Reading the trail


def trail_events(*, upto: int | None = None) -> Iterator[TrailEvent]:
    """The entries the figures are computed from, in sequence order, up to seq ``upto``, streamed
    through a server-side cursor (a trail of millions is never held whole)."""
    queryset = AuditEntry.objects.filter(seq__isnull=False, action__in=EVENT_ACTIONS)
    if upto is not None:
        queryset = queryset.filter(seq__lte=upto)
    # The details as text parsed with orjson: Django's JSON decoding costs more than the figures.
    rows = (
        queryset.order_by("seq")
        .annotate(details_text=Cast("details", TextField()))
        .values_list("seq", "created_at", "action", "request_ref", "details_text", "role")
    )
    loads = orjson.loads
    for seq, created_at, action, ref, details, role in rows.iterator(chunk_size=20_000):
        yield TrailEvent(seq, created_at, action, ref, loads(details), role)


def _checkpoint_or_latest(checkpoint: Checkpoint | None) -> Checkpoint:
    checkpoint = checkpoint or latest_stored_checkpoint()
    if checkpoint is None:
        raise Conflict(ERR_NO_CHECKPOINT)
    return checkpoint


def _figures_at(checkpoint: Checkpoint, *, track: bool = False) -> FigureSet:
    with transaction.atomic():  # a server-side cursor lives in a transaction
        return compute_figures(trail_events(upto=checkpoint.tree_size), as_of=checkpoint.signed_at, track=track)


# The dataset


def transparency_dataset_build(
    *, checkpoint: Checkpoint | None = None, published_at: dt.datetime | None = None
) -> dict:
    """The dataset (``lawreq-transparency/1``) computed from the trail's first ``tree_size`` entries,
    those of ``checkpoint`` (the latest stored one by default)."""
    checkpoint = _checkpoint_or_latest(checkpoint)
    figures = _figures_at(checkpoint)
    names = jurisdiction_names(sorted(figures.jurisdictions()))
    return {
        "format": FORMAT,
        "platform": settings.LAWREQ_PLATFORM_NAME,
        "published_at": format_timestamp(published_at or timezone.now()),
        "checkpoint": {
            "tree_size": checkpoint.tree_size,
            "root_hash": checkpoint.merkle_root,
            "created_at": checkpoint.created_at,
            "key_id": checkpoint.key_id,
        },
        "method": METHOD,
        "definitions": DEFINITIONS,
        "small_counts": "exact",
        **figures_document(figures, names=names),
    }


def dataset_json(dataset: dict) -> bytes:
    return orjson.dumps(dataset, option=orjson.OPT_INDENT_2) + b"\n"


def _csv_rows(dataset: dict):
    checkpoint = dataset["checkpoint"]
    tail = (checkpoint["tree_size"], checkpoint["root_hash"])
    for period in dataset["periods"]:
        head = (period["period"], period["kind"], period["start"], period["end"], str(period["complete"]).lower())
        for row in [*period["jurisdictions"], {"jurisdiction": TOTAL, **period["total"]}]:
            for figure in FIGURES:
                if figure == "by_process_type":
                    for process_type, count in row[figure].items():
                        yield ("figures", *head, row["jurisdiction"], process_type, "", figure, count, *tail)
                else:
                    yield ("figures", *head, row["jurisdiction"], "", "", figure, row[figure], *tail)
    periods = {period["period"]: period for period in dataset["periods"]}
    for row in dataset[RESPONSE_TIMES]:
        period = periods[row["period"]]
        head = (row["period"], period["kind"], period["start"], period["end"], str(period["complete"]).lower())
        for figure in ("answered", "median_hours", "p90_hours"):
            yield (
                RESPONSE_TIMES,
                *head,
                row["jurisdiction"],
                row["process_type"],
                str(row["emergency"]).lower(),
                figure,
                row[figure],
                *tail,
            )


def dataset_csv(dataset: dict) -> bytes:
    """The long table: one row per (period, jurisdiction, figure), by_process_type one row per type, and
    response times one row per (period, jurisdiction, process type, emergency, measure); every row names
    the checkpoint (tree size and Merkle root) it was computed from."""
    return csv_document(CSV_HEADER, _csv_rows(dataset))


def transparency_publish(*, actor=None) -> TransparencyPublication:
    """Build the dataset at the latest checkpoint, sign its JSON and CSV bytes with the checkpoint key
    (detached raw Ed25519 signatures) and keep them; audited."""
    audit_sequence()
    checkpoint = _checkpoint_or_latest(None)
    now = timezone.now()
    dataset = transparency_dataset_build(checkpoint=checkpoint, published_at=now)
    data_json, data_csv = dataset_json(dataset), dataset_csv(dataset)
    key = checkpoint_signing_key()
    with transaction.atomic():
        publication = TransparencyPublication.objects.create(
            published_at=now,
            tree_size=checkpoint.tree_size,
            root_hash=checkpoint.merkle_root,
            # The key that signs the files (and that key.pem serves), normally the checkpoint's own.
            key_id=key_id(key.public_key()),
            data_json=data_json,
            data_json_signature=key.sign(data_json),
            data_csv=data_csv,
            data_csv_signature=key.sign(data_csv),
            public_key_pem=public_key_pem(key.public_key()),
        )
        audit_record(
            action=AuditAction.TRANSPARENCY_PUBLISHED,
            actor=actor,
            obj=publication,
            details={"tree_size": checkpoint.tree_size, "root_hash": checkpoint.merkle_root},
        )
    return publication


def transparency_latest() -> TransparencyPublication | None:
    return TransparencyPublication.objects.order_by("-published_at", "-id").first()


# Response times for the auditors (live: the whole trail, as of now)


def response_time_report(*, year: int, half: int | None = None, quarter: int | None = None) -> dict:
    """Response times of one half-year or quarter from the whole trail as it is now: rows as in the
    dataset's ``response_times`` (per jurisdiction and ``total``, per process type and ``all``,
    emergencies apart), with the jurisdictions' names."""
    if (half is None) == (quarter is None):
        raise InvalidInput(ERR_PERIOD_CHOICE, field="half")
    name = f"{year}-H{half}" if half is not None else f"{year}-Q{quarter}"
    try:
        period = period_named(name)
    except ValueError:
        raise InvalidInput(ERR_PERIOD, field="quarter" if quarter is not None else "half")
    audit_sequence()
    now = timezone.now()
    with transaction.atomic():
        figures = compute_figures(trail_events(), as_of=now)
    rows = list(figures_document(figures, names={})[RESPONSE_TIMES])
    rows = [row for row in rows if row["period"] == name]
    names = jurisdiction_names(sorted({row["jurisdiction"] for row in rows} - {TOTAL}))
    return {
        **period.as_dict(as_of=now),
        "method": METHOD.split("Response times: ", 1)[1],
        "rows": [
            {**row, "name": "Total" if row["jurisdiction"] == TOTAL else names.get(row["jurisdiction"])} for row in rows
        ],
    }


# Checking a published dataset


@dataclass(frozen=True)
class Difference:
    period: str
    jurisdiction: str
    figure: str
    published: Any
    recomputed: Any


# The published texts a check recomputes (published_at alone cannot be).
TEXT_FIELDS = ("format", "platform", "method", "small_counts")
CHECKPOINT_FIELDS = ("tree_size", "root_hash", "created_at", "key_id")
PERIOD_FIELDS = ("kind", "start", "end", "complete")


def _flatten(dataset: dict, *, texts: bool = True) -> dict[tuple[str, str, str], Any]:
    """Every recomputable cell of a dataset by (period, jurisdiction, name); ``texts``: also its method,
    definitions, jurisdiction names and checkpoint fields (the CSV carries figures alone)."""
    cells: dict[tuple[str, str, str], Any] = {}
    if texts:
        cells |= {("", "", name): dataset[name] for name in TEXT_FIELDS}
        cells |= {("", "", f"checkpoint.{name}"): dataset["checkpoint"][name] for name in CHECKPOINT_FIELDS}
        cells |= {("", "", f"definitions.{name}"): text for name, text in dataset["definitions"].items()}
    for period in dataset["periods"]:
        cells |= {(period["period"], "", name): period[name] for name in PERIOD_FIELDS}
        for row in [*period["jurisdictions"], {"jurisdiction": TOTAL, **period["total"]}]:
            if texts and row["jurisdiction"] != TOTAL:
                cells[(period["period"], row["jurisdiction"], "name")] = row["name"]
            for figure in FIGURES:
                if figure == "by_process_type":
                    for process_type, count in row[figure].items():
                        cells[(period["period"], row["jurisdiction"], f"by_process_type.{process_type}")] = count
                else:
                    cells[(period["period"], row["jurisdiction"], figure)] = row[figure]
    for row in dataset[RESPONSE_TIMES]:
        kind = "emergency" if row["emergency"] else "non_emergency"
        for measure in ("answered", "median_hours", "p90_hours"):
            cells[(row["period"], row["jurisdiction"], f"response_time.{row['process_type']}.{kind}.{measure}")] = row[
                measure
            ]
    return cells


def dataset_differences(published: dict, recomputed: dict, *, texts: bool = True) -> list[Difference]:
    """Every cell that differs, including those present on one side only; ``texts``: the published
    texts too (see ``_flatten``)."""
    mine, theirs = _flatten(published, texts=texts), _flatten(recomputed, texts=texts)
    differences = []
    for key in sorted(set(mine) | set(theirs)):
        if mine.get(key) != theirs.get(key):
            differences.append(Difference(*key, published=mine.get(key), recomputed=theirs.get(key)))
    return differences


def is_csv_dataset(data: bytes) -> bool:
    """data.csv rather than data.json: a JSON dataset is an object."""
    return not data.lstrip().startswith(b"{")


def dataset_parse(data: bytes) -> dict:
    """data.json, or data.csv read back into the same shape (figures only: no texts); InvalidInput
    naming what is wrong."""
    try:
        if is_csv_dataset(data):
            return _csv_dataset(data)
        dataset = orjson.loads(data)
        if not isinstance(dataset, dict) or dataset.get("format") != FORMAT:
            raise ValueError("its format is not " + FORMAT)
        checkpoint = dataset["checkpoint"]
        try:
            int(checkpoint["tree_size"])
        except ValueError:
            raise ValueError("checkpoint.tree_size is not a number")
        str(checkpoint["root_hash"])
        _flatten(dataset)
    except KeyError as exc:
        raise InvalidInput(ERR_DATASET.format(problem=f"the field {exc.args[0]!r} is missing"), field="dataset")
    except (TypeError, AttributeError):
        raise InvalidInput(ERR_DATASET.format(problem=ERR_DATASET_SHAPE), field="dataset")
    except (orjson.JSONDecodeError, ValueError) as exc:
        raise InvalidInput(ERR_DATASET.format(problem=exc), field="dataset")
    return dataset


def _csv_number(text: str, *, whole: bool) -> int | float | None:
    text = text.removeprefix("'")  # a cell escaped against spreadsheet formulas
    if text == "":
        return None
    return int(text) if whole else float(text)


def _csv_dataset(data: bytes) -> dict:
    """data.csv (``dataset_csv``) back into the dataset's shape; a figure it lacks is None (absent)."""
    try:
        reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    except UnicodeDecodeError:
        raise ValueError(ERR_CSV_HEADER)
    if tuple(next(reader, ())) != CSV_HEADER:
        raise ValueError(ERR_CSV_HEADER)
    checkpoints: set[tuple[int, str]] = set()
    periods: dict[str, dict] = {}
    times: dict[tuple, dict] = {}
    for line, cells in enumerate(reader, start=2):
        if len(cells) != len(CSV_HEADER):
            raise ValueError(ERR_CSV_LINE.format(line=line, problem=f"{len(cells)} cells, not {len(CSV_HEADER)}"))
        record = dict(zip(CSV_HEADER, cells, strict=True))
        try:
            checkpoints.add((int(record["checkpoint_tree_size"]), record["checkpoint_root_hash"]))
            period = periods.setdefault(
                record["period"],
                {
                    "period": record["period"],
                    "kind": record["kind"],
                    "start": record["start"],
                    "end": record["end"],
                    "complete": record["complete"] == "true",
                    "rows": {},
                },
            )
            code, figure = record["jurisdiction"], record["figure"]
            if record["table"] == "figures":
                row = period["rows"].setdefault(code, _csv_row())
                if figure == "by_process_type":
                    row[figure][record["process_type"]] = _csv_number(record["value"], whole=True)
                elif figure in row:
                    row[figure] = _csv_number(record["value"], whole=True)
                else:
                    raise ValueError(f"no figure is named {figure!r}")
            elif record["table"] == RESPONSE_TIMES and figure in ("answered", "median_hours", "p90_hours"):
                key = (record["period"], code, record["process_type"], record["emergency"] == "true")
                row = times.setdefault(key, dict.fromkeys(("answered", "median_hours", "p90_hours")))
                row[figure] = _csv_number(record["value"], whole=figure == "answered")
            else:
                raise ValueError(f"the table {record['table']!r} has no figure {figure!r}")
        except ValueError as exc:
            raise ValueError(ERR_CSV_LINE.format(line=line, problem=exc))
    if len(checkpoints) != 1:
        raise ValueError(ERR_CSV_CHECKPOINT)
    (tree_size, root_hash), *_ = checkpoints
    return {
        "format": FORMAT,
        "checkpoint": {"tree_size": tree_size, "root_hash": root_hash},
        "periods": [
            {
                **{name: value for name, value in period.items() if name != "rows"},
                "jurisdictions": [
                    {"jurisdiction": code, **row} for code, row in sorted(period["rows"].items()) if code != TOTAL
                ],
                "total": period["rows"].get(TOTAL) or _csv_row(),
            }
            for period in periods.values()
        ],
        RESPONSE_TIMES: [
            {"period": period, "jurisdiction": code, "process_type": process_type, "emergency": emergency, **row}
            for (period, code, process_type, emergency), row in times.items()
        ],
    }


def _csv_row() -> dict:
    return {figure: {} if figure == "by_process_type" else None for figure in FIGURES}


@dataclass
class CheckResult:
    problems: list[str]
    differences: list[Difference]
    bad_seq: int | None = None
    checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.differences


def signature_verifies(data: bytes, signature: bytes, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def stored_checkpoint_named(*, tree_size: int, root_hash: str, trusted_key: Ed25519PublicKey) -> Checkpoint | None:
    """The stored checkpoint of that size and root, its signature checked (CheckpointInvalid if bad)."""
    stored = AuditCheckpoint.objects.filter(tree_size=tree_size, merkle_root=root_hash).order_by("id").first()
    if stored is None:
        return None
    return checkpoint_parse(stored.document, trusted_key=trusted_key)


def transparency_check(
    data: bytes,
    *,
    trusted_key: Ed25519PublicKey,
    signature: bytes | None = None,
    checkpoint_file: Checkpoint | None = None,
    progress=None,
) -> CheckResult:
    """Verify ``data`` (the dataset's JSON bytes): its signature (when given), its checkpoint (signed by
    the trusted key, and the trail's first tree_size entries give its root), then recompute every figure.
    The checkpoint is the stored one the dataset names, or ``checkpoint_file`` (an auditor's copy, already
    parsed with the trusted key), which must be the one the dataset names."""
    if signature is not None and not signature_verifies(data, signature, trusted_key):
        return CheckResult([PROBLEM_SIGNATURE.format(key_id=key_id(trusted_key))], [])
    dataset = dataset_parse(data)
    named = dataset["checkpoint"]
    if checkpoint_file is not None:
        if (checkpoint_file.tree_size, checkpoint_file.merkle_root) != (named["tree_size"], named["root_hash"]):
            return CheckResult([PROBLEM_OTHER_CHECKPOINT.format(size=named["tree_size"], root=named["root_hash"])], [])
        checkpoint = checkpoint_file
    else:
        try:
            checkpoint = stored_checkpoint_named(
                tree_size=int(named["tree_size"]), root_hash=str(named["root_hash"]), trusted_key=trusted_key
            )
        except CheckpointInvalid as exc:
            return CheckResult([PROBLEM_CHECKPOINT.format(problem=exc)], [])
        if checkpoint is None:
            return CheckResult([PROBLEM_NO_CHECKPOINT.format(size=named["tree_size"], root=named["root_hash"])], [])
    audit_sequence()
    chain = verify_chain_rows(
        stream_chain_rows(upto=checkpoint.tree_size), checkpoint=checkpoint, check_root=True, progress=progress
    )
    if not chain.ok:
        return CheckResult([PROBLEM_TRAIL.format(problem=chain.problem)], [], chain.first_bad_seq, checkpoint)
    recomputed = transparency_dataset_build(checkpoint=checkpoint)
    differences = dataset_differences(dataset, recomputed, texts=not is_csv_dataset(data))
    return CheckResult([], differences, None, checkpoint)


# Proving one figure


def cell_value(document: dict, period: str, jurisdiction: str, figure: str) -> Any:
    """One figure of a dataset (or of ``figures_document``); ``response_times``: that period's and
    jurisdiction's rows. A figure the dataset does not list is 0 (or {})."""
    if figure == RESPONSE_TIMES:
        return [
            row for row in document[RESPONSE_TIMES] if row["period"] == period and row["jurisdiction"] == jurisdiction
        ]
    for item in document["periods"]:
        if item["period"] != period:
            continue
        if jurisdiction == TOTAL:
            return item["total"][figure]
        for row in item["jurisdictions"]:
            if row["jurisdiction"] == jurisdiction:
                return row[figure]
    return {} if figure == "by_process_type" else 0


def _check_cell(period: str, figure: str) -> None:
    try:
        period_named(period)
    except ValueError:
        raise InvalidInput(ERR_PERIOD, field="period")
    if figure not in (*FIGURES, RESPONSE_TIMES):
        raise InvalidInput(ERR_FIGURE.format(figures=", ".join((*FIGURES, RESPONSE_TIMES))), field="figure")


def figure_proofs(
    *, checkpoint: Checkpoint, period: str, jurisdiction: str, figure: str, published: dict | None = None
) -> dict:
    """The entries a figure counts (every trail entry of the requests it counts, up to the checkpoint),
    each with its content and Merkle inclusion proof against the checkpoint's root. ``value`` is the
    figure as ``published`` states it (as recomputed without it)."""
    _check_cell(period, figure)
    figures = _figures_at(checkpoint, track=True)
    refs = figures.counted.get((period, jurisdiction, figure), set())
    with transaction.atomic():
        seqs = [event.seq for event in trail_events(upto=checkpoint.tree_size) if event.request_ref in refs]
    leaves = leaf_hashes(checkpoint.tree_size)
    proofs = inclusion_proofs(leaves, [seq - 1 for seq in seqs]) if seqs else {}
    entries = AuditEntry.objects.filter(seq__in=seqs).order_by(F("seq").asc())
    return {
        "format": PROOFS_FORMAT,
        "period": period,
        "jurisdiction": jurisdiction,
        "figure": figure,
        "value": cell_value(published or figures_document(figures, names={}), period, jurisdiction, figure),
        "checkpoint": {"tree_size": checkpoint.tree_size, "root_hash": checkpoint.merkle_root},
        "entries": [
            {
                "fields": entry.hashed_fields(),
                "entry_hash": entry.entry_hash,
                "leaf_index": entry.seq - 1,
                "inclusion_proof": [node.hex() for node in proofs[entry.seq - 1]],
            }
            for entry in entries
        ],
    }


@dataclass
class ProofsResult:
    problems: list[str]
    value: Any = None  # the figure the proven entries give
    entries: int = 0


def proofs_verify(document: dict, *, checkpoint: Checkpoint, published: dict | None = None) -> ProofsResult:
    """Offline (no database): every entry's hash, its inclusion in the checkpoint's tree, and the figure
    recomputed from the proven entries. Inclusion proofs cannot show that no entry was left out, so a
    figure is proven only against the ``published`` dataset: the value the entries give must be the one
    it publishes. No problems: the entries are in the checkpointed trail and give ``value``."""
    try:
        if document.get("format") != PROOFS_FORMAT:
            raise ValueError
        stated = (document["checkpoint"]["tree_size"], document["checkpoint"]["root_hash"])
        period, jurisdiction, figure = document["period"], document["jurisdiction"], document["figure"]
        _check_cell(period, figure)
        entries = list(document["entries"])
    except (KeyError, TypeError, ValueError, AttributeError, InvalidInput):
        raise InvalidInput(PROBLEM_PROOFS_FILE, field="proofs")
    if stated != (checkpoint.tree_size, checkpoint.merkle_root):
        return ProofsResult([PROBLEM_PROOFS_CHECKPOINT.format(size=stated[0], root=stated[1])])
    problems, events = [], []
    root = bytes.fromhex(checkpoint.merkle_root)
    for item in entries:
        try:
            fields = item["fields"]
            seq = int(fields["seq"])
            stored_hash = str(item["entry_hash"])
            proof = [bytes.fromhex(node) for node in item["inclusion_proof"]]
            hashed = entry_hash(**fields)
        except (KeyError, TypeError, ValueError):
            raise InvalidInput(PROBLEM_PROOFS_FILE, field="proofs")
        if seq > checkpoint.tree_size:
            problems.append(PROBLEM_ENTRY_BEYOND.format(seq=seq, size=checkpoint.tree_size))
            continue
        if hashed != stored_hash:
            problems.append(PROBLEM_ENTRY_HASH.format(seq=seq))
            continue
        if not verify_inclusion(seq - 1, checkpoint.tree_size, leaf_hash(bytes.fromhex(stored_hash)), proof, root):
            problems.append(PROBLEM_ENTRY_PROOF.format(seq=seq))
            continue
        created_at = dt.datetime.fromisoformat(fields["created_at"].replace("Z", "+00:00"))
        events.append(
            TrailEvent(seq, created_at, fields["action"], fields["request_ref"], fields["details"], fields["role"])
        )
    events.sort(key=lambda event: event.seq)
    proven = figures_document(compute_figures(events, as_of=checkpoint.signed_at), names={})
    recomputed = cell_value(proven, period, jurisdiction, figure)
    if recomputed != document.get("value"):
        problems.append(PROBLEM_PROOFS_VALUE.format(recomputed=recomputed, stated=document.get("value")))
    if published is not None:
        named = published["checkpoint"]
        if (named["tree_size"], named["root_hash"]) != stated:
            problems.append(PROBLEM_PROOFS_OTHER_DATASET.format(size=named["tree_size"]))
        elif (value := cell_value(published, period, jurisdiction, figure)) != recomputed:
            problems.append(PROBLEM_PROOFS_PUBLISHED.format(published=value, recomputed=recomputed))
    return ProofsResult(problems, recomputed, len(events))
