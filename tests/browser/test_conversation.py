"""The conversation between an officer and the legal team, in a browser: a question answered in words
(and a correction) that the analyst then reads in the timeline, and notes that stay inside."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from requests_app.states import State
from workflow.services import do_propose, do_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Pictures of the pages people look at all day, kept with the docs (README, "Screenshots").
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
QUESTION = "The subpoena's second page is missing. Which case number does the court use?"
ANSWER = "Page 2 is attached again; the court's case number is 2026-CR-0042-B."
NOTE_MARKER = "NOTE-b81c: agency's liaison confirmed by phone"


def keep_for_the_docs(page, name: str) -> None:
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def question_to_officer_a(officer_a, analyst, draft_factory, shipped_rules):
    legal_request = draft_factory(officer_a)
    do_submit(legal_request=legal_request, actor=officer_a)  # validation runs on commit
    legal_request.refresh_from_db()
    assert legal_request.state == State.IN_REVIEW
    do_propose(legal_request=legal_request, actor=analyst, decision="need_info", reason=QUESTION)
    return legal_request


def test_the_officer_answers_a_question_by_message_and_the_analyst_reads_it_in_the_timeline(
    officer_a, analyst, question_to_officer_a, browser_as
):
    ref = question_to_officer_a.ref

    # given the officer reads the question in the portal, signed by the legal team
    officer = browser_as(officer_a)
    expect(officer.locator("#notifications-link .count")).to_have_text("1")
    officer.goto(f"/portal/{ref}/")
    thread = officer.locator("#thread")
    expect(thread).to_contain_text(QUESTION)
    expect(thread.locator(".thread-author").first).to_have_text("Legal team")
    expect(thread).not_to_contain_text(analyst.username)

    # when they correct the case number, then answer in words and submit again
    officer.get_by_role("link", name="Correct the request").click()
    officer.get_by_label("Case number").fill("2026-CR-0042-B")
    officer.get_by_role("button", name="Save the corrections").click()
    officer.get_by_label("Message", exact=True).fill(ANSWER)
    officer.get_by_role("button", name="Send and submit the request again").click()

    # then the question is still there above the answer, and the request is back with the team
    expect(officer.locator(".messages")).to_contain_text("submitted again")
    expect(officer.locator("#request-state")).to_have_text("In review")
    expect(thread.locator(".thread-item")).to_have_count(2)
    expect(thread.locator(".thread-item").first).to_contain_text(QUESTION)
    expect(thread.locator(".thread-item").last).to_contain_text(ANSWER)
    expect(officer.locator("#timeline")).not_to_contain_text(analyst.username)
    keep_for_the_docs(officer, "portal-thread")

    # and the analyst reads the answer and the change in the request's timeline
    staff = browser_as(analyst)
    expect(staff.locator("#notifications-link .count")).to_be_visible()
    staff.goto(f"/queue/{ref}/")
    timeline = staff.locator("#timeline")
    expect(timeline).to_contain_text("Resubmitted with the answer")
    expect(timeline.locator(".kind-message")).to_contain_text(ANSWER)
    expect(timeline.locator(".kind-message")).to_contain_text(officer_a.username)
    changed = timeline.locator(".kind-revision", has_text="Changed on resubmission")
    expect(changed.locator("table.changes")).to_contain_text("2026-CR-0042-B")
    keep_for_the_docs(staff, "request-page-timeline")
    timeline.screenshot(path=str(DOCS_SCREENSHOTS / "request-page-timeline-detail.png"))


def test_a_note_never_appears_in_any_officer_page(officer_a, analyst, question_to_officer_a, browser_as):
    ref = question_to_officer_a.ref

    # given the analyst writes an internal note on the request page
    staff = browser_as(analyst)
    staff.goto(f"/queue/{ref}/")
    staff.get_by_role("textbox", name="Internal note").fill(NOTE_MARKER)
    staff.get_by_role("button", name="Add the note").click()
    expect(staff.locator("#notes")).to_contain_text(NOTE_MARKER)

    # when the officer goes through every page they have
    officer = browser_as(officer_a)
    for path in ("/portal/", f"/portal/{ref}/", f"/portal/{ref}/edit/", "/notifications/", "/portal/new/"):
        officer.goto(path)
        # then the note is nowhere, not even in the markup
        assert NOTE_MARKER not in officer.content(), path
        expect(officer.locator("#notes")).to_have_count(0)


def test_the_analyst_inserts_a_standard_question_into_the_message_box_once(
    officer_a, analyst, in_review_factory, shipped_rules, browser_as, csp_violations
):
    from disclosure.models import CannedText, CannedTextKind

    CannedText.objects.create(kind=CannedTextKind.QUESTION, title="Signed order", body=QUESTION)
    legal_request = in_review_factory(officer_a)

    page = browser_as(analyst)
    page.goto(f"/queue/{legal_request.ref}/")
    # the proposal forms and the message box both offer standard texts on this page
    assert page.locator("select[data-fills]").count() > 1
    page.locator("#id_message_body_canned").select_option(label="Signed order")

    expect(page.locator("#id_message_body")).to_have_value(QUESTION)  # inserted once, not once per script
    expect(page.locator("#message-form button[name=use_canned]")).to_be_hidden()
    assert csp_violations == []
