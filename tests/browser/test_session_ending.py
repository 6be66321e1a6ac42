"""A session about to end for inactivity warns its owner, who may stay logged in; once it has ended,
the page says so, and a form refused for its token says "you were logged out" with a way to log in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from requests_app.models import LegalRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

IDLE_SECONDS = 6


@pytest.fixture
def short_sessions(settings):
    settings.LAWREQ_OFFICER_SESSION_IDLE_SECONDS = IDLE_SECONDS


def test_the_warning_comes_before_the_log_out_and_staying_logged_in_keeps_the_session(
    short_sessions, officer_a, browser_as, screenshot
):
    page = browser_as(officer_a)
    page.goto("/portal/new/")
    warning = page.locator("#session-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("You will soon be logged out")
    screenshot(page, "session-warning")

    warning.get_by_role("button", name="Stay logged in").click()
    expect(warning).to_be_hidden()
    # The warning comes back after half the idle time again: by then the session would have ended
    # without the button, yet the server still knows the officer.
    expect(warning).to_be_visible()
    page.goto("/portal/")
    assert "/accounts/login/" not in page.url


def test_an_ended_session_says_so_and_a_form_sent_then_is_not_lost(short_sessions, officer_a, browser_as, screenshot):
    page = browser_as(officer_a)
    page.goto("/portal/new/")
    form = page.locator("#request-form")
    form.get_by_label("Case number").fill("ENDED-1")
    ended = page.locator("#session-ended")
    expect(ended).to_be_visible(timeout=IDLE_SECONDS * 3000)
    expect(ended.get_by_role("link", name="Log in again")).to_have_attribute(
        "href", "/accounts/login/?next=/portal/new/"
    )
    screenshot(page, "session-ended")

    page.get_by_role("button", name="Create the draft").click()
    screenshot(page, "session-ended-after-send")
    assert "/accounts/login/" in page.url, page.content()
    assert not LegalRequest.objects.exists()


def test_a_form_refused_for_its_token_after_the_session_is_gone_says_you_were_logged_out(
    officer_a, browser_as, screenshot
):
    page = browser_as(officer_a)
    page.goto("/portal/new/")
    page.locator("#request-form").get_by_label("Case number").fill("GONE-1")
    page.context.clear_cookies()  # the session and the CSRF cookie gone, as after the browser's own expiry

    page.get_by_role("button", name="Create the draft").click()

    expect(page.get_by_role("heading", name="You were logged out")).to_be_visible()
    expect(page.get_by_role("link", name="Log in again")).to_have_attribute(
        "href", "/accounts/login/?next=%2Fportal%2Fnew%2F"
    )
    screenshot(page, "csrf-logged-out")
    assert not LegalRequest.objects.exists()
