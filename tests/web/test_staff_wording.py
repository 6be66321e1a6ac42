"""The staff pages in words: no API path in a refusal, who proposed and who decided, the automatic
message and its kind named, the terms statement read as a sentence."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.services import question_post
from tests.web.test_decisions import disclose_data
from workflow.services import do_decide

pytestmark = pytest.mark.django_db


def url(legal_request, name: str) -> str:
    return reverse(name, kwargs={"ref": legal_request.ref})


def test_a_refused_emergency_proposal_says_what_to_do_without_an_api_path(
    client_for, analyst, officer_a, in_review_factory
):
    legal_request = in_review_factory(
        officer_a,
        process_type="emergency_disclosure",
        emergency=True,
        emergency_justification="Kidnapping in progress, victim's life at risk.",
    )

    refused = client_for(analyst).post(url(legal_request, "web:proposal"), disclose_data(legal_request))

    page = refused.content.decode()
    assert refused.status_code == 409
    assert "call the agency on that number and record the call-back." in page
    assert "POST" not in page and "callbacks/)" not in page


def test_the_proposal_line_names_the_proposer_and_then_the_reviewer(
    client_for, analyst, reviewer, pending_approval_request
):
    waiting = client_for(analyst).get(url(pending_approval_request, "web:staff-detail")).content.decode()
    do_decide(legal_request=pending_approval_request, actor=reviewer, approve=False, comment="Narrow the period.")
    decided = client_for(analyst).get(url(pending_approval_request, "web:staff-detail")).content.decode()

    assert f"proposed by {analyst.username}" in waiting and "waiting for a reviewer</span>" in waiting
    assert f"Waiting for a reviewer by {analyst.username}" not in waiting
    assert f"sent back by {reviewer.username}</span>" in decided


def test_the_automatic_message_and_its_kind_are_named_in_words(client_for, analyst, request_a):
    question_post(legal_request=request_a, question="Please send the legal process.")

    page = client_for(analyst).get(url(request_a, "web:staff-detail")).content.decode()

    assert '<strong class="thread-author">Automatic message</strong>' in page
    assert ">Asks for an answer</span>" in page and ">question</span>" not in page


def test_the_terms_statement_reads_as_a_sentence(client_for, analyst, request_a):
    page = client_for(analyst).get(url(request_a, "web:staff-detail")).content.decode()

    assert "Conduct breaking the platform" in page and "Breaks the terms" not in page
