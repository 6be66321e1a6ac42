"""The legal team's queue in a browser: deadlines at a glance, filters without JavaScript."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from requests_app.models import LegalRequest
from requests_app.states import State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def queue_of_requests(officer_a, officer_b, draft_factory) -> dict[str, LegalRequest]:
    def place(officer, state: str, due_in: dt.timedelta, **overrides) -> LegalRequest:
        legal_request = draft_factory(officer, with_document=False, **overrides)
        now = timezone.now()
        LegalRequest.objects.filter(pk=legal_request.pk).update(
            state=state, received_at=now - dt.timedelta(days=3), due_at=now + due_in
        )
        return legal_request

    return {
        "overdue": place(officer_a, State.IN_REVIEW, -dt.timedelta(hours=30)),
        "emergency": place(
            officer_a,
            State.IN_REVIEW,
            dt.timedelta(hours=5, minutes=30),
            emergency=True,
            process_type="emergency_disclosure",
            emergency_justification="Threat to life",
        ),
        "waiting": place(officer_a, State.PENDING_APPROVAL, dt.timedelta(days=2)),
        "french": place(officer_b, State.NEEDS_INFO, dt.timedelta(days=6)),
    }


def test_the_queue_shows_deadlines_and_filters_by_plain_get_forms(queue_of_requests, analyst, browser_as, screenshot):
    page = browser_as(analyst)
    rows = page.locator("tbody tr")

    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_have_class(re.compile(r"\boverdue\b"))
    expect(rows.nth(0)).to_contain_text("overdue by 1 d 6 h")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bemergency\b"))
    expect(rows.nth(1)).to_contain_text(queue_of_requests["emergency"].ref)
    screenshot(page, "queue-deadlines")

    page.get_by_label("Emergency").select_option("yes")
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"[?&]emergency=yes"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(queue_of_requests["emergency"].ref)

    page.get_by_role("link", name="Reset").click()
    page.get_by_label("Jurisdiction").select_option("FR")
    page.get_by_label("State").select_option("needs_info")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(queue_of_requests["french"].ref)
