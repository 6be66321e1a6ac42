from __future__ import annotations

import csv
import io

import orjson
import pytest
from django.contrib.auth.models import Group
from pypdf import PdfReader

from audit.actions import AuditAction
from audit.merkle import leaf_hash, verify_inclusion
from audit.services import audit_checkpoint_create, audit_record
from lawreq.roles import Role
from tests.audit.tampering import raw_sql

pytestmark = pytest.mark.django_db

REF = "LR-2026-000042"


@pytest.fixture
def admin_user(django_user_model):
    user = django_user_model.objects.create_user("olga.admin", password="x" * 12)
    user.groups.add(Group.objects.get(name=Role.ADMIN.value))
    return user


@pytest.fixture
def trail(analyst, reviewer):
    audit_record(action=AuditAction.REQUEST_CREATED, actor=analyst, request_ref=REF)
    audit_record(action=AuditAction.REQUEST_VIEWED, actor=analyst, request_ref="LR-2026-000001")
    audit_record(
        action=AuditAction.REQUEST_TRANSITIONED,
        actor=reviewer,
        request_ref=REF,
        details={
            "from": "draft",
            "to": "received",
            "jurisdiction": "FR",
            "process_type": "court_order",
            "emergency": False,
        },
    )
    audit_checkpoint_create()
    audit_record(action=AuditAction.REQUEST_VIEWED, actor=reviewer, request_ref=REF)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/audit/entries/",
        "/api/v1/audit/verify/",
        f"/api/v1/audit/requests/{REF}/trail/",
        "/api/v1/audit/checkpoints/latest/",
        "/api/v1/reports/transparency/?year=2026&half=2",
        "/api/v1/reports/sla/",
    ],
)
def test_staff_and_officers_may_not_read_the_audit_api(api, officer_a, analyst, reviewer, trail, path):
    for user in (officer_a, analyst, reviewer):
        assert api(user).get(path).status_code == 403, (user, path)
    assert api(None).get(path).status_code == 401


def test_auditor_lists_entries_in_order_with_filters(api, auditor, analyst, trail):
    client = api(auditor)

    everything = client.get("/api/v1/audit/entries/").json()
    by_request = client.get("/api/v1/audit/entries/", {"request": REF}).json()
    by_actor = client.get("/api/v1/audit/entries/", {"actor": analyst.username}).json()
    by_actor_id = client.get("/api/v1/audit/entries/", {"actor": str(analyst.pk)}).json()
    by_action = client.get("/api/v1/audit/entries/", {"action": AuditAction.AUDIT_CHECKPOINT}).json()

    assert [e["seq"] for e in everything["results"]] == [1, 2, 3, 4, 5]
    assert [e["seq"] for e in by_request["results"]] == [1, 3, 5]
    assert [e["seq"] for e in by_actor["results"]] == [1, 2] == [e["seq"] for e in by_actor_id["results"]]
    assert [e["seq"] for e in by_action["results"]] == [4]
    assert set(everything["results"][0]) >= {"seq", "created_at", "actor", "role", "action", "entry_hash", "details"}


def test_entries_filter_by_time_window_and_paginate(api, auditor, trail):
    client = api(auditor)
    third = client.get("/api/v1/audit/entries/", {"request": REF}).json()["results"][1]

    since = client.get("/api/v1/audit/entries/", {"since": third["created_at"]}).json()
    until = client.get("/api/v1/audit/entries/", {"until": third["created_at"]}).json()
    page = client.get("/api/v1/audit/entries/", {"page_size": 2, "page": 2}).json()

    assert [e["seq"] for e in since["results"]] == [3, 4, 5]
    assert [e["seq"] for e in until["results"]] == [1, 2]
    assert (page["count"], [e["seq"] for e in page["results"]]) == (5, [3, 4])


@pytest.mark.parametrize(
    "query", [{"since": "yesterday"}, {"until": "2026-13-45"}, {"page": "x"}, {"since": "2026-01-01\x00"}]
)
def test_bad_entry_filters_answer_4xx(api, auditor, trail, query):
    assert api(auditor).get("/api/v1/audit/entries/", query).status_code in (400, 404)


def test_verify_reports_an_intact_chain_and_is_itself_audited(api, auditor, trail, audit_trail):
    body = api(auditor).get("/api/v1/audit/verify/").json()

    assert {key: body[key] for key in ("ok", "entries_checked", "first_bad_seq", "problem", "checkpoint_size")} == {
        "ok": True,
        "entries_checked": 5,
        "first_bad_seq": None,
        "problem": "",
        "checkpoint_size": 3,
    }
    assert body["pending"] == 0 and len(body["checked_against"]) == 2
    audit_trail.assert_recorded(AuditAction.AUDIT_VERIFIED, actor=auditor, ok=True, entries_checked=5)


def test_verify_names_the_first_bad_entry(api, auditor, trail):
    raw_sql("UPDATE audit_auditentry SET actor_username = 'someone else' WHERE seq = 2")

    body = api(auditor).get("/api/v1/audit/verify/").json()

    assert (body["ok"], body["first_bad_seq"], body["entries_checked"]) == (False, 2, 1)
    assert body["problem"] == "entry #2 was altered: its content does not match its hash"


def test_entry_inclusion_proof_verifies_against_the_signed_root(api, auditor, trail):
    body = api(auditor).get("/api/v1/audit/entries/3/proof/").json()

    checkpoint = orjson.loads(body["checkpoint"])
    assert body["tree_size"] == checkpoint["tree_size"] == 3
    proof = [bytes.fromhex(h) for h in body["inclusion_proof"]]
    leaf = leaf_hash(bytes.fromhex(body["entry_hash"]))
    assert verify_inclusion(2, 3, leaf, proof, bytes.fromhex(checkpoint["merkle_root"]))


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/audit/entries/5/proof/", 400),
        ("/api/v1/audit/entries/99/proof/", 404),
        ("/api/v1/audit/entries/1/proof/?tree_size=x", 400),
        ("/api/v1/audit/entries/1/proof/?tree_size=2", 400),
    ],
)
def test_proof_for_an_entry_outside_any_checkpoint_is_refused(api, auditor, trail, path, status):
    assert api(auditor).get(path).status_code == status


def test_latest_checkpoint_comes_with_the_key_that_verifies_it(api, auditor, trail):
    body = api(auditor).get("/api/v1/audit/checkpoints/latest/").json()
    assert body["checkpoint"]["tree_size"] == 3
    assert body["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_request_trail_lists_its_entries_verified_with_inclusion_proofs(api, auditor, trail, audit_trail):
    body = api(auditor).get(f"/api/v1/audit/requests/{REF}/trail/").json()

    assert body["ok"] is True
    assert [e["seq"] for e in body["entries"]] == [1, 3, 5]
    root = bytes.fromhex(body["checkpoint"]["merkle_root"])
    first, second, after = body["entries"]
    for entry in (first, second):
        proof = [bytes.fromhex(h) for h in entry["inclusion_proof"]]
        assert verify_inclusion(entry["leaf_index"], 3, leaf_hash(bytes.fromhex(entry["entry_hash"])), proof, root)
    assert after["inclusion_proof"] is None and after["verified"] is True
    audit_trail.assert_recorded(
        AuditAction.REPORT_EXPORTED, actor=auditor, request_ref=REF, report="request_trail", format="json"
    )


def test_request_trail_flags_an_altered_entry(api, auditor, trail):
    raw_sql("UPDATE audit_auditentry SET details = %s WHERE seq = 3", ['{"to": "approved"}'])

    body = api(auditor).get(f"/api/v1/audit/requests/{REF}/trail/").json()

    assert (body["ok"], body["first_bad_seq"]) == (False, 3)
    assert "its content does not match its hash" in body["entries"][1]["problems"]


def test_request_trail_as_csv(api, auditor, trail):
    response = api(auditor).get(f"/api/v1/audit/requests/{REF}/trail/", {"format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["seq"], row["verified"]) for row in rows] == [("1", "yes"), ("3", "yes"), ("5", "yes")]


def test_request_trail_as_signed_pdf(api, auditor, trail, settings, tmp_path):
    from letters.keys import signing_key_init
    from letters.signing import signer_forget

    settings.LAWREQ_KEYS_DIR = tmp_path / "letter-keys"
    settings.LAWREQ_SIGNING_P12 = str(tmp_path / "letter-keys" / "signing.p12")
    signer_forget()
    signing_key_init()

    response = api(auditor).get(f"/api/v1/audit/requests/{REF}/trail/", {"format": "pdf"})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert REF in reader.pages[0].extract_text()
    assert any(field.get("/FT") == "/Sig" for field in reader.get_fields().values())
    signer_forget()


def test_unknown_request_trail_is_404_and_unknown_format_400(api, auditor, trail):
    assert api(auditor).get("/api/v1/audit/requests/LR-2026-999999/trail/").status_code == 404
    response = api(auditor).get(f"/api/v1/audit/requests/{REF}/trail/", {"format": "xml"})
    assert response.status_code == 400 and "format" in response.json()


def test_transparency_report_in_json_csv_and_pdf(api, auditor, admin_user, trail):
    client = api(auditor)

    body = client.get("/api/v1/reports/transparency/", {"year": 2026, "half": 2}).json()
    as_csv = client.get("/api/v1/reports/transparency/", {"year": 2026, "half": 2, "format": "csv"})
    as_pdf = api(admin_user).get("/api/v1/reports/transparency/", {"year": 2026, "half": 2, "format": "pdf"})

    received_now = 1 if body["period"]["start"] <= trail_date() <= body["period"]["end"] else 0
    assert body["totals"]["received"] == received_now
    header, *rows = list(csv.reader(io.StringIO(as_csv.content.decode())))
    assert header[:3] == ["jurisdiction", "received", "emergency"] and rows[-1][0] == "total"
    assert as_pdf.status_code == 200 and as_pdf.content.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(as_pdf.content)).pages[0].extract_text()
    assert "Transparency report: 2026, July to December" in text


def trail_date() -> str:
    from django.utils import timezone

    return timezone.now().date().isoformat()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"year": "abc", "half": 1},
        {"year": 2026, "half": 3},
        {"year": 1900, "half": 1},
        {"year": 2026, "half": 1, "format": "docx"},
    ],
)
def test_transparency_report_refuses_bad_periods_with_400(api, auditor, query):
    assert api(auditor).get("/api/v1/reports/transparency/", query).status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/activity/",
        "/api/v1/reports/personal-data-access/",
        "/api/v1/reports/permission-denials/",
        "/api/v1/reports/sla/",
    ],
)
def test_window_reports_answer_json_and_csv_and_refuse_backwards_windows(api, auditor, trail, path):
    client = api(auditor)
    assert client.get(path).status_code == 200
    assert client.get(path, {"format": "csv"})["Content-Type"].startswith("text/csv")
    assert client.get(path, {"since": "2026-12-01", "until": "2026-01-01"}).status_code == 400
    assert client.get(path, {"since": "not a date"}).status_code == 400


def test_trail_page_shows_the_verified_trail_to_auditors_only(client, auditor, analyst, trail):
    client.force_login(analyst)
    assert client.get(f"/audit/requests/{REF}/").status_code == 403
    client.force_login(auditor)

    page = client.get(f"/audit/requests/{REF}/")

    assert page.status_code == 200
    assert b"Verified: every entry matches" in page.content
    assert client.get("/audit/requests/LR-2026-999999/").status_code == 404
    assert client.get("/audit/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/audit/entries/?request=LR%00x",
        "/api/v1/audit/entries/?actor=%00",
        "/api/v1/audit/entries/?action=" + "x" * 10_000,
        "/api/v1/audit/entries/?actor=99999999999999999999999999",
        "/api/v1/audit/entries/99999999999999999999999999/proof/",
        "/api/v1/audit/entries/1/proof/?tree_size=99999999999999999999999",
        "/api/v1/audit/entries/1/proof/?tree_size=%00",
        "/api/v1/audit/requests/LR%00/trail/",
        "/api/v1/audit/requests/" + "x" * 5000 + "/trail/",
        "/api/v1/reports/activity/?period=%00",
        "/api/v1/reports/transparency/?year=2026%00&half=1",
    ],
)
def test_hostile_input_never_gives_a_server_error(api, auditor, trail, path):
    response = api(auditor).get(path)
    assert response.status_code < 500, response.content[:200]
    if response.status_code == 200:
        assert response.json()["results"] == []


def test_trail_page_with_a_malformed_reference_is_404(client, auditor):
    client.force_login(auditor)
    assert client.get("/audit/requests/LR%00/").status_code == 404


def test_a_trail_pdf_is_signed_as_an_internal_report_and_refused_as_a_response(
    api, auditor, trail, settings, tmp_path, capsys
):
    from cryptography import x509
    from django.core.management import call_command

    from letters.keys import REPORT_UNIT, signing_key_init
    from letters.signing import signer_forget, signer_load
    from letters.verification import PROBLEM_INTERNAL_REPORT, pdf_signature_check

    settings.LAWREQ_KEYS_DIR = tmp_path / "letter-keys"
    settings.LAWREQ_SIGNING_P12 = str(tmp_path / "letter-keys" / "signing.p12")
    signer_forget()
    signing_key_init()
    pdf = api(auditor).get(f"/api/v1/audit/requests/{REF}/trail/", {"format": "pdf"}).content
    (tmp_path / "trail.pdf").write_bytes(pdf)

    check = pdf_signature_check(pdf)
    with pytest.raises(SystemExit):
        call_command("verify_response", str(tmp_path / "trail.pdf"))
    public = api().post("/api/v1/responses/verify/", {"file": io.BytesIO(pdf)}, format="multipart")

    letters_signer = signer_load()
    assert check.problems == (PROBLEM_INTERNAL_REPORT,)
    assert f"OU={REPORT_UNIT}" in check.signer_subject
    assert check.signer_fingerprint != letters_signer.fingerprint_sha256
    assert PROBLEM_INTERNAL_REPORT in capsys.readouterr().out
    assert public.json()["valid"] is False and PROBLEM_INTERNAL_REPORT in public.json()["problems"]
    report_key_usage = signer_load("report").certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    letters_key_usage = letters_signer.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert letters_key_usage.content_commitment and not report_key_usage.content_commitment
    signer_forget()
