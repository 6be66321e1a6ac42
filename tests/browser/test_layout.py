"""Layout at a phone's width (390 px) and on a laptop (1366 px): nothing wider than the screen,
the top bar whole, the queue's rows stacked on a phone, its state badges whole."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from requests_app.models import LegalRequest
from requests_app.states import State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
# A case number with no place to break, like a letter's SHA-256 on the officer's page.
UNBROKEN = "f" * 64


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def assert_fits_the_phone(page, path: str) -> None:
    page.goto(path)
    assert page_width(page) <= PHONE["width"], f"{path} is {page_width(page)} px wide"


def assert_top_bar_holds_its_content(page) -> None:
    bar = page.locator("header.topbar").bounding_box()
    for item in (page.locator(".topbar .who span").first, page.get_by_role("button", name="Log out")):
        box = item.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["y"] >= bar["y"] and box["y"] + box["height"] <= bar["y"] + bar["height"]


@pytest.fixture
def long_request(officer_a, in_review_factory) -> LegalRequest:
    return in_review_factory(officer_a, case_number=UNBROKEN)


def test_officer_pages_fit_a_phone_and_the_top_bar_holds_its_content(long_request, officer_a, browser_as):
    page = browser_as(officer_a)
    page.set_viewport_size(PHONE)

    assert_fits_the_phone(page, "/portal/")
    assert_top_bar_holds_its_content(page)
    assert_fits_the_phone(page, f"/portal/{long_request.ref}/")
    assert_top_bar_holds_its_content(page)
    assert_fits_the_phone(page, "/portal/new/")
    page.get_by_role("button", name="Create the draft").click()
    assert page_width(page) <= PHONE["width"]


def test_staff_pages_fit_a_phone_and_the_queue_rows_are_stacked(long_request, analyst, browser_as):
    page = browser_as(analyst)
    page.set_viewport_size(PHONE)

    assert_fits_the_phone(page, "/queue/")
    assert_top_bar_holds_its_content(page)
    box = page.locator("#queue-table")
    assert box.evaluate("element => element.scrollWidth <= element.clientWidth")  # nothing scrolls sideways
    assert_fits_the_phone(page, f"/queue/{long_request.ref}/")


def test_every_queue_filter_control_has_the_same_height_and_width(analyst, browser_as):
    page = browser_as(analyst)
    page.set_viewport_size(LAPTOP)
    page.goto("/queue/")

    controls = page.locator("form.filters input:visible, form.filters select")
    expect(controls).to_have_count(5)
    sizes = {(round(box["width"]), round(box["height"])) for box in (c.bounding_box() for c in controls.all())}
    assert len(sizes) == 1, sizes


def test_the_queue_shows_a_needs_information_badge_whole_on_one_line_at_1366(
    officer_a, draft_factory, analyst, browser_as
):
    legal_request = draft_factory(officer_a, with_document=False)
    LegalRequest.objects.filter(pk=legal_request.pk).update(
        state=State.NEEDS_INFO, received_at=timezone.now(), due_at=timezone.now() + dt.timedelta(days=3)
    )
    page = browser_as(analyst)
    page.set_viewport_size(LAPTOP)
    page.goto("/queue/?state=needs_info")

    badge = page.locator("tbody tr").first.locator(".badge.needs_info")
    expect(badge).to_have_text("Needs information")
    cell = badge.locator("xpath=..")
    assert (
        badge.bounding_box()["x"] + badge.bounding_box()["width"]
        <= cell.bounding_box()["x"] + cell.bounding_box()["width"]
    )
    assert cell.evaluate("cell => cell.scrollWidth <= cell.clientWidth")
    row_height = page.locator("tbody tr").first.bounding_box()["height"]
    assert row_height < 40  # one line
    assert page_width(page) <= LAPTOP["width"]
