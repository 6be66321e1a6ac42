"""The auditors' desk in Chromium: verifying the chain and exporting the transparency CSV by clicking
alone, the trail without horizontal scrolling at 1366 and 390 px, each page's accessibility tree
(landmarks, one level-1 heading, every control named), and screenshots at both widths."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.actions import AuditAction
from audit.services import audit_checkpoint_create, audit_record, audit_sequence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# A value with no place to break, as a hash in an entry's details.
UNBROKEN = "ab" * 40
LONG_SENTENCE = "The agency was asked for the follow-up legal process and did not send it before the window closed."


@pytest.fixture
def desk_data(officer_a, officer_b, analyst, reviewer, in_review_factory):
    """Two requests (US and France) in review, the US one opened again and again, a long detail,
    and a signed checkpoint: what an auditor's first day looks like."""
    us_request = in_review_factory(officer_a)
    in_review_factory(officer_b)
    for user in (analyst, analyst, reviewer, analyst):
        audit_record(action=AuditAction.REQUEST_VIEWED, actor=user, request_ref=us_request.ref)
    audit_record(
        action=AuditAction.REQUEST_CHECKED,
        actor=analyst,
        request_ref=us_request.ref,
        details={"digest": UNBROKEN, "findings": ["terms_statement", "max_sentence"], "passed": False},
    )
    # A long key beside a long sentence: the key/value list must still leave the value room to wrap.
    audit_record(
        action=AuditAction.REQUEST_FLAGGED,
        actor=analyst,
        request_ref=us_request.ref,
        details={
            "emergency_disclosures_not_followed_up_within_the_window": LONG_SENTENCE,
            "ip_hash": "hmac:" + "e4" * 16,
            "effective_from": "2026-11-30T12:40:33.932577+00:00",
        },
    )
    audit_sequence()
    audit_checkpoint_create()
    return us_request


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_auditor_verifies_the_chain_and_exports_the_transparency_csv_by_clicking(desk_data, auditor, browser_as):
    page = browser_as(auditor)
    page.set_viewport_size(LAPTOP)
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit desk: chain status")

    page.get_by_role("button", name="Verify now").click()
    expect(page.locator(".messages")).to_contain_text("The chain is intact")
    expect(page.locator("#verification-verdict")).to_have_text("Intact")
    expect(page.locator("dl.fields").first).to_contain_text(auditor.username)

    page.get_by_role("navigation", name="Audit desk").get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Transparency report").click()
    expect(page.locator("svg.chart:visible")).to_contain_text("United States")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    half = 1 if timezone.now().month <= 6 else 2
    assert download.suggested_filename == f"transparency-{timezone.now().year}-h{half}.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    assert rows[0][:3] == ["jurisdiction", "received", "emergency"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["US"][1] == "1" and by_code["FR"][1] == "1" and by_code["total"][1] == "2"


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_the_trail_never_scrolls_sideways(desk_data, auditor, browser_as, viewport):
    page = browser_as(auditor)
    page.set_viewport_size(viewport)
    for path in (f"/audit/requests/{desk_data.ref}/", "/audit/trail/"):
        page.goto(path)
        expect(page.locator("#trail-table")).to_be_visible()
        assert page_width(page) <= viewport["width"], f"{path} is {page_width(page)} px wide"
        table = page.locator("#trail-table").bounding_box()
        assert table["x"] >= 0 and table["x"] + table["width"] <= viewport["width"]
    # The folded views open without script.
    page.goto(f"/audit/requests/{desk_data.ref}/")
    fold = page.locator("tr.folded details")
    expect(fold.locator("li").first).to_be_hidden()
    fold.locator("summary").click()
    expect(fold.locator("li")).to_have_count(4)
    assert page_width(page) <= viewport["width"]


def test_at_a_phone_width_the_trail_is_stacked_rows_with_their_labels(desk_data, auditor, browser_as):
    page = browser_as(auditor)
    page.set_viewport_size(PHONE)
    page.goto(f"/audit/requests/{desk_data.ref}/")
    cell = page.locator('#trail-table td[data-label="Action"]').first
    assert cell.evaluate("element => getComputedStyle(element, '::before').content") == '"Action"'
    expect(page.locator("#trail-table thead")).not_to_be_in_viewport()


UNNAMED_CONTROL = re.compile(r"- (textbox|combobox|button|link|checkbox)(:| \[|$)", re.M)


def desk_pages(ref: str) -> dict[str, str]:
    return {
        "status": "/audit/",
        "requests": "/audit/requests/",
        "trail": "/audit/trail/",
        "request-trail": f"/audit/requests/{ref}/",
        "reports": "/audit/reports/",
        "activity": "/audit/reports/activity/",
        "personal-data-access": "/audit/reports/personal-data-access/",
        "permission-denials": "/audit/reports/permission-denials/",
        "sla": "/audit/reports/sla/",
        "transparency": "/audit/reports/transparency/",
        "response-times": "/audit/reports/response-times/",
    }


def test_every_desk_page_has_landmarks_one_title_and_named_controls(desk_data, auditor, browser_as):
    page = browser_as(auditor)
    page.set_viewport_size(LAPTOP)
    for name, path in desk_pages(desk_data.ref).items():
        page.goto(path)
        tree = page.locator("body").aria_snapshot()
        assert "- banner:" in tree, name
        assert "- main:" in tree, name
        assert "- contentinfo:" in tree, name
        assert '- navigation "Audit desk":' in tree, name
        assert len(re.findall(r"heading \".*\" \[level=1\]", tree)) == 1, name
        assert not UNNAMED_CONTROL.search(tree), f"{name}: {UNNAMED_CONTROL.search(tree).group(0)}"
        # Every form control is labelled (a label, not a placeholder).
        for control in page.locator("main input:not([type=hidden]), main select").all():
            assert control.evaluate("element => element.labels.length > 0"), f"{name}: {control}"


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_screenshots_of_the_desk(desk_data, auditor, browser_as, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_as(auditor)
    page.set_viewport_size(viewport)
    page.get_by_role("button", name="Verify now").click()
    expect(page.locator(".messages")).to_be_visible()
    for name, path in desk_pages(desk_data.ref).items():
        if name != "status":
            page.goto(path)
        assert page_width(page) <= viewport["width"], f"{name} is {page_width(page)} px wide"
        # The whole trail runs to many screens: its first screen shows what it looks like.
        whole = name != "trail"
        page.screenshot(path=str(SCREENSHOTS / f"audit-{name}-{viewport['width']}.png"), full_page=whole)


def test_at_a_phone_width_the_details_of_long_entries_wrap_as_words(desk_data, auditor, browser_as):
    page = browser_as(auditor)
    page.set_viewport_size(PHONE)
    for path in (f"/audit/requests/{desk_data.ref}/", "/audit/trail/"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), path
        cells = page.locator('#trail-table td[data-label="Details"]:has(dl.kv)')
        assert cells.count() >= 2, path
        for cell in cells.all():
            assert cell.bounding_box()["width"] > 200, path
            # Every value has room for words: never one character per line.
            for value in cell.locator("dd").all():
                assert value.bounding_box()["width"] > 150, (path, value.inner_text())
                assert cell.evaluate("element => element.scrollWidth <= element.clientWidth"), path
        long_value = page.locator("#trail-table dd", has_text="window closed").first
        lines = long_value.evaluate(
            "element => Math.round(element.getBoundingClientRect().height"
            " / parseFloat(getComputedStyle(element).lineHeight))"
        )
        assert lines <= 6, f"{path}: the sentence takes {lines} lines"


@pytest.mark.parametrize("report", ["transparency", "activity", "sla"])
def test_at_a_phone_width_the_report_chart_stays_inside_its_panel(desk_data, auditor, browser_as, report):
    page = browser_as(auditor)
    page.set_viewport_size(PHONE)
    page.goto(f"/audit/reports/{report}/")
    chart = page.locator("svg.chart:visible")
    expect(chart).to_be_visible()
    assert page_width(page) <= PHONE["width"]
    # Drawn for the phone, its text stays readable: at least 9 px high on the screen.
    assert chart.evaluate("element => element.getBoundingClientRect().width / element.viewBox.baseVal.width") > 0.85
    panel = page.locator("figure.chart-box")
    assert panel.evaluate("element => element.scrollWidth <= element.clientWidth"), "the chart scrolls in its panel"
    box = panel.bounding_box()
    for shape in chart.locator("text, rect").all():
        drawn = shape.bounding_box()
        if drawn is None or drawn["width"] == 0:
            continue
        assert drawn["x"] >= box["x"] - 0.5 and drawn["x"] + drawn["width"] <= box["x"] + box["width"] + 0.5, (
            shape.text_content() or "a bar"
        )
