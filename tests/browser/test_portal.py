"""The officers' portal in a browser: mistakes are shown on the fields they concern."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from requests_app.models import LegalRequest
from requests_app.services import ERR_DATE_RANGE
from web.forms import ERR_TARGET_LINE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_form_with_mistakes_keeps_what_was_typed_and_marks_each_field(officer_a, browser_as, screenshot):
    page = browser_as(officer_a)
    page.get_by_role("link", name="New request").first.click()
    form = page.locator("#request-form")
    form.get_by_label("Jurisdiction").select_option("US")
    form.get_by_label("Legal process").select_option("subpoena")
    form.get_by_label("IP addresses").check()
    form.get_by_label("Data from").fill("2026-11-02")
    form.get_by_label("Data to").fill("2026-11-01")
    form.get_by_label("Targets").fill("username:@someone\n+33 6 12 34 56 78")

    page.get_by_role("button", name="Create the draft").click()

    # the form's own checks: the target line without its type
    targets = page.locator(".field", has=page.get_by_label("Targets"))
    expect(targets).to_have_class(re.compile(r"\bhas-error\b"))
    expect(targets.locator(".errorlist")).to_have_text(ERR_TARGET_LINE.format(line=2))
    expect(form.get_by_label("Targets")).to_have_value("username:@someone\n+33 6 12 34 56 78")
    screenshot(page, "officer-form-errors")

    # the service's checks: the period the wrong way round
    form.get_by_label("Targets").fill("username:@someone\nphone:+33 6 12 34 56 78")
    page.get_by_role("button", name="Create the draft").click()
    period = page.locator(".field", has=page.get_by_label("Data from"))
    expect(period.locator(".errorlist")).to_have_text(ERR_DATE_RANGE)
    assert not LegalRequest.objects.exists()
