"""Proposals and four-eyes approval on the request page: the forms, and the services' refusals
shown as messages with their status."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from disclosure.models import Proposal, ProposalStatus
from disclosure.services import (
    ERR_COMMENT_REQUIRED,
    ERR_DATE_AFTER,
    ERR_NOT_ANALYST,
    ERR_OWN_PROPOSAL,
    ERR_STATE_APPROVAL,
)
from lawreq.roles import Role
from requests_app.states import State
from tests.conftest import SHARED_PER_MODULE
from web.forms import ERR_CATEGORY_NOT_ALLOWED as FORM_ERR_CATEGORY_NOT_ALLOWED
from web.forms import ERR_DATES_REVERSED, ERR_REASONS, ERR_TARGET_CATEGORIES
from web.views.staff import ERR_UNKNOWN_DECISION
from workflow.services import do_propose

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]


def url(legal_request, name: str) -> str:
    return reverse(name, kwargs={"ref": legal_request.ref})


def disclose_data(legal_request, **per_target) -> dict:
    """The disclose form as the page renders it (every target, what was asked), with overrides."""
    data = {"decision": "disclose", "reason": "Lawful subpoena."}
    for target in legal_request.targets.all():
        prefix = f"target_{target.pk}"
        data.update(
            {
                f"{prefix}_include": "on",
                f"{prefix}_categories": list(legal_request.categories),
                f"{prefix}_date_from": legal_request.date_from.isoformat(),
                f"{prefix}_date_to": legal_request.date_to.isoformat(),
            }
        )
    data.update(per_target)
    return data


def html(text: str) -> str:
    return text.replace("'", "&#x27;")


def test_the_analyst_proposes_a_disclosure_narrowed_per_target(client_for, analyst, request_a):
    phone, username = (request_a.targets.get(type="phone"), request_a.targets.get(type="username"))
    data = disclose_data(
        request_a,
        **{
            f"target_{phone.pk}_include": "",
            f"target_{username.pk}_categories": ["ip_addresses"],
            f"target_{username.pk}_date_from": "2026-10-15",
        },
    )

    response = client_for(analyst).post(url(request_a, "web:proposal"), data)

    assert response.status_code == 302
    request_a.refresh_from_db()
    assert request_a.state == State.PENDING_APPROVAL
    scopes = list(Proposal.objects.get(legal_request=request_a).targets.all())
    assert [(s.target_id, s.categories, s.date_from, s.date_to) for s in scopes] == [
        (username.pk, ["ip_addresses"], dt.date(2026, 10, 15), dt.date(2026, 11, 1))
    ]


def test_a_scope_wider_than_asked_is_refused_with_the_services_message(client_for, analyst, shared_request_a):
    target = shared_request_a.targets.first()
    data = disclose_data(shared_request_a, **{f"target_{target.pk}_date_to": "2026-12-31"})

    response = client_for(analyst).post(url(shared_request_a, "web:proposal"), data)

    assert response.status_code == 400
    assert html(ERR_DATE_AFTER.format(date=shared_request_a.date_to)) in response.content.decode()
    assert not Proposal.objects.exists()
    shared_request_a.refresh_from_db()
    assert shared_request_a.state == State.IN_REVIEW


def test_a_category_the_checks_do_not_allow_is_marked_and_refused(client_for, analyst, officer_a, in_review_factory):
    legal_request = in_review_factory(officer_a, categories=["content", "ip_addresses"])
    client = client_for(analyst)

    page = client.get(url(legal_request, "web:staff-detail")).content.decode()
    response = client.post(url(legal_request, "web:proposal"), disclose_data(legal_request))

    assert "Message content (not allowed by the checks)" in page
    assert response.status_code == 400
    assert html(FORM_ERR_CATEGORY_NOT_ALLOWED.format(category="Message content")) in response.content.decode()
    assert not Proposal.objects.exists()


def test_an_included_target_needs_a_category(client_for, analyst, shared_request_a):
    target = shared_request_a.targets.first()
    response = client_for(analyst).post(
        url(shared_request_a, "web:proposal"), disclose_data(shared_request_a, **{f"target_{target.pk}_categories": []})
    )
    assert response.status_code == 400
    assert response.context["proposal_forms"]["disclose"].errors[f"target_{target.pk}_categories"] == [
        ERR_TARGET_CATEGORIES
    ]


def test_a_rejection_needs_its_reasons(client_for, analyst, shared_request_a):
    response = client_for(analyst).post(
        url(shared_request_a, "web:proposal"), {"decision": "reject", "reasons": " \n "}
    )
    assert response.status_code == 400
    assert response.context["proposal_forms"]["reject"].errors["reasons"] == [ERR_REASONS]


def test_the_analyst_proposes_a_rejection_with_reasons(client_for, analyst, request_a):
    response = client_for(analyst).post(
        url(request_a, "web:proposal"), {"decision": "reject", "reasons": "No criminal case.\nOut of scope."}
    )
    assert response.status_code == 302
    assert Proposal.objects.get().reasons == ["No criminal case.", "Out of scope."]


def test_asking_the_officer_a_question_puts_it_in_the_portal(client_for, analyst, officer_a, request_a):
    question = "Please attach the signed page of the order."
    response = client_for(analyst).post(url(request_a, "web:proposal"), {"decision": "need_info", "question": question})

    assert response.status_code == 302
    request_a.refresh_from_db()
    assert request_a.state == State.NEEDS_INFO
    assert question in client_for(officer_a).get(url(request_a, "web:portal-detail")).content.decode()


def test_an_unknown_decision_is_400(client_for, analyst, shared_request_a):
    response = client_for(analyst).post(url(shared_request_a, "web:proposal"), {"decision": "shrug"})
    assert response.status_code == 400
    assert ERR_UNKNOWN_DECISION in response.content.decode()


def test_a_reviewer_gets_no_proposal_form_and_the_service_refuses_a_forced_one(client_for, reviewer, shared_request_a):
    client = client_for(reviewer)
    assert 'id="disclose-form"' not in client.get(url(shared_request_a, "web:staff-detail")).content.decode()

    response = client.post(url(shared_request_a, "web:proposal"), {"decision": "need_info", "question": "Why?"})

    assert response.status_code == 403
    assert ERR_NOT_ANALYST in response.content.decode()
    assert not Proposal.objects.exists()
    shared_request_a.refresh_from_db()
    assert shared_request_a.state == State.IN_REVIEW


def test_an_emergency_disclosure_needs_the_call_back_confirmed(client_for, analyst, officer_a, in_review_factory):
    legal_request = in_review_factory(
        officer_a,
        process_type="emergency_disclosure",
        emergency=True,
        emergency_justification="Kidnapping in progress, victim's life at risk.",
    )
    client = client_for(analyst)
    page = client.get(url(legal_request, "web:staff-detail")).content.decode()
    assert "+1 202-555-0143" in page  # the agency's directory number, for the call back

    refused = client.post(url(legal_request, "web:proposal"), disclose_data(legal_request))
    # A checkbox of the old form is no way around: only a confirmed call-back is.
    still_refused = client.post(
        url(legal_request, "web:proposal"), disclose_data(legal_request, out_of_band_verified="on")
    )
    called = client.post(
        url(legal_request, "web:callback"), {"spoke_to": "Sgt. Miller, duty desk", "outcome": "confirmed", "note": ""}
    )
    accepted = client.post(url(legal_request, "web:proposal"), disclose_data(legal_request))

    assert refused.status_code == 409 and still_refused.status_code == 409
    assert "confirmed call-back to the agency" in refused.content.decode()
    assert called.status_code == 302
    assert accepted.status_code == 302
    legal_request.refresh_from_db()
    assert legal_request.state == State.PENDING_APPROVAL


def test_another_reviewer_approves_and_the_letter_is_signed(
    client_for, reviewer, pending_approval_request, django_capture_on_commit_callbacks
):
    client = client_for(reviewer)
    assert 'id="approval-form"' in client.get(url(pending_approval_request, "web:staff-detail")).content.decode()

    first = client.post(url(pending_approval_request, "web:approval"), {"verdict": "approve", "comment": ""})
    assert first.status_code == 200 and 'id="approval-confirm"' in first.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(pending_approval_request, "web:approval"),
            {"verdict": "approve", "comment": "", "confirmation": first.context["confirmation"]},
        )

    assert response.status_code == 302
    pending_approval_request.refresh_from_db()
    assert pending_approval_request.state == State.RESPONDED
    page = client.get(url(pending_approval_request, "web:staff-detail")).content.decode()
    assert "signed and issued" in page
    assert reverse("web:preview", kwargs={"ref": pending_approval_request.ref}) in page


def test_sending_back_needs_a_comment(client_for, reviewer, pending_approval_request):
    response = client_for(reviewer).post(
        url(pending_approval_request, "web:approval"), {"verdict": "send_back", "comment": ""}
    )

    assert response.status_code == 400
    assert response.context["approval_form"].errors["comment"] == [ERR_COMMENT_REQUIRED]
    pending_approval_request.refresh_from_db()
    assert pending_approval_request.state == State.PENDING_APPROVAL


def test_a_proposal_sent_back_returns_to_review(client_for, reviewer, pending_approval_request):
    response = client_for(reviewer).post(
        url(pending_approval_request, "web:approval"), {"verdict": "send_back", "comment": "Narrow the period."}
    )
    assert response.status_code == 302
    pending_approval_request.refresh_from_db()
    assert pending_approval_request.state == State.IN_REVIEW
    assert Proposal.objects.get().status == ProposalStatus.SENT_BACK


def test_the_proposer_gets_no_approval_form_and_a_forced_approval_is_409(client_for, analyst, request_a):
    # an analyst who is also a reviewer proposes
    analyst.groups.add(Group.objects.get(name=Role.REVIEWER.value))
    do_propose(legal_request=request_a, actor=analyst, decision="disclose", categories=["ip_addresses"])
    client = client_for(analyst)

    page = client.get(url(request_a, "web:staff-detail")).content.decode()
    response = client.post(url(request_a, "web:approval"), {"verdict": "approve", "comment": ""})

    assert 'id="approval-form"' not in page
    assert "another reviewer must decide" in page
    assert response.status_code == 409
    assert html(ERR_OWN_PROPOSAL) in response.content.decode()
    request_a.refresh_from_db()
    assert request_a.state == State.PENDING_APPROVAL


def test_approving_when_nothing_waits_is_409(client_for, reviewer, shared_request_a):
    response = client_for(reviewer).post(url(shared_request_a, "web:approval"), {"verdict": "approve"})
    assert response.status_code == 409
    assert html(ERR_STATE_APPROVAL.format(state="in_review")) in response.content.decode()


def test_a_verdict_that_is_neither_approve_nor_send_back_is_400(client_for, reviewer, pending_approval_request):
    response = client_for(reviewer).post(url(pending_approval_request, "web:approval"), {"verdict": "maybe"})
    assert response.status_code == 400
    pending_approval_request.refresh_from_db()
    assert pending_approval_request.state == State.PENDING_APPROVAL


def test_a_refused_form_that_is_no_longer_offered_still_says_why(client_for, analyst, pending_approval_request):
    # the analyst's page is stale: the request already waits for approval
    response = client_for(analyst).post(
        url(pending_approval_request, "web:proposal"), {"decision": "reject", "reasons": ""}
    )

    assert response.status_code == 400
    assert 'id="reject-form"' not in response.content.decode()
    assert ERR_REASONS in response.content.decode()


def test_a_refused_proposal_says_why_inside_its_form_not_at_the_top_of_the_page(
    client_for, analyst, officer_a, in_review_factory
):
    # content is asked and the rules block it; the analyst ticks it anyway
    legal_request = in_review_factory(officer_a, categories=["content", "ip_addresses"])

    response = client_for(analyst).post(url(legal_request, "web:proposal"), disclose_data(legal_request))

    assert response.status_code == 400
    page = response.content.decode()
    form = page[page.index('id="disclose-form"') : page.index("</form>", page.index('id="disclose-form"'))]
    assert html(FORM_ERR_CATEGORY_NOT_ALLOWED.format(category="Message content")) in form
    assert 'class="messages"' not in page
    assert "#disclose-form" in page  # the form posts to its own anchor: the browser lands on the error


def test_a_backwards_date_range_is_refused_in_words_at_the_from_and_to_fields(client_for, analyst, shared_request_a):
    target = shared_request_a.targets.order_by("id").last()
    prefix = f"target_{target.pk}"
    data = disclose_data(shared_request_a, **{f"{prefix}_date_from": "2026-10-20", f"{prefix}_date_to": "2026-10-10"})

    response = client_for(analyst).post(url(shared_request_a, "web:proposal"), data)

    assert response.status_code == 400
    page = response.content.decode()
    form = page[page.index('id="disclose-form"') : page.index("</form>", page.index('id="disclose-form"'))]
    for field in ("date_from", "date_to"):
        input_tag = re.search(rf'<input[^>]*id="id_disclose_{prefix}_{field}"[^>]*>', form).group(0)
        assert 'aria-invalid="true"' in input_tag
        after = form.split(input_tag)[1].split("</div>")[0]
        assert f'id="id_disclose_{prefix}_{field}_error"><li>{ERR_DATES_REVERSED}</li>' in after
    assert form.count('class="field has-error"') == 2
    assert re.findall(r"<li>([^<]*)</li>", form.split('id="id_disclose_reasons"')[0]) == [ERR_DATES_REVERSED] * 2
    assert "errorlist nonfield" not in form
    assert not Proposal.objects.exists()


def test_the_disclose_form_numbers_targets_by_position_not_by_database_id(client_for, analyst, shared_request_a):
    page = client_for(analyst).get(url(shared_request_a, "web:staff-detail")).content.decode()

    targets = list(shared_request_a.targets.order_by("id"))
    for number, target in enumerate(targets, start=1):
        assert f'Include target {number} <span class="mono">{target.display_value}</span>' in page
    assert "Include target #" not in page
