"""The legal team's workbench in a browser: the reviewer's "awaiting my approval" view on a dense
queue, and an approval through its screen (difference, records, unsigned preview) and confirmation.

The screenshots go to docs/screenshots/ (named in the README): they show the workbench as it is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disclosure.models import Decision
from requests_app.models import LegalRequest
from requests_app.services import legal_request_assign
from requests_app.states import State
from workflow.services import do_propose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}


def save_screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def propose_disclosure(legal_request, analyst, **terms) -> None:
    do_propose(
        legal_request=legal_request,
        actor=analyst,
        decision=Decision.DISCLOSE,
        categories=["ip_addresses"],
        reason="Internal: proportionate to a wire fraud case.",
        reasons=["Only IP addresses are needed to identify the account holder."],
        **terms,
    )


@pytest.fixture
def workbench(platform_account, in_review_factory, officer_a, analyst, reviewer, django_user_model):
    """A reviewer's working day: two proposals by the analyst waiting, one by the reviewer (who is
    also an analyst), requests in review, one with a long agency name, some assigned."""
    reviewer.first_name, reviewer.last_name = "Rita", "Reviewer-Montgomery-Featherstonehaugh"
    reviewer.save()
    reviewer.groups.add(*analyst.groups.all())
    made = {name: in_review_factory(officer_a) for name in ("waiting", "waiting_2", "own", "in_review", "urgent")}
    propose_disclosure(made["waiting"], analyst)
    propose_disclosure(made["waiting_2"], analyst)
    reviewer._lawreq_roles = None
    propose_disclosure(made["own"], reviewer)
    officer_a.officer.agency.__class__.objects.filter(pk=officer_a.officer.agency.pk).update(
        name="Springfield Metropolitan Police Department, Cybercrime and Financial Investigations Bureau"
    )
    now = timezone.now()
    LegalRequest.objects.filter(pk=made["urgent"].pk).update(due_at=now + dt.timedelta(hours=5), emergency=True)
    legal_request_assign(legal_request=made["in_review"], actor=analyst, assignee=reviewer)
    legal_request_assign(legal_request=made["waiting"], actor=analyst, assignee=reviewer)
    return made


def test_the_reviewer_sees_what_awaits_their_approval_one_line_per_request(workbench, reviewer, browser_as):
    page = browser_as(reviewer)
    page.set_viewport_size(LAPTOP)
    page.goto("/queue/")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(5)

    # one line per request at 1366 px, long names cut with an ellipsis and kept whole in a title
    heights = [rows.nth(index).bounding_box()["height"] for index in range(5)]
    assert max(heights) < 40, heights
    agency = rows.first.locator("td").nth(2)
    expect(agency).to_have_attribute(
        "title", "Springfield Metropolitan Police Department, Cybercrime and Financial Investigations Bureau"
    )
    assert agency.evaluate("cell => cell.scrollWidth > cell.clientWidth")  # truncated by CSS
    save_screenshot(page, "queue")

    page.get_by_role("link", name="Awaiting my approval").click()

    expect(rows).to_have_count(2)  # not the reviewer's own proposal
    expect(page.locator("table.queue tbody")).to_contain_text(workbench["waiting"].ref)
    expect(page.locator("table.queue tbody")).to_contain_text(workbench["waiting_2"].ref)
    expect(page.locator("table.queue tbody")).not_to_contain_text(workbench["own"].ref)
    save_screenshot(page, "queue-awaiting-my-approval")

    page.get_by_role("link", name="Mine").click()
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Rita Reviewer-Montgomery")


def test_the_reviewer_approves_after_the_preview_and_a_confirmation(workbench, reviewer, browser_as):
    legal_request = workbench["waiting"]
    page = browser_as(reviewer)
    page.set_viewport_size(LAPTOP)
    page.goto(f"/queue/{legal_request.ref}/")

    page.locator("#approval-form").get_by_role("button", name="Approve…").click()

    # the screen: asked against proposed, the records counted, the letter unsigned, a confirmation
    expect(page.locator("h1")).to_contain_text(f"Approve {legal_request.ref}?")
    expect(page.locator("#difference")).to_contain_text("not given: Phone numbers")
    records = page.locator("#records")
    expect(records).to_contain_text("acc-1001")
    expect(records.locator("tbody tr").first.locator("td").nth(4)).to_have_text("2")  # IP events of @someone
    preview_url = page.locator("#letter-preview-link").get_attribute("href")
    preview = page.request.get(preview_url)
    assert preview.status == 200 and preview.headers["content-type"] == "application/pdf"
    assert preview.body().startswith(b"%PDF")
    legal_request.refresh_from_db()
    assert legal_request.state == State.PENDING_APPROVAL  # nothing approved by looking
    save_screenshot(page, "approval-screen")

    page.get_by_label("Comment (required to send back)").fill("Narrow and lawful.")
    page.get_by_role("button", name="Confirm approval").click()

    expect(page.locator(".messages")).to_contain_text("approved")
    legal_request.refresh_from_db()
    assert legal_request.state in (State.APPROVED, State.RESPONDED)


def test_a_standard_text_fills_the_field_where_the_analyst_edits_it(
    platform_account, in_review_factory, officer_a, analyst, browser_as
):
    from disclosure.models import CannedText, CannedTextKind

    CannedText.objects.create(
        kind=CannedTextKind.REJECTION, title="No offence named", body="The order does not name the offence."
    )
    legal_request = in_review_factory(officer_a)
    page = browser_as(analyst)
    page.goto(f"/queue/{legal_request.ref}/")
    form = page.locator("#reject-form")
    reasons = form.get_by_label("Reasons for the requester (one per line, printed in the letter)")
    reasons.fill("The subpoena is unsigned.")

    form.get_by_label("Insert a standard text").select_option(label="No offence named")

    expect(reasons).to_have_value("The subpoena is unsigned.\nThe order does not name the offence.")
    expect(form.get_by_role("button", name="Use")).to_be_hidden()  # JavaScript made it unnecessary
