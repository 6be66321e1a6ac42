"""The Content-Security-Policy in a real browser: the web UI, the admin and the API docs work under
it (every browser test fails on a violation, see conftest.py), and it is in force: code injected
into a page does not run."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from lawreq.roles import Role
from tests.browser.conftest import ACTION_TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

INJECT_INLINE_SCRIPT = """() => {
  window.injectedRan = false;
  const script = document.createElement("script");
  script.textContent = "window.injectedRan = true;";
  document.body.appendChild(script);
  return window.injectedRan;
}"""
INJECT_MARKUP = """() => {
  const box = document.createElement("div");
  box.innerHTML = '<p id="injected" style="color: rgb(255, 0, 0)">x</p>'
    + '<img src="x" onerror="window.handlerRan = true">';
  document.body.appendChild(box);
}"""

# (Not page.wait_for_function: Playwright evaluates its string predicate in a way the policy blocks.)
IMAGE_SETTLED = """() => new Promise((resolve) => {
  const image = document.querySelector('img[src="x"]');
  if (image.complete) { resolve(); return; }
  image.addEventListener("error", resolve);
  image.addEventListener("load", resolve);
})"""


def test_an_inline_script_injected_into_a_page_does_not_run(officer_a, browser_as, csp_violations):
    page = browser_as(officer_a)

    ran = page.evaluate(INJECT_INLINE_SCRIPT)

    assert ran is False
    page.evaluate("0")
    assert any("script-src" in violation for violation in csp_violations), csp_violations
    csp_violations.clear()


def test_injected_inline_styles_and_event_handlers_are_ignored(officer_a, browser_as, csp_violations):
    page = browser_as(officer_a)

    page.evaluate(INJECT_MARKUP)

    expect(page.locator("#injected")).not_to_have_css("color", "rgb(255, 0, 0)")
    page.evaluate(IMAGE_SETTLED)
    assert page.evaluate("window.handlerRan === undefined")
    page.evaluate("0")
    assert any("style-src" in violation for violation in csp_violations), csp_violations
    csp_violations.clear()


def test_the_swagger_ui_works_under_the_policy(new_context, live_server):
    page = new_context().new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)

    page.goto(f"{live_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("lawreq API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()


def test_the_admin_works_under_the_policy(browser_as, django_user_model, live_server, shipped_rules):
    from rules.models import RuleSet, RuleSetVersion

    admin = django_user_model.objects.create_user(
        "ada.admin", email="ada@platform.example", password="correct horse battery staple", is_staff=True
    )
    admin.is_superuser = True
    admin.save()
    admin.groups.add(Group.objects.get(name=Role.ADMIN.value))
    page = browser_as(admin)

    page.goto(f"{live_server.url}/admin/requests_app/agency/add/")

    expect(page.locator("#agency_form")).to_be_visible()
    page.goto(f"{live_server.url}/admin/auth/user/")
    expect(page.locator("#result_list")).to_be_visible()
    page.goto(f"{live_server.url}/admin/rules/ruleset/load/")
    expect(page.locator("textarea.rule-text")).to_have_css("font-family", "monospace")
    ruleset = RuleSet.objects.order_by("pk").first()
    page.goto(f"{live_server.url}/admin/rules/ruleset/{ruleset.pk}/new-version/")
    expect(page.locator("textarea.rule-text")).to_be_visible()
    page.goto(f"{live_server.url}/admin/rules/ruleset/{ruleset.pk}/diff/")
    expect(page.locator("form").last).to_be_visible()
    version = RuleSetVersion.objects.order_by("pk").first()
    page.goto(f"{live_server.url}/admin/rules/rulesetversion/{version.pk}/change/")
    expect(page.locator("pre.rule-text")).to_have_css("white-space", "pre-wrap")


def test_the_auditors_desk_and_the_verification_page_work_under_the_policy(
    auditor, officer_a, draft_factory, browser_as, live_server
):
    legal_request = draft_factory(officer_a)
    page = browser_as(auditor)

    page.goto(f"{live_server.url}/audit/")
    expect(page.get_by_role("button", name="Verify now")).to_be_visible()
    page.goto(f"{live_server.url}/audit/reports/transparency/")
    expect(page.locator("svg.chart:visible")).to_be_visible()
    page.goto(f"{live_server.url}/audit/requests/{legal_request.ref}/")
    expect(page.get_by_text(legal_request.ref).first).to_be_visible()
    page.goto(f"{live_server.url}/verify/")
    expect(page.locator("input[type=file]")).to_be_visible()
