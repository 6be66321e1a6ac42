"""The portal that guides an officer, in a browser: the check before filing names what is missing
before the request is filed; the error pages (upload too large, stale form) are pages of the site
with a way back; at a phone's width nothing scrolls sideways; labels, headings and landmarks are
there for a screen reader; the focus ring stands out on white and on the top bar.

Screenshots at 1366 and 390 px go to docs/screenshots/ (named in the README).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from requests_app.models import LegalRequest
from requests_app.states import State
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
WHITE = (255, 255, 255)


def save_screenshots(page, name: str) -> None:
    """The page at 1366 px and at 390 px, for the docs."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("1366", LAPTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(LAPTOP)


def no_sideways_scrolling(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        " && document.body.scrollWidth <= document.documentElement.clientWidth"
    )


def fill_the_new_request(page, *, with_terms_statement: bool) -> None:
    form = page.locator("#request-form")
    # preset from the agency: the officer does not look for the country among ~250
    expect(form.get_by_label("Jurisdiction")).to_have_value("US")
    form.get_by_label("Legal process").select_option("subpoena")
    form.get_by_label("Issuing authority", exact=True).select_option("court")
    form.get_by_label("Name of the issuing authority").fill("U.S. District Court, D. Springfield")
    form.get_by_label("Document issued on").fill("2026-11-20")
    form.get_by_label("Case number").fill("2026-CR-0042")
    form.get_by_label("Offence category").select_option("fraud")
    form.get_by_label("Maximum sentence (years)").fill("20")
    form.get_by_label("Offence under investigation").fill("Wire fraud (18 U.S.C. 1343)")
    if with_terms_statement:
        form.get_by_label("The suspect's conduct breaks the platform's terms of service").check()
    form.get_by_label("IP addresses").check()
    form.get_by_label("Data from").fill("2026-10-01")
    form.get_by_label("Data to").fill("2026-11-01")
    form.get_by_label("Targets").fill("username:@someone\nphone:(202) 555-0199")
    form.get_by_label("Legal document (PDF)").set_input_files(
        {"name": "order.pdf", "mimeType": "application/pdf", "buffer": make_pdf("Subpoena")}
    )


def test_the_check_before_filing_shows_the_missing_terms_statement(officer_a, shipped_rules, browser_as):
    page = browser_as(officer_a)
    page.set_viewport_size(LAPTOP)
    page.get_by_role("link", name="New request").first.click()
    expect(page.get_by_role("navigation", name="Steps to file a request")).to_be_visible()
    fill_the_new_request(page, with_terms_statement=False)
    save_screenshots(page, "portal-new-request")

    # the draft is created with its document in one go
    page.get_by_role("button", name="Create the draft").click()
    expect(page.locator(".messages")).to_contain_text("created with its document")
    expect(page.get_by_role("link", name="order.pdf")).to_be_visible()

    # when the officer checks before filing
    page.get_by_role("button", name="Check before filing").click()

    # then the missing statement is named, with the policy it comes from, and nothing was filed
    precheck = page.locator("#precheck")
    expect(precheck.get_by_role("heading", name="Check before filing")).to_be_visible()
    expect(page.locator("#precheck-missing")).to_contain_text("terms of service")
    expect(page.locator("#precheck-missing")).to_contain_text(
        "Platform policy since September 2024: criminal activity that breaks the terms of service"
    )
    expect(page.get_by_role("button", name="Submit the request")).to_be_visible()
    save_screenshots(page, "portal-precheck")
    assert LegalRequest.objects.get().state == State.DRAFT

    # once corrected, the check finds nothing missing
    page.get_by_role("link", name="Correct the request").click()
    page.get_by_label("The suspect's conduct breaks the platform's terms of service").check()
    page.get_by_role("button", name="Save the corrections").click()
    page.get_by_role("button", name="Check before filing").click()
    expect(page.locator("#precheck .verdict")).to_contain_text("can be filed")


def test_an_upload_over_the_limit_shows_a_page_of_the_site_with_a_way_back(
    officer_a, draft_factory, browser_as, settings
):
    legal_request = draft_factory(officer_a, with_document=False)
    settings.LAWREQ_MAX_DOCUMENT_BYTES = 64 * 1024
    page = browser_as(officer_a)
    page.set_viewport_size(LAPTOP)
    page.goto(f"/portal/{legal_request.ref}/")
    expect(page.locator("#upload-form")).to_contain_text("A PDF of at most 64 KB")

    upload = page.get_by_label("Legal document (PDF)")
    # as a browser without the page's script sends it: the server's refusal is what is shown
    upload.evaluate("input => input.removeAttribute('data-max-bytes')")
    upload.set_input_files(
        {"name": "big.pdf", "mimeType": "application/pdf", "buffer": make_pdf("Order") + b"%" * (400 * 1024)}
    )
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("The upload is too large")
    expect(page.get_by_role("banner")).to_be_visible()
    expect(page.locator("main")).to_contain_text("at most 64 KB")
    save_screenshots(page, "error-413")
    page.get_by_role("link", name="Go back").click()
    expect(page).to_have_url(re.compile(rf"/portal/{legal_request.ref}/$"))


def test_a_form_gone_stale_by_logging_in_again_elsewhere_shows_a_page_of_the_site(officer_a, live_server, new_context):
    context = new_context()
    page = context.new_page()
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server.url, officer_a.get_username(), PASSWORD)
    page.goto(f"{live_server.url}/portal/new/")
    page.get_by_label("Case number").fill("2026-CR-0042")

    # in another tab of the same browser the officer logs out and in again: the form's token is stale
    other = context.new_page()
    other.goto(f"{live_server.url}/portal/")
    other.get_by_role("button", name="Log out").click()
    log_in(other, live_server.url, officer_a.get_username(), PASSWORD)

    page.get_by_role("button", name="Create the draft").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("This form is out of date")
    expect(page.get_by_role("banner")).to_be_visible()
    expect(page.locator("main")).to_contain_text("reload the page")
    expect(page.get_by_role("link", name="Go back")).to_be_visible()
    save_screenshots(page, "error-csrf")
    assert not LegalRequest.objects.exists()


def test_nothing_scrolls_sideways_at_a_phone_width(officer_a, analyst, in_review_factory, browser_as):
    legal_request = in_review_factory(officer_a, case_number="f" * 64)
    officer = browser_as(officer_a)
    for path, name in (("/portal/", "portal-list"), (f"/portal/{legal_request.ref}/", "portal-request")):
        officer.set_viewport_size(PHONE)
        officer.goto(path)
        assert no_sideways_scrolling(officer), path
        table = officer.locator("table.stack").first
        assert table.evaluate("t => t.scrollWidth <= t.clientWidth"), path
        # the table's rows are stacked, each cell named by its column
        assert table.locator("tbody td").first.evaluate("td => getComputedStyle(td).display") == "block"
        expect(officer.get_by_role("button", name="Log out")).to_be_in_viewport()
        save_screenshots(officer, name)

    staff = browser_as(analyst)
    staff.set_viewport_size(PHONE)
    staff.goto("/queue/")
    assert no_sideways_scrolling(staff)
    queue = staff.locator("table.queue")
    assert queue.evaluate("t => t.scrollWidth <= t.clientWidth")
    assert staff.locator("#queue-table").evaluate("box => box.scrollWidth <= box.clientWidth")
    expect(staff.get_by_role("button", name="Log out")).to_be_in_viewport()
    save_screenshots(staff, "queue-phone")


def aria(page) -> str:
    return page.locator("body").aria_snapshot()


def test_the_portal_and_the_queue_have_labels_headings_and_landmarks(officer_a, analyst, draft_factory, browser_as):
    legal_request = draft_factory(officer_a)
    page = browser_as(officer_a)

    page.goto("/portal/")
    tree = aria(page)
    for landmark in ("- banner:", '- navigation "Main":', "- main:", "- contentinfo:"):
        assert landmark in tree, tree
    assert '- link "Skip to the content"' in tree
    assert re.search(r'- heading "Requests of Springfield PD" \[level=1\]', tree)
    assert "- table:" in tree and '- columnheader "Reference"' in tree

    page.goto("/portal/new/")
    tree = aria(page)
    assert re.search(r'- heading "New request" \[level=1\]', tree)
    assert '- navigation "Steps to file a request"' in tree
    for label in ("Jurisdiction", "Legal process", "Issuing authority"):
        assert re.search(rf'- combobox "{label}', tree), label
    for label in ("Case number", "Targets", "Data from"):
        assert re.search(rf'- textbox "{label}', tree), label
    # the checkbox group is one group named by its legend, which says it is required
    assert re.search(r'- group "Data requested \(required\)"', tree), tree
    assert page.get_by_label("Targets").get_attribute("aria-required") == "true"

    # the group's error is tied to the group
    page.get_by_role("button", name="Create the draft").click()
    group = page.get_by_role("group", name="Data requested (required)")
    described_by = group.get_attribute("aria-describedby")
    assert described_by and "id_categories_error" in described_by
    expect(page.locator("#id_categories_error")).to_have_text("Tick at least one kind of data.")

    page.goto(f"/portal/{legal_request.ref}/")
    tree = aria(page)
    assert re.search(rf'- heading "{legal_request.ref}.*" \[level=1\]', tree)
    for heading in ("Request", "Targets", "Legal documents", "Actions"):
        assert re.search(rf'- heading "{heading}" \[level=2\]', tree), heading
    assert '- button "Check before filing"' in tree

    staff = browser_as(analyst)
    staff.goto("/queue/")
    tree = aria(staff)
    assert re.search(r'- heading "Queue" \[level=1\]', tree)
    assert '- navigation "Queue views"' in tree and "- main:" in tree
    assert '- form "Search and filters"' in tree


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one, other) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def rgb(css: str) -> tuple[int, int, int]:
    return tuple(int(part) for part in re.findall(r"\d+", css)[:3])


def test_the_skip_link_and_the_focus_ring_stand_out(officer_a, browser_as):
    page = browser_as(officer_a)
    page.goto("/portal/")

    # the first Tab reaches the skip link, which takes the keyboard to the content
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    ring_in_bar = rgb(skip.evaluate("e => getComputedStyle(e).outlineColor"))
    assert contrast(ring_in_bar, WHITE) >= 3  # the skip link itself is white

    # in the top bar the ring is light on the dark bar
    bar = rgb(page.locator("header.topbar").evaluate("e => getComputedStyle(e).backgroundColor"))
    log_out = page.get_by_role("button", name="Log out")
    log_out.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(log_out).to_be_focused()
    ring = rgb(log_out.evaluate("e => getComputedStyle(e).outlineColor"))
    assert log_out.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    assert contrast(ring, bar) >= 3

    # on the white page the ring is dark
    link = page.get_by_role("link", name="New request").last
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = rgb(page.evaluate("getComputedStyle(document.activeElement).outlineColor"))
    assert contrast(ring, WHITE) >= 3


def test_a_file_over_the_limit_is_refused_before_sending_and_the_form_keeps_what_was_typed(
    officer_a, browser_as, settings
):
    settings.LAWREQ_MAX_DOCUMENT_BYTES = 64 * 1024
    page = browser_as(officer_a)
    page.goto("/portal/new/")
    page.get_by_label("Case number").fill("2026-CR-0042")
    upload = page.get_by_label("Legal document (PDF)")
    upload.set_input_files({"name": "big.pdf", "mimeType": "application/pdf", "buffer": b"%PDF" + b"%" * 200_000})

    page.get_by_role("button", name="Create the draft").click()

    expect(page.locator("#id_file_size")).to_have_text("This file is larger than 64 KB: choose a smaller PDF.")
    expect(page).to_have_url(re.compile(r"/portal/new/$"))
    expect(page.get_by_label("Case number")).to_have_value("2026-CR-0042")
    assert not LegalRequest.objects.exists()
