"""The queue as a work tool: views (mine, unassigned, awaiting my approval), the sent-back marker,
search by reference, case number and target, and bulk assignment."""

from __future__ import annotations

import re

import pytest
from django.utils.html import escape

from audit.actions import AuditAction
from audit.services import audit_hash_identifier
from disclosure.models import Decision
from requests_app.services import legal_request_assign
from tests.conftest import fr_request_payload
from web.forms import ASSIGNEE_NOBODY, ERR_ASSIGNEE_NOT_CHOSEN, ERR_TARGET_UNREADABLE
from workflow.services import do_decide, do_propose

pytestmark = pytest.mark.django_db


def refs_in(page: str) -> set[str]:
    return set(re.findall(r'href="/queue/(LR-\d{4}-\d{6})/"', page))


def propose(legal_request, analyst):
    do_propose(
        legal_request=legal_request,
        actor=analyst,
        decision=Decision.REJECT,
        reasons=["The order names no offence."],
        reason="internal",
    )


def test_mine_and_unassigned_views(client_for, in_review_factory, officer_a, analyst, reviewer):
    mine, theirs, nobody = (in_review_factory(officer_a) for _ in range(3))
    legal_request_assign(legal_request=mine, actor=analyst, assignee=analyst)
    legal_request_assign(legal_request=theirs, actor=analyst, assignee=reviewer)
    client = client_for(analyst)

    assert refs_in(client.get("/queue/?view=mine").content.decode()) == {mine.ref}
    assert refs_in(client.get("/queue/?view=unassigned").content.decode()) == {nobody.ref}
    assert refs_in(client.get("/queue/?view=all").content.decode()) == {mine.ref, theirs.ref, nobody.ref}


def test_awaiting_my_approval_lists_only_proposals_made_by_someone_else(
    client_for, in_review_factory, officer_a, analyst, reviewer, django_user_model
):
    by_analyst = in_review_factory(officer_a)
    propose(by_analyst, analyst)
    # a reviewer who is also an analyst proposed this one: not for them to approve
    reviewer.groups.add(*analyst.groups.all())
    reviewer._lawreq_roles = None
    by_reviewer = in_review_factory(officer_a)
    propose(by_reviewer, reviewer)
    in_review_factory(officer_a)  # nothing proposed yet

    page = client_for(reviewer).get("/queue/?view=awaiting").content.decode()

    assert refs_in(page) == {by_analyst.ref}


def test_a_sent_back_proposal_is_marked_in_the_queue(
    client_for, in_review_factory, officer_a, analyst, reviewer, settings
):
    legal_request = in_review_factory(officer_a)
    propose(legal_request, analyst)
    do_decide(legal_request=legal_request, actor=reviewer, approve=False, comment="Cite the statute.")
    other = in_review_factory(officer_a)

    page = client_for(analyst).get("/queue/").content.decode()

    row = re.search(rf'value="{legal_request.ref}".*?</tr>', page, re.S).group(0)
    other_row = re.search(rf'value="{other.ref}".*?</tr>', page, re.S).group(0)
    assert "sent back" in row and "sent back" not in other_row


def test_the_queue_searches_by_reference_case_number_and_target(
    client_for, draft_factory, in_review_factory, officer_a, officer_b, analyst, audit_trail
):
    american = in_review_factory(officer_a)
    french = draft_factory(officer_b, **fr_request_payload())
    client = client_for(analyst)

    assert refs_in(client.get("/queue/", {"q": american.ref}).content.decode()) == {american.ref}
    assert refs_in(client.get("/queue/", {"q": "parquet-2026-118"}).content.decode()) == {french.ref}
    page = client.get("/queue/", {"target": "+1 (202) 555-0199"}).content.decode()

    assert refs_in(page) == {american.ref}
    audit_trail.assert_recorded(
        AuditAction.TARGET_SEARCHED,
        actor=analyst,
        identifier_hash=audit_hash_identifier("+1 (202) 555-0199"),
    )


def test_bulk_assignment_from_the_queue(client_for, in_review_factory, officer_a, analyst, reviewer, audit_trail):
    first, second, untouched = (in_review_factory(officer_a) for _ in range(3))

    response = client_for(analyst).post(
        "/queue/assign/", {"refs": [first.ref, second.ref], "assignee": reviewer.username, "back": "view=all"}
    )

    assert response.status_code == 302 and response["Location"] == "/queue/?view=all"
    for legal_request in (first, second, untouched):
        legal_request.refresh_from_db()
    assert (first.assignee, second.assignee, untouched.assignee) == (reviewer, reviewer, None)
    assert len(audit_trail.entries(AuditAction.REQUEST_ASSIGNED)) == 2


@pytest.mark.parametrize("back", ["view=mine\r\nSet-Cookie: x=1", "//evil.example/", "view=mine&q=LR 2026"])
def test_the_way_back_to_the_queue_stays_on_the_queue(client_for, in_review_factory, officer_a, analyst, back):
    legal_request = in_review_factory(officer_a)

    response = client_for(analyst).post(
        "/queue/assign/", {"refs": [legal_request.ref], "assignee": analyst.username, "back": back}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/queue/?") and "\n" not in response["Location"]


def test_bulk_assignment_to_someone_outside_the_legal_team_changes_nothing(
    client_for, in_review_factory, officer_a, analyst, auditor
):
    legal_request = in_review_factory(officer_a)

    client_for(analyst).post("/queue/assign/", {"refs": [legal_request.ref], "assignee": auditor.username})

    legal_request.refresh_from_db()
    assert legal_request.assignee is None


def test_the_queue_row_shows_the_assignee_with_its_full_name_in_a_title(
    client_for, in_review_factory, officer_a, analyst
):
    legal_request = in_review_factory(officer_a)
    analyst.first_name, analyst.last_name = "Anna", "Analyst-With-A-Very-Long-Double-Barrelled-Name"
    analyst.save()
    legal_request_assign(legal_request=legal_request, actor=analyst, assignee=analyst)

    page = client_for(analyst).get("/queue/").content.decode()

    assert 'class="ellipsis" title="Anna Analyst-With-A-Very-Long-Double-Barrelled-Name"' in page


def test_the_queue_finds_a_reference_typed_without_its_prefix(client_for, in_review_factory, officer_a, analyst):
    wanted, other = in_review_factory(officer_a), in_review_factory(officer_a)

    page = client_for(analyst).get("/queue/", {"q": wanted.ref.removeprefix("LR-")}).content.decode()

    assert refs_in(page) == {wanted.ref}
    assert other.ref not in page


def test_a_target_search_that_reads_as_nothing_says_so_and_lists_nothing(
    client_for, in_review_factory, officer_a, analyst
):
    in_review_factory(officer_a)

    response = client_for(analyst).get("/queue/", {"target": "!!!"})

    page = response.content.decode()
    assert response.status_code == 200
    assert escape(ERR_TARGET_UNREADABLE) in page
    assert "No request matches." not in page
    assert refs_in(page) == set()


def test_the_bulk_assign_control_starts_on_a_blank_choice_that_is_refused(
    client_for, in_review_factory, officer_a, analyst, reviewer
):
    legal_request = in_review_factory(officer_a)
    legal_request_assign(legal_request=legal_request, actor=analyst, assignee=reviewer)
    client = client_for(analyst)

    page = client.get("/queue/").content.decode()
    options = re.search(r'<select name="assignee"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", options)[:2] == ["Choose…", "Nobody (unassign)"]
    assert "selected" not in options.split("</option>")[1]

    response = client.post("/queue/assign/", {"refs": [legal_request.ref], "assignee": ""}, follow=True)

    legal_request.refresh_from_db()
    assert legal_request.assignee == reviewer
    assert escape(ERR_ASSIGNEE_NOT_CHOSEN) in response.content.decode()


def test_nobody_is_an_explicit_choice_of_the_bulk_assign_control(
    client_for, in_review_factory, officer_a, analyst, reviewer
):
    legal_request = in_review_factory(officer_a)
    legal_request_assign(legal_request=legal_request, actor=analyst, assignee=reviewer)

    client_for(analyst).post("/queue/assign/", {"refs": [legal_request.ref], "assignee": ASSIGNEE_NOBODY})

    legal_request.refresh_from_db()
    assert legal_request.assignee is None
