"""The public transparency dataset against independent recounts, and ``transparency_check`` against
tampering: a generated trail of thousands of requests, a signed checkpoint, the dataset built on it."""

from __future__ import annotations

import datetime as dt
import io
import math
import statistics
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

import orjson
import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from audit.actions import AuditAction
from audit.keys import checkpoint_signing_key, public_key_pem
from audit.models import AuditCheckpoint, AuditEntry
from audit.services import audit_checkpoint_create
from demo.audit_history import audit_bulk_append, synthetic_history_rows, synthetic_requests
from reports.selectors import transparency_report
from reports.transparency import (
    dataset_csv,
    dataset_json,
    transparency_dataset_build,
    transparency_latest,
    transparency_publish,
)
from reports.transparency_figures import FIGURES, TrailEvent, compute_figures, figures_document
from tests.audit.tampering import raw_sql, wipe_stored_checkpoints
from workflow.services import do_submit

pytestmark = pytest.mark.django_db

START, END = dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 10, 31, tzinfo=dt.UTC)


def history(count: int, seed: int = 2026):
    requests = synthetic_requests(count, start=START, end=END, seed=seed)
    audit_bulk_append(synthetic_history_rows(requests))
    return requests


@pytest.fixture
def published(tmp_path):
    """2000 requests' trail, a checkpoint over it, the dataset published; its files written out."""
    requests = history(2000)
    audit_checkpoint_create()
    publication = transparency_publish()
    files = {
        "json": tmp_path / "data.json",
        "json.sig": tmp_path / "data.json.sig",
        "csv": tmp_path / "data.csv",
        "csv.sig": tmp_path / "data.csv.sig",
        "key": tmp_path / "key.pem",
    }
    files["json"].write_bytes(bytes(publication.data_json))
    files["json.sig"].write_bytes(bytes(publication.data_json_signature))
    files["csv"].write_bytes(bytes(publication.data_csv))
    files["csv.sig"].write_bytes(bytes(publication.data_csv_signature))
    files["key"].write_bytes(public_key_pem(checkpoint_signing_key().public_key()))
    return requests, publication, files


def run_check(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("transparency_check", *[str(arg) for arg in args], "--no-progress", stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


# Independent recount from what the generator decided (never the trail, never the code under test)


def periods_of(moment: dt.datetime) -> list[str]:
    return [f"{moment.year}-Q{(moment.month - 1) // 3 + 1}", f"{moment.year}-H{1 if moment.month <= 6 else 2}"]


def ground_truth(requests, *, as_of: dt.datetime) -> tuple[dict, dict]:
    """(figures per (period, jurisdiction), hours per (period, jurisdiction, process type, emergency))."""
    figures: dict[tuple[str, str], Counter] = defaultdict(Counter)
    hours: dict[tuple, list[float]] = defaultdict(list)

    def add(moment, request, name, amount=1):
        for period in periods_of(moment):
            for code in (request.jurisdiction, "total"):
                figures[(period, code)][name] += amount

    for request in requests:
        add(request.received_at, request, "received")
        add(request.received_at, request, f"by_process_type.{request.process_type}")
        add(request.received_at, request, "accounts_specified", request.accounts_specified)
        add(request.received_at, request, "emergency", int(request.emergency))
        add(request.received_at, request, "preservation", int(request.process_type == "preservation_order"))
        add(request.received_at, request, "nondisclosure_order", int(request.nondisclosure))
        add(request.received_at, request, "content_requests" if request.content else "non_content_requests")
        if request.fate == "withdrawn":
            add(request.answered_at, request, "withdrawn")
        if request.fate in ("responded", "rejected"):
            if request.fate == "responded":
                add(request.answered_at, request, request.outcome)
                add(request.answered_at, request, "accounts_affected", request.accounts_affected)
            else:
                add(request.answered_at, request, "rejected")
            add(request.answered_at, request, "contested", int(request.asked_for_info))
            spent = (request.answered_at - request.received_at).total_seconds() / 3600
            for period in periods_of(request.answered_at):
                for code in (request.jurisdiction, "total"):
                    for process_type in (request.process_type, "all"):
                        hours[(period, code, process_type, request.emergency)].append(spent)
        if request.followup_asked_at and not request.followup_received_at and request.followup_due_at <= as_of:
            add(request.followup_asked_at, request, "emergency_not_followed_up")
    return {key: +counts for key, counts in figures.items()}, hours


def dataset_as_counters(dataset: dict) -> dict:
    result = {}
    for period in dataset["periods"]:
        for row in [*period["jurisdictions"], {"jurisdiction": "total", **period["total"]}]:
            counts = Counter()
            for name, value in row.items():
                if name == "by_process_type":
                    counts.update({f"by_process_type.{key}": count for key, count in value.items()})
                elif isinstance(value, int) and not isinstance(value, bool):
                    counts[name] = value
            result[(period["period"], row["jurisdiction"])] = +counts
    return result


def nearest_rank_p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def test_dataset_figures_and_response_times_match_an_independent_recount():
    requests = history(3000)
    audit_checkpoint_create()

    dataset = transparency_dataset_build()

    checkpoint = AuditCheckpoint.objects.get()
    figures, hours = ground_truth(requests, as_of=checkpoint.created_at)
    assert dataset_as_counters(dataset) == figures
    kinds = Counter(period["kind"] for period in dataset["periods"])
    assert kinds == {"quarter": 8, "half": 4}
    assert {"2025-Q1", "2026-Q4", "2025-H1", "2026-H2"} <= {period["period"] for period in dataset["periods"]}
    assert [p["complete"] for p in dataset["periods"] if p["period"] in ("2026-Q3", "2026-Q4")] == [True, False]
    total = figures[("2026-H1", "total")]
    for name in ("contested", "emergency_not_followed_up", "preservation", "nondisclosure_order", "content_requests"):
        assert total[name] > 0, name
    published = {
        (row["period"], row["jurisdiction"], row["process_type"], row["emergency"]): row
        for row in dataset["response_times"]
    }
    assert set(published) == set(hours)
    for key, values in hours.items():
        row = published[key]
        assert row["answered"] == len(values), key
        assert row["median_hours"] == pytest.approx(statistics.median(values), abs=0.006), key
        assert row["p90_hours"] == pytest.approx(nearest_rank_p90(values), abs=0.006), key


def test_the_dataset_has_the_published_shape_and_nothing_internal():
    history(300)
    audit_checkpoint_create()

    dataset = transparency_dataset_build()

    assert dataset["format"] == "lawreq-transparency/1"
    checkpoint = AuditCheckpoint.objects.get()
    assert dataset["checkpoint"] == {
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.merkle_root,
        "created_at": orjson.loads(checkpoint.document)["created_at"],
        "key_id": checkpoint.key_id,
    }
    period = dataset["periods"][0]
    assert set(period) == {"period", "kind", "start", "end", "complete", "jurisdictions", "total"}
    assert (period["period"], period["start"], period["end"]) == ("2025-Q1", "2025-01-01", "2025-03-31")
    france = next(row for p in dataset["periods"] for row in p["jurisdictions"] if row["jurisdiction"] == "FR")
    assert france["name"] == "France"
    assert set(dataset["definitions"]) >= {"contested", "accounts_specified", "response_times"}
    text = dataset_json(dataset).decode() + dataset_csv(dataset).decode()
    assert "LR-20" not in text and "analyst" not in text
    csv_lines = dataset_csv(dataset).decode().splitlines()
    assert csv_lines[0].startswith("table,period,kind,start,end,complete,jurisdiction,process_type,emergency,figure")
    assert all(line.endswith(f"{checkpoint.tree_size},{checkpoint.merkle_root}") for line in csv_lines[1:])


def test_entries_after_the_checkpoint_are_not_counted():
    history(500)
    audit_checkpoint_create()
    before = transparency_dataset_build()
    history(200, seed=5)

    after = transparency_dataset_build()
    newer = audit_checkpoint_create()
    recounted = transparency_dataset_build()

    assert after["periods"] == before["periods"] and after["response_times"] == before["response_times"]
    assert recounted["checkpoint"]["tree_size"] == newer.tree_size
    assert recounted["periods"][0]["total"]["received"] > before["periods"][0]["total"]["received"]


def test_older_entries_without_the_new_details_count_as_zero_and_false():
    received = {"from": "draft", "to": "received", "jurisdiction": "FR", "process_type": "subpoena", "emergency": False}
    at = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    events = [TrailEvent(1, at, AuditAction.REQUEST_TRANSITIONED, "LR-2026-000001", received)]

    document = figures_document(compute_figures(events, as_of=at), names={})

    row = document["periods"][0]["jurisdictions"][0]
    assert (row["received"], row["accounts_specified"], row["nondisclosure_order"]) == (1, 0, 0)
    assert (row["content_requests"], row["non_content_requests"]) == (0, 1)


def test_a_draft_withdrawn_before_submission_is_not_counted_and_pushed_back_requests_are_contested():
    at = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    base = {"jurisdiction": "DE", "process_type": "court_order", "emergency": False}

    def transition(seq, ref, from_state, to_state, hours, role="analyst", **extra):
        details = {"from": from_state, "to": to_state, **base, **extra}
        return TrailEvent(seq, at + dt.timedelta(hours=hours), AuditAction.REQUEST_TRANSITIONED, ref, details, role)

    events = [
        transition(1, "A", "draft", "withdrawn", 0, role="officer"),
        transition(2, "B", "draft", "received", 0, role="officer"),
        transition(3, "B", "received", "needs_info", 1),
        transition(4, "B", "needs_info", "received", 2),
        transition(5, "B", "pending_approval", "rejected", 10),
        transition(6, "C", "draft", "received", 0),
        transition(7, "C", "approved", "responded", 4, outcome="no_records", accounts_affected=0),
    ]

    document = figures_document(compute_figures(events, as_of=at + dt.timedelta(days=1)), names={})

    row = document["periods"][0]["jurisdictions"][0]
    assert (row["received"], row["withdrawn"], row["rejected"], row["no_records"], row["contested"]) == (2, 0, 1, 1, 1)
    hours = {(r["process_type"], r["answered"], r["median_hours"], r["p90_hours"]) for r in document["response_times"]}
    assert hours == {("court_order", 2, 7.0, 10.0), ("all", 2, 7.0, 10.0)}


def test_a_request_only_the_automatic_checks_sent_back_is_not_contested():
    at = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    base = {"jurisdiction": "DE", "process_type": "court_order", "emergency": False}
    steps = [
        ("A", "draft", "received", "officer"),
        ("A", "received", "needs_info", "system"),  # the checks: an identifier is missing
        ("A", "needs_info", "received", "officer"),
        ("A", "pending_approval", "rejected", "reviewer"),
        ("B", "draft", "received", "officer"),
        ("B", "in_review", "needs_info", "reviewer"),
        ("B", "needs_info", "received", "officer"),
        ("B", "pending_approval", "rejected", "reviewer"),
    ]
    events = [
        TrailEvent(
            seq, at + dt.timedelta(hours=seq), AuditAction.REQUEST_TRANSITIONED, ref, {"from": a, "to": b, **base}, role
        )
        for seq, (ref, a, b, role) in enumerate(steps, start=1)
    ]

    document = figures_document(compute_figures(events, as_of=at + dt.timedelta(days=1), track=True), names={})

    assert (document["periods"][0]["total"]["rejected"], document["periods"][0]["total"]["contested"]) == (2, 1)
    assert compute_figures(events, as_of=at, track=True).counted[("2026-Q1", "total", "contested")] == {"B"}


def test_a_request_received_through_the_services_carries_what_the_dataset_counts(officer_a, draft_factory):
    legal_request = draft_factory(officer_a)
    legal_request.categories = ["subscriber_info", "content"]
    legal_request.save(update_fields=["categories"])

    do_submit(legal_request=legal_request, actor=officer_a)

    entry = AuditEntry.objects.get(action=AuditAction.REQUEST_TRANSITIONED, details__to="received")
    assert entry.details["accounts_specified"] == legal_request.targets.count() >= 1
    assert entry.details["content"] is True
    assert entry.details["nondisclosure"] is (legal_request.nondisclosure_until is not None)
    assert "jurisdiction" in entry.details and "process_type" in entry.details and "emergency" in entry.details


# Publication and signatures


def test_publish_keeps_the_signed_bytes_and_is_audited(published):
    _, publication, _ = published
    assert transparency_latest() == publication
    assert orjson.loads(bytes(publication.data_json))["checkpoint"]["tree_size"] == publication.tree_size
    entry = AuditEntry.objects.get(action=AuditAction.TRANSPARENCY_PUBLISHED)
    assert entry.details == {"tree_size": publication.tree_size, "root_hash": publication.root_hash}
    assert len(bytes(publication.data_json_signature)) == 64


def openssl_verify(key: Path, data: Path, signature: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            str(key),
            "-rawin",
            "-in",
            str(data),
            "-sigfile",
            str(signature),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_signatures_verify_with_openssl_and_a_flipped_byte_does_not(published, tmp_path):
    _, _, files = published
    assert openssl_verify(files["key"], files["json"], files["json.sig"]).returncode == 0
    assert openssl_verify(files["key"], files["csv"], files["csv.sig"]).returncode == 0

    flipped = tmp_path / "flipped.json"
    data = bytearray(files["json"].read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))

    assert openssl_verify(files["key"], flipped, files["json.sig"]).returncode != 0
    code, output = run_check(flipped, "--signature", files["json.sig"], "--public-key", files["key"])
    assert code == 1 and "signature does not verify" in output


def test_a_flipped_byte_in_a_figure_fails_the_signature_in_transparency_check(published, tmp_path):
    _, _, files = published
    text = files["json"].read_bytes()
    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(text.replace(b'"received": 1', b'"received": 9', 1))
    assert tampered.read_bytes() != text

    code, output = run_check(tampered, "--signature", files["json.sig"], "--public-key", files["key"])

    assert code == 1 and "signature does not verify" in output


# transparency_check


def test_transparency_check_passes_on_a_fresh_dataset(published):
    _, _, files = published
    code, output = run_check(files["json"], "--signature", files["json.sig"], "--public-key", files["key"])
    assert code == 0, output
    assert "every figure recomputed" in output and "signature valid" in output


def test_a_changed_figure_is_named(published, tmp_path):
    _, _, files = published
    dataset = orjson.loads(files["json"].read_bytes())
    row = dataset["periods"][2]["jurisdictions"][1]
    row["disclosed"] += 3
    dataset["response_times"][0]["median_hours"] = 1.0
    changed = tmp_path / "changed.json"
    changed.write_bytes(dataset_json(dataset))

    code, output = run_check(changed)

    assert code == 1
    period, code_ = dataset["periods"][2]["period"], row["jurisdiction"]
    assert f"{period}\t{code_}\tdisclosed\tpublished {row['disclosed']}\trecomputed {row['disclosed'] - 3}" in output
    first = dataset["response_times"][0]
    assert f"{first['period']}\t{first['jurisdiction']}\tresponse_time.{first['process_type']}" in output
    assert "2 figure(s) differ" in output


def test_a_dropped_trail_entry_is_named(published):
    _, _, files = published
    seq = AuditEntry.objects.filter(action=AuditAction.REQUEST_TRANSITIONED).order_by("seq")[500].seq
    raw_sql("DELETE FROM audit_auditentry WHERE seq = %s", [seq])

    code, output = run_check(files["json"])

    assert code == 1
    assert f"#{seq}" in output


def test_an_altered_trail_entry_is_named(published):
    _, _, files = published
    entry = AuditEntry.objects.filter(action=AuditAction.REQUEST_TRANSITIONED, details__to="responded")[10]
    details = {**entry.details, "accounts_affected": entry.details["accounts_affected"] + 1}
    raw_sql("UPDATE audit_auditentry SET details = %s WHERE seq = %s", [orjson.dumps(details).decode(), entry.seq])

    code, output = run_check(files["json"])

    assert code == 1 and f"#{entry.seq}" in output


@pytest.mark.parametrize("content", [b"not json", b'{"format": "something else"}', b"[]"])
def test_a_file_that_is_not_a_dataset_is_bad_input(tmp_path, content):
    path = tmp_path / "data.json"
    path.write_bytes(content)
    assert run_check(path)[0] == 2
    assert run_check(tmp_path / "missing.json")[0] == 2


@pytest.mark.parametrize(
    ("remove", "named"),
    [(("checkpoint",), "'checkpoint'"), (("checkpoint", "root_hash"), "'root_hash'"), (("method",), "'method'")],
)
def test_a_dataset_missing_a_field_is_bad_input_naming_it(published, tmp_path, remove, named):
    _, _, files = published
    dataset = orjson.loads(files["json"].read_bytes())
    *path, last = remove
    container = dataset
    for key in path:
        container = container[key]
    del container[last]
    broken = tmp_path / "broken.json"
    broken.write_bytes(dataset_json(dataset))

    code, output = run_check(broken)

    assert code == 2 and f"the field {named} is missing" in output and "KeyError" not in output


def test_the_csv_dataset_is_checked_like_the_json(published, tmp_path):
    _, _, files = published
    code, output = run_check(files["csv"], "--signature", files["csv.sig"])
    assert code == 0, output
    assert "verified" in output and "signature valid" in output

    lines = files["csv"].read_bytes().decode().split("\r\n")
    index = next(i for i, line in enumerate(lines) if ",total,,,received," in line)
    cells = lines[index].split(",")
    cells[10] = str(int(cells[10]) + 1)
    lines[index] = ",".join(cells)
    changed = tmp_path / "changed.csv"
    changed.write_bytes("\r\n".join(lines).encode())

    code, output = run_check(changed)
    assert code == 1
    assert f"{cells[1]}\ttotal\treceived\tpublished {cells[10]}\trecomputed {int(cells[10]) - 1}" in output


def test_a_csv_with_an_unknown_figure_is_bad_input_naming_its_line(published, tmp_path):
    _, _, files = published
    changed = tmp_path / "changed.csv"
    changed.write_bytes(files["csv"].read_bytes().replace(b",received,", b",recieved,", 1))

    code, output = run_check(changed)

    assert code == 2 and "line 2: no figure is named 'recieved'" in output


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda dataset: dataset["periods"][0]["jurisdictions"][0].update(name="Atlantis"), "name"),
        (
            lambda dataset: dataset["definitions"].update(contested="Requests we lost in court."),
            "definitions.contested",
        ),
        (lambda dataset: dataset.update(method="Figures estimated by hand."), "method"),
        (lambda dataset: dataset["periods"][0].update(complete=False), "complete"),
    ],
)
def test_changed_names_definitions_or_method_are_named_and_no_signature_is_warned(published, tmp_path, change, named):
    _, _, files = published
    dataset = orjson.loads(files["json"].read_bytes())
    change(dataset)
    changed = tmp_path / "changed.json"
    changed.write_bytes(dataset_json(dataset))

    code, output = run_check(changed)

    assert code == 1 and f"\t{named}\tpublished " in output
    assert "WARNING: NO SIGNATURE CHECKED" in output
    assert "NO SIGNATURE" not in run_check(files["json"], "--signature", files["json.sig"])[1]


def test_a_dataset_naming_an_unknown_checkpoint_fails(published, tmp_path):
    _, _, files = published
    dataset = orjson.loads(files["json"].read_bytes())
    dataset["checkpoint"]["root_hash"] = "00" * 32
    other = tmp_path / "other.json"
    other.write_bytes(dataset_json(dataset))
    code, output = run_check(other)
    assert code == 1 and "no stored checkpoint" in output


# Proving a figure


def checkpoint_file(tmp_path) -> Path:
    path = tmp_path / "checkpoint.json"
    path.write_text(AuditCheckpoint.objects.get().document)
    return path


@pytest.mark.parametrize("figure", ["received", "contested", "by_process_type", "response_times"])
def test_a_figure_is_proven_offline_and_a_tampered_proof_is_not(published, tmp_path, figure, monkeypatch):
    _, _, files = published
    dataset = orjson.loads(files["json"].read_bytes())
    period = dataset["periods"][0]
    jurisdiction = period["jurisdictions"][0]["jurisdiction"]
    proofs = tmp_path / "proofs.json"
    code, output = run_check(files["json"], "--prove", period["period"], jurisdiction, figure, "--out", proofs)
    assert code == 0, output
    document = orjson.loads(proofs.read_bytes())
    assert document["entries"] and all(item["inclusion_proof"] for item in document["entries"])
    checkpoint = checkpoint_file(tmp_path)

    # offline: no database
    def no_database(*args, **kwargs):
        raise AssertionError("the offline check touched the database")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", no_database)
    code, output = run_check(
        files["json"],
        "--signature",
        files["json.sig"],
        "--verify-proofs",
        proofs,
        "--checkpoint",
        checkpoint,
        "--public-key",
        files["key"],
    )
    assert code == 0, output
    assert "Figure proven" in output

    node = document["entries"][0]["inclusion_proof"][0]
    document["entries"][0]["inclusion_proof"][0] = ("0" if node[0] != "0" else "1") + node[1:]
    proofs.write_bytes(orjson.dumps(document))
    code, output = run_check("--verify-proofs", proofs, "--checkpoint", checkpoint, "--public-key", files["key"])
    assert code == 1 and f"entry #{document['entries'][0]['fields']['seq']}" in output


def test_proofs_of_an_inflated_figure_do_not_verify(published, tmp_path):
    _, _, files = published
    dataset = orjson.loads(files["json"].read_bytes())
    dataset["periods"][0]["total"]["received"] += 1
    inflated = tmp_path / "inflated.json"
    inflated.write_bytes(dataset_json(dataset))
    proofs = tmp_path / "proofs.json"
    assert run_check(inflated, "--prove", dataset["periods"][0]["period"], "total", "received", "--out", proofs)[0] == 0

    code, output = run_check("--verify-proofs", proofs, "--checkpoint", checkpoint_file(tmp_path))

    assert code == 1 and "the proven entries give" in output


def test_an_altered_entry_in_the_proofs_does_not_verify(published, tmp_path):
    _, _, files = published
    dataset = orjson.loads(files["json"].read_bytes())
    proofs = tmp_path / "proofs.json"
    run_check(files["json"], "--prove", dataset["periods"][0]["period"], "total", "accounts_affected", "--out", proofs)
    document = orjson.loads(proofs.read_bytes())
    entry = next(item for item in document["entries"] if item["fields"]["details"].get("accounts_affected"))
    entry["fields"]["details"]["accounts_affected"] += 1
    proofs.write_bytes(orjson.dumps(document))

    code, output = run_check("--verify-proofs", proofs, "--checkpoint", checkpoint_file(tmp_path))

    assert code == 1 and f"entry #{entry['fields']['seq']}: its content does not match its hash" in output


def test_proofs_leaving_out_a_request_never_say_proven_and_fail_against_the_dataset(published, tmp_path):
    _, _, files = published
    proofs = tmp_path / "proofs.json"
    assert run_check(files["json"], "--prove", "2026-H2", "BR", "received", "--out", proofs)[0] == 0
    document = orjson.loads(proofs.read_bytes())
    published_value = document["value"]
    left_out = document["entries"][0]["fields"]["request_ref"]
    document["entries"] = [item for item in document["entries"] if item["fields"]["request_ref"] != left_out]
    document["value"] = published_value - 1
    proofs.write_bytes(orjson.dumps(document))
    checkpoint = checkpoint_file(tmp_path)

    code, alone = run_check("--verify-proofs", proofs, "--checkpoint", checkpoint)
    assert code == 0 and "Figure proven" not in alone
    assert f"count 2026-H2 BR received = {published_value - 1}" in alone and "NOT proven" in alone

    code, against_dataset = run_check(files["json"], "--verify-proofs", proofs, "--checkpoint", checkpoint)
    assert code == 1 and "Figure proven" not in against_dataset
    assert f"the dataset publishes {published_value}, the proven entries give {published_value - 1}" in against_dataset


@pytest.mark.parametrize(
    "prove", [("2026-Q5", "total", "received"), ("2026-H1", "total", "not_a_figure"), ("x", "FR", "received")]
)
def test_proving_a_figure_that_does_not_exist_is_bad_input(published, prove):
    _, _, files = published
    assert run_check(files["json"], "--prove", *prove)[0] == 2


# Response times in the auditors' reports


def test_the_response_times_report_answers_json_csv_and_pdf(api, auditor):
    requests = history(800)
    _, hours = ground_truth(requests, as_of=dt.datetime.now(dt.UTC))
    client = api(auditor)

    response = client.get("/api/v1/reports/response-times/?year=2026&quarter=2")

    assert response.status_code == 200, response.content
    rows = {(r["jurisdiction"], r["process_type"], r["emergency"]): r for r in response.json()["rows"]}
    expected = {key[1:]: values for key, values in hours.items() if key[0] == "2026-Q2"}
    assert set(rows) == set(expected)
    for key, values in expected.items():
        assert rows[key]["answered"] == len(values)
        assert rows[key]["median_hours"] == pytest.approx(statistics.median(values), abs=0.006)
    assert response.json()["period"] == "2026-Q2" and "nearest-rank" in response.json()["method"]
    csv_text = client.get("/api/v1/reports/response-times/?year=2026&half=1&format=csv").content.decode()
    assert csv_text.startswith("period,jurisdiction,process_type,emergency,answered,median_hours,p90_hours")
    pdf = client.get("/api/v1/reports/response-times/?year=2026&half=1&format=pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Response times, 2026-H1" in text and "France" in text and "Court order" in text
    assert AuditEntry.objects.filter(action=AuditAction.REPORT_EXPORTED, details__report="response_times").count() == 3


@pytest.mark.parametrize(
    "query", ["year=2026", "year=2026&half=1&quarter=2", "year=2026&quarter=5", "year=1999&half=1", "year=x&half=1"]
)
def test_the_response_times_report_refuses_bad_periods(api, auditor, query):
    response = api(auditor).get(f"/api/v1/reports/response-times/?{query}")
    assert response.status_code == 400


def test_the_response_times_report_is_for_auditors(api, analyst):
    assert api(analyst).get("/api/v1/reports/response-times/?year=2026&half=1").status_code == 403


def test_the_check_uses_an_auditors_checkpoint_file_when_the_stored_ones_are_gone(published, tmp_path):
    _, _, files = published
    checkpoint = checkpoint_file(tmp_path)
    wipe_stored_checkpoints()

    assert run_check(files["json"])[0] == 1
    code, output = run_check(files["json"], "--checkpoint", checkpoint)

    assert code == 0, output


# At scale: the demo command, the beat task


def test_generate_requests_then_checkpoint_then_publish_gives_a_dataset_that_checks(tmp_path):
    out = io.StringIO()
    call_command("generate_requests", requests=400, seed=3, since="2025-03-01", no_progress=True, stdout=out)
    assert "400 requests" in out.getvalue()
    assert AuditEntry.objects.filter(request_ref__startswith="GEN3-").exists()
    with pytest.raises(CommandError, match="another --seed"):
        call_command("generate_requests", requests=10, seed=3, no_progress=True)
    assert not AuditEntry.objects.filter(created_at__gt=dt.datetime.now(dt.UTC)).exists()
    audit_checkpoint_create()

    publication = transparency_publish()

    dataset = orjson.loads(bytes(publication.data_json))
    assert sum(p["total"]["received"] for p in dataset["periods"] if p["kind"] == "half") == 400
    path = tmp_path / "data.json"
    path.write_bytes(bytes(publication.data_json))
    assert run_check(path)[0] == 0


@pytest.mark.parametrize(
    "arguments", [{"requests": 0}, {"requests": 10, "since": "yesterday"}, {"requests": 10, "since": "2999-01-01"}]
)
def test_generate_requests_refuses_bad_input(arguments):
    with pytest.raises(CommandError):
        call_command("generate_requests", no_progress=True, **arguments)
    assert not AuditEntry.objects.exists()


def test_the_daily_task_publishes_once_a_checkpoint_exists(settings):
    from reports.tasks import transparency_publish_task

    assert "reports.transparency_publish" in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert transparency_publish_task() is None
    history(50)
    audit_checkpoint_create()
    assert transparency_publish_task() == transparency_latest().pk


def test_the_auditors_half_year_report_agrees_with_the_dataset_on_every_figure():
    history(2000, seed=11)
    audit_checkpoint_create()
    dataset = transparency_dataset_build()

    for period in (p for p in dataset["periods"] if p["kind"] == "half"):
        year, half = int(period["period"][:4]), int(period["period"][-1])

        report = transparency_report(year=year, half=half).as_dict()

        rows = {row["jurisdiction"]: row for row in report["jurisdictions"]}
        for published in period["jurisdictions"]:
            mine = rows[published["jurisdiction"]]
            assert {name: mine[name] for name in FIGURES} == {name: published[name] for name in FIGURES}, period
        assert {name: report["totals"][name] for name in FIGURES} == {n: period["total"][n] for n in FIGURES}


def test_a_dataset_checked_with_another_key_is_refused(published, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _, _, files = published
    other = tmp_path / "other.pem"
    other.write_bytes(public_key_pem(Ed25519PrivateKey.generate().public_key()))

    assert run_check(files["json"], "--signature", files["json.sig"], "--public-key", other)[0] == 1
    code, output = run_check(files["json"], "--public-key", other)
    assert code == 1 and "checkpoint is not valid" in output


def test_nothing_is_published_before_the_first_checkpoint():
    history(20)
    with pytest.raises(CommandError) as refused:
        call_command("transparency_publish", stdout=io.StringIO())
    assert refused.value.returncode == 2 and transparency_latest() is None
