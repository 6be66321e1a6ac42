"""The public transparency page in Chromium, anonymously: at 1366 and 390 px nothing scrolls
sideways, the charts are drawn (the narrow one on a phone), the tables stack, and choosing another
period (or country over time) shows its figures. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import orjson
import pytest
from playwright.sync_api import expect

from audit.services import audit_checkpoint_create, audit_sequence
from demo.audit_history import audit_bulk_append, synthetic_history_rows, synthetic_requests
from reports.transparency import transparency_publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def publication():
    history = synthetic_requests(
        400, start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2026, 11, 15, tzinfo=dt.UTC), seed=16
    )
    audit_bulk_append(synthetic_history_rows(history))
    audit_sequence()
    audit_checkpoint_create()
    return transparency_publish()


@pytest.fixture
def anonymous_page(new_context):
    page = new_context().new_page()
    page.set_default_timeout(30_000)
    return page


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_the_page_fits_the_screen_with_its_charts_and_tables(publication, anonymous_page, viewport):
    page = anonymous_page
    page.set_viewport_size(viewport)

    page.goto("/transparency/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Transparency report")
    variant = ".chart-wide" if viewport is LAPTOP else ".chart-narrow"
    for chart in ("#chart-countries", "#chart-over-time"):
        svg = page.locator(f"{chart} {variant} svg.chart")
        expect(svg).to_be_visible()
        expect(svg.locator("rect").first).to_be_attached()
        box = svg.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    expect(page.get_by_role("img", name="All countries, quarter by quarter")).to_be_visible()
    assert page_width(page) <= viewport["width"], f"the page is {page_width(page)} px wide"
    for table in page.locator("table.report").all():
        box = table.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5
    if viewport is PHONE:
        cell = page.locator('#figures-answers td[data-figure="received"]').first
        assert cell.evaluate("element => getComputedStyle(element, '::before').content") == '"Requests received"'
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"transparency-{viewport['width']}.png"), full_page=True)


def test_choosing_another_period_shows_its_figures(publication, anonymous_page):
    dataset = orjson.loads(bytes(publication.data_json))
    half = max((period for period in dataset["periods"] if period["kind"] == "half"), key=lambda p: p["start"])
    page = anonymous_page
    page.set_viewport_size(LAPTOP)
    page.goto("/transparency/")
    shown_first = page.locator("#period-heading").get_attribute("data-period")
    assert shown_first != half["period"]

    page.get_by_role("combobox", name="Period").select_option(half["period"])
    page.get_by_role("button", name="Show").click()

    expect(page.locator("#period-heading")).to_have_attribute("data-period", half["period"])
    expect(page).to_have_url(re.compile(rf"\?period={half['period']}(&|$)"))
    total = page.locator('#figures-answers tr.total td[data-figure="received"]')
    expect(total).to_have_text(f"{half['total']['received']:,}")
    expect(page.get_by_role("img", name="All countries, half-year by half-year")).to_be_visible()

    page.get_by_role("combobox", name="Country shown over time").select_option(label="France")
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("img", name="France, half-year by half-year")).to_be_visible()
    expect(page.locator("#period-heading")).to_have_attribute("data-period", half["period"])


def test_before_any_publication_the_page_says_so(transactional_db, anonymous_page):
    page = anonymous_page
    page.set_viewport_size(PHONE)
    page.goto("/transparency/")
    expect(page.get_by_role("heading", name="Nothing published yet")).to_be_visible()
    assert page_width(page) <= PHONE["width"]


def test_the_page_has_landmarks_one_title_named_controls_and_titled_charts(publication, anonymous_page):
    from tests.browser.test_audit_desk import UNNAMED_CONTROL

    page = anonymous_page
    page.set_viewport_size(LAPTOP)
    page.goto("/transparency/")

    tree = page.locator("body").aria_snapshot()
    for landmark in ("- banner:", "- main:", "- contentinfo:"):
        assert landmark in tree
    assert len(re.findall(r"heading \".*\" \[level=1\]", tree)) == 1
    assert not UNNAMED_CONTROL.search(tree)
    for control in page.locator("main select").all():
        assert control.evaluate("element => element.labels.length > 0")
    # Each chart a screen reader meets is an image named by its title and described.
    charts = page.locator("svg.chart:visible")
    assert charts.count() == 2
    for chart in charts.all():
        assert chart.get_attribute("role") == "img"
        assert chart.locator("desc").text_content()
