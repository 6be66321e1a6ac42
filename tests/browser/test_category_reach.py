"""The request form says which data the chosen process cannot reach while it is being filled, before
the draft is created (walk finding 18)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_category_the_process_cannot_reach_is_warned_while_filling(officer_a, browser_as, shipped_rules, screenshot):
    page = browser_as(officer_a)
    page.goto("/portal/new/")
    form = page.locator("#request-form")
    warning = page.locator("#category-reach")

    form.get_by_label("Legal process").select_option("subpoena")
    form.get_by_label("IP addresses").check()
    expect(warning).to_be_hidden()

    form.get_by_label("Message content").check()
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Message content cannot be obtained with a subpoena")
    screenshot(page, "category-reach-warning")

    form.get_by_label("Message content").uncheck()
    expect(warning).to_be_hidden()
