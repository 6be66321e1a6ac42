"""The whole life of a request, as the people involved see it in a browser."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lawreq.roles import Role
from letters.models import Response
from requests_app.states import State
from tests.conftest import make_pdf
from workflow.services import do_propose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def file_request_in_the_portal(page, screenshot=None) -> str:
    """The officer creates a request, uploads its PDF and submits it; returns the reference."""
    page.get_by_role("link", name="New request").first.click()
    form = page.locator("#request-form")
    form.get_by_label("Jurisdiction").select_option("US")
    form.get_by_label("Legal process").select_option("subpoena")
    form.get_by_label("Issuing authority", exact=True).select_option("court")
    form.get_by_label("Name of the issuing authority").fill("U.S. District Court, D. Springfield")
    form.get_by_label("Document issued on").fill("2026-11-20")
    form.get_by_label("Case number").fill("2026-CR-0042")
    form.get_by_label("Offence category").select_option("fraud")
    form.get_by_label("Maximum sentence (years)").fill("20")
    form.get_by_label("Offence under investigation").fill("Wire fraud (18 U.S.C. 1343)")
    form.get_by_label("The suspect's conduct breaks the platform's terms of service").check()
    form.get_by_label("IP addresses").check()
    form.get_by_label("Phone numbers", exact=True).check()
    form.get_by_label("Data from").fill("2026-10-01")
    form.get_by_label("Data to").fill("2026-11-01")
    form.get_by_label("Targets").fill("username:@someone\nphone:(202) 555-0199")
    if screenshot:
        screenshot(page, "officer-new-request")
    page.get_by_role("button", name="Create the draft").click()

    expect(page.locator(".messages")).to_contain_text("created")
    ref = re.search(r"LR-\d{4}-\d{6}", page.locator("h1").inner_text()).group(0)
    page.get_by_label("Legal document (PDF)").set_input_files(
        {"name": "order.pdf", "mimeType": "application/pdf", "buffer": make_pdf("Subpoena")}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("link", name="order.pdf")).to_be_visible()
    page.get_by_role("button", name="Submit the request").click()
    expect(page.locator(".messages")).to_contain_text("submitted")
    return ref


def test_a_request_goes_from_the_portal_through_four_eyes_review(
    officer_a, analyst, reviewer, shipped_rules, platform_account, browser_as, screenshot
):
    # given an officer in the portal
    officer = browser_as(officer_a)
    expect(officer).to_have_url(re.compile(r"/portal/$"))

    # when they file and submit a request, then they see it in review
    ref = file_request_in_the_portal(officer, screenshot)
    expect(officer.locator("#request-state")).to_have_text("In review")
    screenshot(officer, "officer-request-in-review")

    # an analyst finds it in the queue and sees the check results
    staff = browser_as(analyst)
    expect(staff).to_have_url(re.compile(r"/queue/$"))
    screenshot(staff, "queue")
    staff.get_by_role("link", name=ref).click()
    checks = staff.locator("table.checks")
    expect(checks).to_contain_text("18 U.S.C. 2703(c)(2)")
    expect(staff.locator("#checks")).to_contain_text("US v")
    # ... narrows the disclosure to IP addresses and proposes it
    disclose = staff.locator("#disclose-form")
    for box in disclose.get_by_label("Phone number").all():
        box.uncheck()
    disclose.get_by_label("Justification for the reviewer").fill("Subpoena in order; IP addresses suffice.")
    screenshot(staff, "analyst-request-page")
    staff.get_by_role("button", name="Propose disclosure").click()
    expect(staff.locator(".messages")).to_contain_text("Disclosure proposed")
    # the proposer is not offered the approval form
    expect(staff.locator("#approval-form")).to_have_count(0)

    # a different reviewer approves
    review = browser_as(reviewer)
    review.goto(f"/queue/{ref}/")
    expect(review.locator("#decision")).to_contain_text("IP addresses")
    screenshot(review, "reviewer-approval")
    review.get_by_label("Comment (required to send back)").fill("Narrow and lawful.")
    review.locator("#approval-form").get_by_role("button", name="Approve").click()
    review.get_by_role("button", name="Confirm approval").click()
    expect(review.locator(".messages")).to_contain_text("approved")

    # the signed letter was produced after commit: the reviewer can preview it
    expect(review.locator("#letter")).to_contain_text("Disclosure letter signed and issued")
    screenshot(review, "reviewer-after-approval")

    # the officer follows the state in the portal and downloads the signed letter
    officer.reload()
    expect(officer.locator("#request-state")).to_have_text("Responded")
    screenshot(officer, "officer-responded")
    with officer.expect_download() as download_info:
        officer.get_by_role("link", name="Download the signed letter (PDF)").click()
    letter = Path(download_info.value.path()).read_bytes()
    assert letter.startswith(b"%PDF")
    assert hashlib.sha256(letter).hexdigest() == Response.objects.get(legal_request__ref=ref).sha256


def test_the_proposer_cannot_approve_even_when_also_a_reviewer(
    officer_a, analyst, draft_factory, shipped_rules, browser_as, live_server, django_user_model
):
    from django.contrib.auth.models import Group

    from workflow.services import do_submit

    # given a request in review and an analyst who also holds the reviewer role proposes on it
    analyst.groups.add(Group.objects.get(name=Role.REVIEWER.value))
    legal_request = draft_factory(officer_a)
    do_submit(legal_request=legal_request, actor=officer_a)  # validation runs on commit
    legal_request.refresh_from_db()
    assert legal_request.state == State.IN_REVIEW
    do_propose(legal_request=legal_request, actor=analyst, decision="disclose", categories=["ip_addresses"])

    # when they open the request, the approval form is absent and the page says why
    page = browser_as(analyst)
    page.goto(f"/queue/{legal_request.ref}/")
    expect(page.locator("#decision")).to_contain_text("another reviewer must decide")
    expect(page.locator("#approval-form")).to_have_count(0)

    # and a forced POST is refused by the service, shown as a message with 409
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    response = page.request.post(
        f"{live_server.url}/queue/{legal_request.ref}/approval/",
        form={"csrfmiddlewaretoken": token, "verdict": "approve", "comment": ""},
    )
    assert response.status == 409
    assert "four eyes" in response.text()
    legal_request.refresh_from_db()
    assert legal_request.state == State.PENDING_APPROVAL
