"""The auditors' desk as pages: chain status and "verify now", the list of requests, the trail
(filtered, repeated views folded, details as key/value), the reports with charts and downloads.
Only auditors reach it; no page of it shows personal data."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from audit.actions import AuditAction
from audit.models import AuditEntry
from audit.services import audit_checkpoint_create, audit_record, audit_sequence
from reports import rendering
from reports.selectors import JurisdictionFigures, TransparencyReport
from requests_app.states import State
from tests.audit.tampering import raw_sql

pytestmark = pytest.mark.django_db

# The seeded request's phone target, as typed and as stored, and a colleague's internal note.
KNOWN_PHONE = "(202) 555-0187"
PHONE_DIGITS = ("555-0187", "5550187", "2025550187")
NOTE = "Checked with the platform's safety team: keep quiet"
DESK_PAGES = [
    "/audit/",
    "/audit/requests/",
    "/audit/trail/",
    "/audit/reports/",
    "/audit/reports/activity/",
    "/audit/reports/personal-data-access/",
    "/audit/reports/permission-denials/",
    "/audit/reports/sla/",
    "/audit/reports/transparency/",
    "/audit/reports/response-times/",
]


def text_of(response) -> str:
    return response.content.decode()


def assert_no_phone(content: str) -> None:
    for digits in PHONE_DIGITS:
        assert digits not in content
    assert "safety team" not in content


@pytest.fixture
def viewed_request(officer_a, analyst, reviewer, in_review_factory, client_for):
    """Agency A's request naming a known phone number, with an internal note, then opened three
    times by the analyst and once by the reviewer: four ``request.viewed`` entries in a row."""
    from casework.services import note_add

    legal_request = in_review_factory(
        officer_a, targets=[{"type": "username", "value": "@someone"}, {"type": "phone", "value": KNOWN_PHONE}]
    )
    note_add(legal_request=legal_request, author=analyst, body=NOTE)
    for user in (analyst, analyst, analyst, reviewer):
        assert client_for(user).get(f"/queue/{legal_request.ref}/").status_code == 200
    audit_sequence()
    return legal_request


# Who may come in


@pytest.mark.parametrize("path", [*DESK_PAGES, "/audit/requests/LR-2026-000001/", "/audit/checkpoint.json"])
@pytest.mark.parametrize("who", ["officer_a", "analyst", "reviewer"])
def test_the_desk_is_for_auditors_only(client_for, request, who, path):
    user = request.getfixturevalue(who)
    assert client_for(user).get(path).status_code == 403


def test_verify_now_is_for_auditors_only_and_changes_nothing_for_others(client_for, analyst):
    response = client_for(analyst).post("/audit/verify/")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.AUDIT_VERIFIED).exists()


@pytest.mark.parametrize("path", DESK_PAGES)
def test_every_desk_page_opens_for_an_auditor(client_for, auditor, path):
    response = client_for(auditor).get(path)
    assert response.status_code == 200
    assert 'aria-label="Audit desk"' in text_of(response)


def test_the_auditors_start_page_is_the_chain_status(client_for, auditor):
    assert client_for(auditor).get("/")["Location"] == "/audit/"


# Chain status and verify now


def test_verify_now_is_a_post_with_csrf(auditor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(auditor)
    assert client.get("/audit/verify/").status_code == 405
    assert client.post("/audit/verify/").status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.AUDIT_VERIFIED).exists()


def test_verify_now_is_audited_and_shown_as_the_last_verification(client_for, auditor, analyst):
    audit_record(action=AuditAction.REQUEST_CREATED, actor=analyst, request_ref="LR-2026-000001")
    client = client_for(auditor)

    response = client.post("/audit/verify/", follow=True)

    entry = AuditEntry.objects.get(action=AuditAction.AUDIT_VERIFIED)
    assert entry.actor_username == auditor.username
    assert entry.details["ok"] is True and entry.details["first_bad_seq"] is None
    page = text_of(response)
    assert "The chain is intact" in page
    assert "Verified by</dt><dd>otto.auditor" in page
    assert 'class="notice ok" id="verification-verdict"' in page


def test_a_tampered_chain_names_the_first_bad_entry_in_words(client_for, auditor, analyst):
    for number in range(1, 5):
        audit_record(action=AuditAction.REQUEST_CREATED, actor=analyst, request_ref=f"LR-2026-00000{number}")
    audit_sequence()
    raw_sql("UPDATE audit_auditentry SET actor_username = 'someone.else' WHERE seq = 3")

    response = client_for(auditor).post("/audit/verify/", follow=True)

    page = text_of(response)
    assert "The chain is broken. The first bad entry is #3: entry #3 was altered" in page
    assert "Broken: the first bad entry is #3" in page
    assert AuditEntry.objects.get(action=AuditAction.AUDIT_VERIFIED).details["first_bad_seq"] == 3


def test_the_status_shows_the_latest_checkpoint_its_size_and_its_signature(client_for, auditor, analyst):
    for _ in range(3):
        audit_record(action=AuditAction.REQUEST_CREATED, actor=analyst, request_ref="LR-2026-000001")
    checkpoint = audit_checkpoint_create()

    page = text_of(client_for(auditor).get("/audit/"))

    assert f"{checkpoint.tree_size} entries" in page
    assert '<span class="badge pass">valid</span>' in page
    download = client_for(auditor).get("/audit/checkpoint.json")
    assert download.status_code == 200 and download.content.decode() == checkpoint.document
    assert "attachment" in download["Content-Disposition"]


def test_a_checkpoint_whose_signature_fails_is_shown_invalid(client_for, auditor, analyst):
    audit_record(action=AuditAction.REQUEST_CREATED, actor=analyst, request_ref="LR-2026-000001")
    checkpoint = audit_checkpoint_create()
    forged = checkpoint.document.replace(checkpoint.merkle_root, "0" * 64)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_auditcheckpoint SET document = %s WHERE id = %s", [forged, checkpoint.pk])
        cursor.execute("ALTER TABLE audit_auditcheckpoint ENABLE TRIGGER USER")

    page = text_of(client_for(auditor).get("/audit/"))

    assert '<span class="badge fail">invalid</span>' in page


def test_without_a_checkpoint_the_status_says_so_instead_of_a_404(client_for, auditor):
    page = text_of(client_for(auditor).get("/audit/"))
    assert "No checkpoint has been signed yet" in page
    assert client_for(auditor).get("/audit/checkpoint.json").status_code == 404


# The list of requests


def test_the_request_list_shows_metadata_and_no_personal_data(client_for, auditor, officer_a, viewed_request):
    page = text_of(client_for(auditor).get("/audit/requests/"))

    assert viewed_request.ref in page
    assert f'href="/audit/requests/{viewed_request.ref}/"' in page
    assert "Springfield PD" in page and "Subpoena" in page and "In review" in page
    assert_no_phone(page)
    assert "@someone" not in page  # the username target
    assert officer_a.username not in page and "alice@" not in page
    assert viewed_request.case_number not in page


def test_the_request_list_filters_by_jurisdiction_state_date_and_reference(
    client_for, auditor, officer_a, officer_b, in_review_factory, draft_factory
):
    us_request = in_review_factory(officer_a)
    fr_request = in_review_factory(officer_b)
    draft = draft_factory(officer_a)
    client = client_for(auditor)

    def refs(query: str) -> set[str]:
        found = set(re.findall(r"LR-\d{4}-\d{6}", text_of(client.get(f"/audit/requests/?{query}"))))
        return found & {us_request.ref, fr_request.ref, draft.ref}

    assert refs("") == {us_request.ref, fr_request.ref, draft.ref}
    assert refs("jurisdiction=FR") == {fr_request.ref}
    assert refs(f"state={State.DRAFT}") == {draft.ref}
    today = timezone.now().date()
    assert refs(f"received_from={today}&received_to={today}") == {us_request.ref, fr_request.ref}
    assert refs(f"received_from={today + dt.timedelta(days=1)}") == set()
    assert refs(f"ref={fr_request.ref[-4:]}") == {fr_request.ref}


def test_reversed_dates_in_the_request_list_are_an_error_in_words(client_for, auditor):
    response = client_for(auditor).get("/audit/requests/?received_from=2026-11-30&received_to=2026-11-01")
    assert response.status_code == 200
    assert "The first date is after the second" in text_of(response)
    assert "received_to" not in re.sub(r"<[^>]*>", "", text_of(response))  # in words, never the field's name


# The trail


def test_repeated_views_are_folded_into_one_row_that_opens_without_script(client_for, auditor, viewed_request):
    page = text_of(client_for(auditor).get(f"/audit/requests/{viewed_request.ref}/"))

    assert page.count("<details>") == 1
    summary = re.search(r"<summary>(.*?)</summary>", page, re.S).group(1)
    assert "4 × Request viewed by anna.analyst, rita.reviewer" in " ".join(summary.split())
    assert page.count("<li>#") == 4


def test_the_trail_shows_details_as_key_value_lists_not_json(client_for, auditor, viewed_request):
    page = text_of(client_for(auditor).get(f"/audit/requests/{viewed_request.ref}/"))

    assert '<dl class="kv"><dt>' in page
    assert "<dt>To</dt><dd>In review</dd>" in page or "<dt>To</dt><dd>Received</dd>" in page
    assert '{"' not in page and "&quot;:" not in page


def test_the_trail_pages_show_no_personal_data(client_for, auditor, viewed_request):
    client = client_for(auditor)
    for path in (f"/audit/requests/{viewed_request.ref}/", "/audit/trail/"):
        page = text_of(client.get(path))
        assert viewed_request.ref in page
        assert_no_phone(page)
        assert "@someone" not in page


def test_the_trail_filters_by_action_actor_and_date(client_for, auditor, analyst, reviewer, viewed_request):
    client = client_for(auditor)

    def rows(path: str) -> str:
        return text_of(client.get(path)).split("<tbody>")[1]

    base = f"/audit/requests/{viewed_request.ref}/"
    only_created = rows(f"{base}?action={AuditAction.REQUEST_CREATED}")
    assert "Request created" in only_created and "Request viewed" not in only_created
    by_reviewer = rows(f"{base}?actor={reviewer.username}")
    assert "rita.reviewer" in by_reviewer and "anna.analyst" not in by_reviewer
    tomorrow = timezone.now().date() + dt.timedelta(days=1)
    assert "No entry matches." in rows(f"{base}?since={tomorrow}")
    whole = rows(f"/audit/trail/?action={AuditAction.REQUEST_VIEWED}&actor={analyst.username}")
    assert "3 × Request viewed by anna.analyst" in " ".join(whole.split())
    assert "Request created" not in whole


def test_a_tampered_entry_is_never_hidden_in_a_fold(client_for, auditor, viewed_request):
    seq = (
        AuditEntry.objects.filter(request_ref=viewed_request.ref, action=AuditAction.REQUEST_VIEWED)
        .order_by("seq")
        .values_list("seq", flat=True)[1]
    )
    raw_sql("UPDATE audit_auditentry SET actor_username = 'someone.else' WHERE seq = %s", [seq])

    page = text_of(client_for(auditor).get(f"/audit/requests/{viewed_request.ref}/"))

    assert "NOT verified" in page
    assert re.search(rf'<tr class="bad">\s*<td data-label="#">{seq}</td>', page)


# Reports


def test_each_report_page_has_a_chart_and_csv_and_pdf_downloads_that_work(client_for, auditor, viewed_request):
    client = client_for(auditor)
    for slug in ("activity", "personal-data-access", "permission-denials", "sla", "transparency", "response-times"):
        page = text_of(client.get(f"/audit/reports/{slug}/"))
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in page
        links = dict(re.findall(r'<a class="button[^"]*" href="([^"]+)" download>Download (CSV|PDF)</a>', page))
        by_format = {kind: href.replace("&amp;", "&") for href, kind in links.items()}
        csv_response = client.get(by_format["CSV"])
        assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv"), slug
        pdf_response = client.get(by_format["PDF"])
        assert pdf_response.status_code == 200 and pdf_response.content.startswith(b"%PDF"), slug


def test_a_report_read_on_its_page_is_audited(client_for, auditor):
    client_for(auditor).get("/audit/reports/activity/?since=2026-01-01&until=2026-12-31&period=week")
    entry = AuditEntry.objects.get(action=AuditAction.REPORT_EXPORTED)
    assert entry.details["report"] == "activity" and entry.details["format"] == "page"
    assert entry.details["period"] == "week"


def test_the_activity_pdf_names_actions_in_words(client_for, auditor, viewed_request):
    response = client_for(auditor).get("/api/v1/reports/activity/?format=pdf")
    text = "".join(page.extract_text() for page in PdfReader(__import__("io").BytesIO(response.content)).pages)
    assert "Request viewed" in text
    assert "request.viewed" not in text


def test_the_transparency_page_names_jurisdictions_and_process_types_and_no_colleague(
    client_for, auditor, analyst, reviewer, officer_a, officer_b, viewed_request, in_review_factory
):
    in_review_factory(officer_b)
    year, half = timezone.now().year, 1 if timezone.now().month <= 6 else 2
    client = client_for(auditor)
    page = text_of(client.get(f"/audit/reports/transparency/?year={year}&half={half}"))

    assert "France" in page and "United States" in page
    assert "Subpoena: 1" in page
    body = page.split("</header>")[1]
    for username in (analyst.username, reviewer.username, officer_a.username, officer_b.username):
        assert username not in body
    csv_text = client.get(f"/api/v1/reports/transparency/?year={year}&half={half}&format=csv").content.decode()
    assert analyst.username not in csv_text and reviewer.username not in csv_text
    assert_no_phone(page + csv_text)


def test_the_transparency_chart_labels_jurisdictions_by_name_and_draws_no_zero():
    report = TransparencyReport(
        2026,
        2,
        dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
        dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        [JurisdictionFigures("FR", received=3, disclosed=2), JurisdictionFigures("US", received=1)],
        names={"FR": "France", "US": "United States"},
    )

    svg = rendering.transparency_chart_svg(report)

    assert ">France<" in svg and ">United States<" in svg
    assert ">FR<" not in svg and ">US<" not in svg
    assert ">0<" not in svg
    assert "Partially disclosed" in svg and "partially_disclosed" not in svg


def test_the_transparency_pdf_has_names_and_no_stacked_zero_labels(client_for, auditor, viewed_request):
    year, half = timezone.now().year, 1 if timezone.now().month <= 6 else 2
    response = client_for(auditor).get(f"/api/v1/reports/transparency/?year={year}&half={half}&format=pdf")
    text = "".join(page.extract_text() for page in PdfReader(__import__("io").BytesIO(response.content)).pages)
    assert "United States" in text
    assert "Subpoena: 1" in text
    assert "subpoena" not in text
    assert not re.search(r"(^|\n)0\n0\n", text)


def test_a_report_with_reversed_dates_says_so_in_words(client_for, auditor):
    page = text_of(client_for(auditor).get("/audit/reports/sla/?since=2026-12-01&until=2026-01-01"))
    assert "The first date is after the second" in page
    assert not AuditEntry.objects.filter(action=AuditAction.REPORT_EXPORTED).exists()


# What the desk shows in words (walk findings 4 and the trail's raw values)


def test_verify_now_says_what_it_checked_against_without_file_names(client_for, auditor, analyst, settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    audit_record(action=AuditAction.REQUEST_CREATED, actor=analyst, request_ref="LR-2026-000001")
    checkpoint = audit_checkpoint_create()

    page = text_of(client_for(auditor).post("/audit/verify/", follow=True))

    message = page.split('class="messages"')[1].split("</ul>")[0]
    assert f"against the signed checkpoint of {checkpoint.tree_size} entr" in message, message
    assert ".json" not in message and checkpoint.key_id not in message
    assert "exported checkpoint" not in page


def test_the_status_folds_the_key_id_into_technical_details(client_for, auditor, analyst):
    audit_record(action=AuditAction.REQUEST_CREATED, actor=analyst, request_ref="LR-2026-000001")
    checkpoint = audit_checkpoint_create()

    page = text_of(client_for(auditor).get("/audit/"))

    details = re.search(r'<details class="technical">.*?</details>', page, re.S).group(0)
    assert "Technical details" in details and checkpoint.key_id in details
    assert page.count(checkpoint.key_id) == 1


def test_the_request_trail_shows_the_checkpoint_time_in_minutes_and_folds_the_root(client_for, auditor, viewed_request):
    checkpoint = audit_checkpoint_create()

    page = text_of(client_for(auditor).get(f"/audit/requests/{viewed_request.ref}/"))

    verdict = page.split('class="verdict ok"')[1].split("</p>")[0]
    assert f"signed {checkpoint.created_at:%Y-%m-%d %H:%M} UTC" in verdict
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", page)
    assert checkpoint.merkle_root[:16] not in verdict
    details = re.search(r'<details class="technical">.*?</details>', page, re.S).group(0)
    assert checkpoint.merkle_root in details


def test_the_trail_shows_codes_in_words_agencies_by_name_and_hashes_as_hashed(client_for, auditor, analyst, agency_a):
    from audit.services import audit_hash_identifier

    ref = "LR-2026-000042"
    audit_record(
        action=AuditAction.REQUEST_TRANSITIONED,
        actor=analyst,
        request_ref=ref,
        details={
            "from": "pending_approval",
            "to": "in_review",
            "process_type": "emergency_disclosure",
            "categories": ["ip_addresses", "phone_number"],
            "allowed_categories": ["phone_number"],
            "outcome": "partially_disclosed",
            "rulesets": [
                {"ruleset": "platform", "version": 2, "effective_from": "2026-01-01T00:00:00+00:00"},
                {"ruleset": "US", "version": 1, "effective_from": "2026-01-01T00:00:00+00:00"},
            ],
            "what": "record_counts",
        },
    )
    audit_record(
        action=AuditAction.CALLBACK_RECORDED,
        actor=analyst,
        request_ref=ref,
        details={
            "outcome": "not_confirmed",
            "number_called": audit_hash_identifier("+12025550187"),
            "agency": agency_a.pk,
        },
    )
    audit_record(action=AuditAction.AUDIT_VERIFIED, actor=auditor, details={"ok": False, "first_bad_seq": 3})
    audit_sequence()

    for path in (f"/audit/requests/{ref}/", "/audit/trail/"):
        page = text_of(client_for(auditor).get(path))
        values = " ".join(re.findall(r"<dd>(.*?)</dd>", page))
        keys = " ".join(re.findall(r"<dt>(.*?)</dt>", page))
        for code in ("pending_approval", "in_review", "emergency_disclosure", "ip_addresses", "phone_number"):
            assert code not in values, (path, code)
        assert "partially_disclosed" not in values and "not_confirmed" not in values and "record_counts" not in values
        assert "Pending approval" in values and "In review" in values and "Emergency disclosure request" in values
        assert "IP addresses (with timestamps and ports), Phone numbers" in values
        assert "<dt>Allowed categories</dt><dd>Phone numbers</dd>" in page
        assert "Partially disclosed" in values and "not confirmed" in values
        assert "platform, version 2; US, version 1" in values and "Ruleset:" not in values
        assert agency_a.name in values and f"Agency {agency_a.pk}" not in values
        assert "hmac:" not in page and "(hashed)" in values
        if path == "/audit/trail/":
            assert "First bad entry" in keys and "First bad seq" not in keys


def test_the_transparency_page_has_the_emergencies_not_followed_up(client_for, auditor, viewed_request):
    page = text_of(client_for(auditor).get("/audit/reports/transparency/"))

    assert '<th scope="col" class="num">Emergencies not followed up</th>' in page
    assert page.count('data-label="Emergencies not followed up"') >= 2  # a jurisdiction and the total


def test_the_transparency_pdf_table_fits_the_page(tmp_path):
    import subprocess
    from xml.etree import ElementTree

    report = TransparencyReport(
        2026,
        2,
        dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
        dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        [
            JurisdictionFigures("FR", received=3, disclosed=2, emergency=2, emergency_not_followed_up=7),
            JurisdictionFigures("US", received=1, emergency_not_followed_up=1),
        ],
        names={"FR": "France", "US": "United States"},
    )
    pdf = tmp_path / "transparency.pdf"
    pdf.write_bytes(rendering.transparency_pdf(report, platform="Example"))

    subprocess.run(["pdftotext", "-bbox", str(pdf), str(tmp_path / "words.html")], check=True)
    xhtml = (tmp_path / "words.html").read_text()
    tree = ElementTree.fromstring(xhtml)
    namespace = {"x": "http://www.w3.org/1999/xhtml"}
    page = tree.find(".//x:page", namespace)
    width = float(page.get("width"))
    words = [(word.text, float(word.get("xMax"))) for word in tree.iterfind(".//x:word", namespace)]
    assert "followed" in [text for text, _ in words]
    beyond = [text for text, right in words if right > width - 20]
    assert not beyond, f"past the page's right margin: {beyond}"
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    # The France row of the figures: its last column is the emergencies not followed up.
    figures = [line.split() for line in layout.stdout.splitlines() if line.strip().startswith("France ")]
    # received, emergency, disclosed, partially, no records, preserved, rejected, withdrawn, accounts, not followed up
    assert ["France", "3", "2", "2", "0", "0", "0", "0", "0", "0", "7"] in figures


NEW_FIGURES = ("Accounts specified", "Contested", "Preservation", "Non-disclosure order", "Content", "Non-content")


def test_the_transparency_page_has_the_datasets_figures(client_for, auditor, viewed_request):
    page = text_of(client_for(auditor).get("/audit/reports/transparency/"))

    for label in NEW_FIGURES:
        assert f'<th scope="col" class="num">{label}</th>' in page
        assert page.count(f'data-label="{label}"') >= 2, label  # a jurisdiction and the total


def test_the_transparency_pdf_has_the_datasets_figures(tmp_path):
    import subprocess

    report = TransparencyReport(
        2026,
        2,
        dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
        dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        [
            JurisdictionFigures(
                "FR",
                received=3,
                accounts_specified=11,
                contested=2,
                preservation=1,
                nondisclosure_order=4,
                content_requests=5,
                non_content_requests=6,
            )
        ],
        names={"FR": "France"},
    )
    pdf = tmp_path / "transparency.pdf"
    pdf.write_bytes(rendering.transparency_pdf(report, platform="Example"))

    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    for label in ("Accounts specified", "Contested", "Preservation", "Non-content"):
        assert label in " ".join(layout.stdout.split()), label
    rows = [line.split() for line in layout.stdout.splitlines() if line.strip().startswith(("France ", "Total "))]
    assert ["France", "11", "2", "1", "4", "5", "6"] in rows and ["Total", "11", "2", "1", "4", "5", "6"] in rows
