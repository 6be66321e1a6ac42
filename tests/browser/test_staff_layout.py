"""Staff pages at the sizes people use: the queue's badges whole at 1366 px, the rule checks stacked at 390 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from disclosure.models import CallBack, CallBackOutcome
from requests_app.models import LegalRequest
from requests_app.states import State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LINES_OF_TEXT = """(element) => {
  const range = document.createRange();
  range.selectNodeContents(element);
  return range.getClientRects().length;
}"""

# Every element of the selector: whether it lies whole inside its table cell and the cell cuts nothing.
CLIPPED_IN_CELL = """(selector) => [...document.querySelectorAll(selector)].filter((element) => {
  const cell = element.closest('td');
  const box = element.getBoundingClientRect(), outer = cell.getBoundingClientRect();
  return box.width === 0 || box.right > outer.right + 0.5 || box.left < outer.left - 0.5
    || cell.scrollWidth > cell.clientWidth + 1;
}).map((element) => element.textContent.trim())"""


@pytest.fixture
def flagged_emergency(officer_a, analyst, draft_factory) -> LegalRequest:
    legal_request = draft_factory(
        officer_a,
        with_document=False,
        emergency=True,
        process_type="emergency_disclosure",
        emergency_justification="Threat to life",
    )
    now = timezone.now()
    LegalRequest.objects.filter(pk=legal_request.pk).update(
        state=State.IN_REVIEW, received_at=now - dt.timedelta(hours=1), due_at=now + dt.timedelta(hours=7)
    )
    CallBack.objects.create(
        legal_request=legal_request,
        number_called="+12025550143",
        called_by=analyst,
        outcome=CallBackOutcome.NOT_CONFIRMED,
    )
    return legal_request


def test_the_queue_shows_its_badges_whole_at_1366_px(flagged_emergency, analyst, browser_as, screenshot):
    page = browser_as(analyst)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto("/queue/")

    row = page.locator("tbody tr", has_text=flagged_emergency.ref)
    assert row.locator(".badge.emergency").inner_text() == "emergency"
    assert "call-back not confirmed" in row.locator(".badge.flagged").inner_text()
    assert page.evaluate(CLIPPED_IN_CELL, "td.ref-cell .badge") == []
    assert page.evaluate(CLIPPED_IN_CELL, "td.ref-cell a") == []
    screenshot(page, "queue-badges-1366")


def test_the_rule_checks_stack_at_390_px(shipped_rules, in_review_factory, officer_a, analyst, browser_as, screenshot):
    legal_request = in_review_factory(officer_a)
    page = browser_as(analyst)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/queue/{legal_request.ref}/")

    table = page.locator("#rule-checks")
    first_row = table.locator("tbody tr").first
    cells = first_row.locator("td")
    # Stacked: the cells of a row lie one under another, each as wide as the row, labelled.
    boxes = [cells.nth(i).bounding_box() for i in range(cells.count())]
    assert all(box["y"] < later["y"] for box, later in zip(boxes, boxes[1:], strict=False))
    assert {round(box["width"]) for box in boxes} == {round(first_row.bounding_box()["width"])}
    assert cells.first.evaluate("(cell) => getComputedStyle(cell, '::before').content") == '"Outcome"'
    # The outcome badge on one line, the page never wider than the screen.
    assert first_row.locator(".badge").first.evaluate(LINES_OF_TEXT) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "rule-checks-390")


def test_the_rule_checks_outcome_header_is_one_word_at_1366_px(
    shipped_rules, in_review_factory, officer_a, analyst, browser_as
):
    legal_request = in_review_factory(officer_a)
    page = browser_as(analyst)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(f"/queue/{legal_request.ref}/")

    header = page.locator("#rule-checks th.outcome")
    assert header.inner_text() == "Outcome"
    assert header.evaluate(LINES_OF_TEXT) == 1
