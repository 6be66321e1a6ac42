"""The approval screen: asked against proposed, the records counted per target and category, the
letter rendered unsigned, and a confirmation bound to the proposal the reviewer saw."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.actions import AuditAction
from disclosure.models import Approval, Decision
from disclosure.services import ERR_COMMENT_REQUIRED
from letters.rendering import PREVIEW_WATERMARK
from requests_app.states import State
from tests.letters.conftest import pdf_text
from tests.subscribers.conftest import make_account_row
from web.views.staff import MSG_CONFIRMATION_STALE, approval_confirmation_token
from workflow.services import do_decide, do_propose

pytestmark = pytest.mark.django_db


def url(legal_request, name: str) -> str:
    return reverse(name, kwargs={"ref": legal_request.ref})


@pytest.fixture
def narrowed_proposal(in_review_factory, officer_a, analyst):
    """@someone has three IP events and one phone number in October; the analyst proposes IP
    addresses for @someone only, 5 to 20 October."""
    make_account_row(
        "acc-1",
        username="someone",
        phone="+12025550100",
        events=[
            ("2026-10-04 10:00:00", "203.0.113.1", 1),  # before the proposed days
            ("2026-10-05 10:00:00", "203.0.113.2", 2),
            ("2026-10-19 10:00:00", "203.0.113.3", 3),
        ],
    )
    request_a = in_review_factory(officer_a)
    suspect = request_a.targets.order_by("id").first()
    do_propose(
        legal_request=request_a,
        actor=analyst,
        decision=Decision.DISCLOSE,
        targets=[{"id": suspect.pk, "categories": ["ip_addresses"]}],
        categories=["ip_addresses"],
        date_from=dt.date(2026, 10, 5),
        date_to=dt.date(2026, 10, 20),
        reason="INTERNAL: the phone target is a relative of the suspect",
        reasons=["Only the suspect's own account is relevant."],
    )
    request_a.refresh_from_db()
    return request_a


def test_approve_first_shows_the_difference_and_the_record_counts_and_approves_nothing(
    client_for, reviewer, narrowed_proposal, audit_trail
):
    response = client_for(reviewer).post(url(narrowed_proposal, "web:approval"), {"verdict": "approve"})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="approval-confirm"' in page and 'name="confirmation"' in page
    assert "not given: Phone numbers" in page
    assert 'left out: Target 2: <span class="mono">+12025550199</span>' in page
    preview = response.context["preview"]
    (suspect, phone) = preview.targets
    assert (suspect.included, suspect.found, suspect.counts) == (True, True, {"ip_addresses": 2})
    assert phone.included is False
    assert not Approval.objects.exists()
    audit_trail.assert_recorded(
        AuditAction.APPROVAL_PREVIEWED, actor=reviewer, what="record_counts", counts={"ip_addresses": 2}
    )


def test_the_second_post_with_the_token_approves(
    client_for, reviewer, narrowed_proposal, django_capture_on_commit_callbacks
):
    client = client_for(reviewer)
    token = client.post(url(narrowed_proposal, "web:approval"), {"verdict": "approve"}).context["confirmation"]

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url(narrowed_proposal, "web:approval"), {"verdict": "approve", "confirmation": token})

    assert response.status_code == 302
    narrowed_proposal.refresh_from_db()
    assert narrowed_proposal.state == State.APPROVED


def test_a_token_of_another_proposal_or_reviewer_approves_nothing(
    client_for, reviewer, second_reviewer, analyst, narrowed_proposal
):
    old_proposal = narrowed_proposal.proposals.first()
    theirs = approval_confirmation_token(old_proposal, second_reviewer)
    do_decide(legal_request=narrowed_proposal, actor=second_reviewer, approve=False, comment="Redo.")
    do_propose(legal_request=narrowed_proposal, actor=analyst, decision=Decision.DISCLOSE, categories=["ip_addresses"])
    stale = approval_confirmation_token(old_proposal, reviewer)
    client = client_for(reviewer)

    for token in (stale, theirs, "forged:token"):
        response = client.post(url(narrowed_proposal, "web:approval"), {"verdict": "approve", "confirmation": token})
        assert response.status_code == 200
        assert MSG_CONFIRMATION_STALE in response.content.decode()
    narrowed_proposal.refresh_from_db()
    assert narrowed_proposal.state == State.PENDING_APPROVAL


def test_the_letter_preview_is_watermarked_unsigned_and_audited(client_for, reviewer, narrowed_proposal, audit_trail):
    response = client_for(reviewer).get(url(narrowed_proposal, "web:approval-preview"))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = " ".join(pdf_text(pdf).split())
    assert str(PREVIEW_WATERMARK) in text
    assert "Only the suspect's own account is relevant." in text
    assert "2 IP events" in text
    assert "INTERNAL" not in text
    assert PdfReader(io.BytesIO(pdf)).get_fields() is None  # no signature field: never signed
    audit_trail.assert_recorded(AuditAction.APPROVAL_PREVIEWED, actor=reviewer, what="letter", kind="disclosure")
    assert not Approval.objects.exists()


def test_the_proposer_and_officers_get_no_approval_screen(client_for, analyst, officer_a, narrowed_proposal):
    assert client_for(analyst).get(url(narrowed_proposal, "web:approval-review")).status_code == 403
    assert client_for(officer_a).get(url(narrowed_proposal, "web:approval-review")).status_code in (403, 404)
    assert client_for(officer_a).get(url(narrowed_proposal, "web:approval-preview")).status_code in (403, 404)


def test_nothing_to_approve_is_404_on_the_screen(client_for, reviewer, request_a):
    assert client_for(reviewer).get(url(request_a, "web:approval-review")).status_code == 404


def test_send_back_without_a_comment_on_the_screen_stays_on_it_with_the_error_at_the_comment(
    client_for, reviewer, narrowed_proposal
):
    client = client_for(reviewer)
    screen = client.get(url(narrowed_proposal, "web:approval-review")).content.decode()
    assert (
        f'action="{url(narrowed_proposal, "web:approval-review")}" class="stacked panel" id="approval-confirm"'
        in screen
    )

    response = client.post(url(narrowed_proposal, "web:approval-review"), {"verdict": "send_back", "comment": ""})

    assert response.status_code == 400
    assert [t.name for t in response.templates][0] == "web/approval_review.html"
    confirm = response.content.decode().split('id="approval-confirm"')[1].split("</form>")[0]
    comment_field = confirm.split('class="field has-error"')[1]
    assert comment_field.index('name="comment"') < comment_field.index(ERR_COMMENT_REQUIRED)
    narrowed_proposal.refresh_from_db()
    assert narrowed_proposal.state == State.PENDING_APPROVAL


def test_a_decision_on_the_screen_goes_to_the_request_page(client_for, reviewer, narrowed_proposal):
    response = client_for(reviewer).post(
        url(narrowed_proposal, "web:approval-review"), {"verdict": "send_back", "comment": "Narrow the days."}
    )

    assert response.status_code == 302 and response["Location"] == url(narrowed_proposal, "web:staff-detail")


def test_approve_from_the_request_page_opens_the_screen_at_its_own_address(client_for, reviewer, narrowed_proposal):
    page = client_for(reviewer).get(url(narrowed_proposal, "web:staff-detail")).content.decode()

    review = url(narrowed_proposal, "web:approval-review")
    assert f'value="approve" formaction="{review}"' in page


def test_the_targets_row_compares_the_targets_asked_with_the_targets_proposed(client_for, reviewer, narrowed_proposal):
    page = client_for(reviewer).get(url(narrowed_proposal, "web:approval-review")).content.decode()

    row = page.split('<th scope="row">Targets</th>')[1].split("</tr>")[0]
    asked, proposed = row.split("</td>")[:2]
    suspect, phone = (target.display_value for target in narrowed_proposal.targets.order_by("id"))
    assert f'Target 1: <span class="mono">{suspect}</span>' in asked
    assert f'Target 2: <span class="mono">{phone}</span>' in asked
    assert f'Target 1: <span class="mono">{suspect}</span>' in proposed
    assert f'left out: Target 2: <span class="mono">{phone}</span>' in proposed


@pytest.fixture
def earlier_request(in_review_factory, officer_a):
    """A request made before: the next request's target ids are not 1, 2."""
    return in_review_factory(officer_a)


def test_targets_are_numbered_by_position_on_every_page_never_by_id(
    client_for, reviewer, officer_a, earlier_request, narrowed_proposal
):
    ids = [target.pk for target in narrowed_proposal.targets.order_by("id")]
    assert ids != [1, 2]
    pages = {
        "staff": client_for(reviewer).get(url(narrowed_proposal, "web:staff-detail")).content.decode(),
        "screen": client_for(reviewer).get(url(narrowed_proposal, "web:approval-review")).content.decode(),
        "portal": client_for(officer_a).get(url(narrowed_proposal, "web:portal-detail")).content.decode(),
    }

    for name in ("staff", "portal"):
        numbers = re.findall(r"<tr><td data-label=\"Target\">(\d+)</td><td", pages[name])
        assert numbers == ["1", "2"], name
    records = pages["screen"].split('id="records"')[1].split("</table>")[0]
    assert re.findall(r"<td>(\d+): <span", records) == ["1", "2"]
    for page in pages.values():
        assert not any(f"#{pk}" in page for pk in ids)


def test_the_preview_of_a_letter_above_the_inline_records_limit_shows_the_summary(
    settings, client_for, reviewer, narrowed_proposal
):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = 1

    response = client_for(reviewer).get(url(narrowed_proposal, "web:approval-preview"))

    text = " ".join(pdf_text(response.content).split())
    assert response.status_code == 200
    assert "too many to print" in text and "annex" not in text.lower()
    assert "203.0.113.2" not in text
