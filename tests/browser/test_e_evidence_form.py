"""The request form shows the European order certificate's fields for a European Production or Preservation
Order of a member state only, as the officer chooses the jurisdiction and the legal process."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_certificate_fields_follow_the_jurisdiction_and_the_process(officer_b, browser_as, shipped_rules):
    page = browser_as(officer_b)
    page.goto("/portal/new/")
    form = page.locator("#request-form")
    fieldset = page.locator("#e-evidence")

    form.locator("select[name=process_type]").select_option("court_order")
    expect(fieldset).to_be_hidden()

    form.locator("select[name=process_type]").select_option("production_order")
    expect(fieldset).to_be_visible()
    expect(fieldset.locator("input[name=enforcing_state]")).to_be_visible()

    form.locator("select[name=jurisdiction]").select_option("US")
    expect(fieldset).to_be_hidden()


def test_the_notified_box_shows_for_a_production_order_only(officer_b, browser_as, shipped_rules):
    page = browser_as(officer_b)
    page.goto("/portal/new/")
    form = page.locator("#request-form")
    notified = page.locator("input[name=enforcing_authority_notified]")

    form.locator("select[name=process_type]").select_option("production_order")
    expect(notified).to_be_visible()

    form.locator("select[name=process_type]").select_option("preservation_order")
    expect(page.locator("input[name=certificate_reference]")).to_be_visible()
    expect(notified).to_be_hidden()
