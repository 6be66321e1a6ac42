"""An officer registers in a browser, confirms the address by the e-mailed link, drafts while
awaiting approval, and a reviewer approves them on the pending officers' page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from requests_app.models import Officer, OfficerStatus
from requests_app.officers import ERR_DOMAIN_NOT_VERIFIED
from tests.browser.conftest import ACTION_TIMEOUT_MS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSPHRASE = "a long and unusual passphrase 4711"


def test_an_officer_registers_confirms_and_is_approved(agency_a, reviewer, new_context, live_server, browser_as):
    page = new_context().new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Register with your official address").click()
    form = page.locator("#register-form")
    form.get_by_label("Your name").fill("Jane Doe")
    form.get_by_label("Official e-mail address").fill("jane@mail.example")
    form.get_by_label("Badge or service number").fill("SPD-4711")
    form.get_by_label("Password").fill(PASSPHRASE)
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".errorlist")).to_contain_text(ERR_DOMAIN_NOT_VERIFIED)

    form.get_by_label("Official e-mail address").fill("jane@springfield-pd.gov")
    form.get_by_label("Password").fill(PASSPHRASE)
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    link = re.search(r"http://\S+/accounts/register/confirm/\S+", mail.outbox[-1].body).group(0)
    assert link.startswith(live_server.url)  # absolute: it is read in a mail client
    page.goto(link)
    page.get_by_role("button", name="Confirm my address").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))

    log_in(page, live_server.url, "jane@springfield-pd.gov", PASSPHRASE)
    expect(page.locator("#officer-status")).to_contain_text("awaits the platform's approval")

    staff = browser_as(reviewer)
    staff.goto(f"{live_server.url}/officers/pending/")
    row = staff.locator("#pending-officers tr", has_text="jane@springfield-pd.gov")
    row.get_by_role("button", name="Approve").click()
    expect(staff.locator(".messages")).to_contain_text("approved")
    assert Officer.objects.get(user__email="jane@springfield-pd.gov").status == OfficerStatus.APPROVED
    page.reload()
    expect(page.locator("#officer-status")).to_have_count(0)
