"""The legal team's page of one request: everything about it, audited at every showing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEntry
from rules.models import CheckRun
from rules.selectors import rule_applies
from tests.conftest import SHARED_PER_MODULE

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]


def staff_url(legal_request, name: str = "web:staff-detail") -> str:
    return reverse(name, kwargs={"ref": legal_request.ref})


def test_the_page_shows_fields_targets_documents_and_the_checks(client_for, analyst, shared_request_a):
    response = client_for(analyst).get(staff_url(shared_request_a))

    page = response.content.decode()
    assert response.status_code == 200
    for shown in (
        "2026-CR-0042",
        "Wire fraud",
        "U.S. District Court, D. Springfield",
        "@someone",
        "+12025550199",
        "order.pdf",
    ):
        assert shown in page
    run = CheckRun.objects.get(legal_request=shared_request_a)
    assert run.versions_label in page
    for result in run.results:
        assert result["rule"] in page
        if rule_applies(result):
            assert result["citation"].replace("'", "&#x27;").replace('"', "&quot;") in page


def test_failed_checks_come_first(client_for, analyst, officer_a, in_review_factory):
    # a subpoena asking for content: the platform never discloses it
    legal_request = in_review_factory(officer_a, categories=["content", "ip_addresses"])

    response = client_for(analyst).get(staff_url(legal_request))

    outcomes = [result["outcome"] for group in response.context["check_groups"] for result in group]
    assert outcomes[0] == "fail"
    assert outcomes == sorted(outcomes, key=["fail", "warn", "pass"].index)


def test_every_showing_is_audited_as_a_web_view(client_for, reviewer, shared_request_a):
    client = client_for(reviewer)
    client.get(staff_url(shared_request_a))
    client.get(staff_url(shared_request_a))

    entries = AuditEntry.objects.filter(action=AuditAction.REQUEST_VIEWED, request_ref=shared_request_a.ref)
    assert entries.count() == 2
    assert {(e.actor_id, tuple(e.details.items())) for e in entries} == {(reviewer.pk, (("via", "web"),))}


def test_document_links_download_through_the_api_with_the_session(client_for, analyst, shared_request_a):
    client = client_for(analyst)
    document = shared_request_a.documents.get()
    link = reverse("legalrequest-document-download", kwargs={"ref": shared_request_a.ref, "document_id": document.pk})

    assert f'href="{link}"' in client.get(staff_url(shared_request_a)).content.decode()
    download = client.get(link)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")


def test_an_analyst_runs_the_checks_again(client_for, analyst, request_a):
    client = client_for(analyst)
    assert "Re-run checks" in client.get(staff_url(request_a)).content.decode()

    response = client.post(staff_url(request_a, "web:checks-run"))

    assert response.status_code == 302
    runs = CheckRun.objects.filter(legal_request=request_a).order_by("id")
    assert runs.count() == 2
    assert runs.last().run_by == analyst


def test_a_reviewer_is_not_offered_the_re_run(client_for, reviewer, shared_request_a):
    assert "Re-run checks" not in client_for(reviewer).get(staff_url(shared_request_a)).content.decode()


def test_re_running_the_checks_of_a_draft_says_why_with_409(client_for, analyst, officer_a, draft_factory):
    draft = draft_factory(officer_a)
    response = client_for(analyst).post(staff_url(draft, "web:checks-run"))
    assert response.status_code == 409
    assert not CheckRun.objects.filter(legal_request=draft).exists()


def test_pages_with_personal_data_are_not_cached_and_not_framed(client_for, analyst, shared_request_a):
    response = client_for(analyst).get(staff_url(shared_request_a))

    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_every_form_on_the_page_carries_a_csrf_token(client_for, analyst, shared_request_a):
    page = client_for(analyst).get(staff_url(shared_request_a)).content.decode()
    assert page.count('method="post"') == page.count('name="csrfmiddlewaretoken"') > 1


def test_no_link_or_form_carries_a_target_identifier(client_for, analyst, officer_a, shared_request_a):
    import re

    pages = [
        client_for(analyst).get(staff_url(shared_request_a)).content.decode(),
        client_for(officer_a).get(staff_url(shared_request_a, "web:portal-detail")).content.decode(),
    ]

    for page in pages:
        addresses = re.findall(r'(?:href|action)="([^"]*)"', page)
        assert addresses
        for address in addresses:
            assert "someone" not in address and "555" not in address and "+1" not in address


def test_every_form_of_the_portal_carries_a_csrf_token(client_for, officer_a, draft_factory):
    draft = draft_factory(officer_a)
    client = client_for(officer_a)
    for url in (staff_url(draft, "web:portal-detail"), staff_url(draft, "web:portal-edit"), "/portal/new/"):
        page = client.get(url).content.decode()
        assert page.count('method="post"') == page.count('name="csrfmiddlewaretoken"') >= 1


def test_the_rule_panel_says_the_verdict_what_is_blocked_and_by_which_rule(
    client_for, analyst, officer_a, in_review_factory
):
    legal_request = in_review_factory(officer_a, categories=["content", "ip_addresses"])
    run = CheckRun.objects.get(legal_request=legal_request)
    blocking = [r["rule"] for r in run.results if r["outcome"] == "fail" and not r["missing_information"]]

    response = client_for(analyst).get(staff_url(legal_request))

    summary = response.context["check_summary"]
    assert summary.blocked_categories == ("content",)
    assert [r["rule"] for r in summary.blocking_rules] == blocking and blocking
    page = response.content.decode()
    verdict = page[page.index('id="rule-summary"') : page.index("</div>", page.index('id="rule-summary"'))]
    assert "Blocked:" in verdict and "Message content" in verdict
    for rule in blocking:
        assert rule in verdict


def test_rules_that_do_not_apply_are_folded_away_not_shown_as_passes(client_for, analyst, shared_request_a):
    response = client_for(analyst).get(staff_url(shared_request_a))

    summary = response.context["check_summary"]
    assert summary.not_applicable, "the shipped rules have conditional rules that do not concern this request"
    shown_as_outcomes = {r["rule"] for group in response.context["check_groups"] for r in group}
    assert not shown_as_outcomes & {r["rule"] for r in summary.not_applicable}
    page = response.content.decode()
    folded = page[page.index('id="rules-not-applicable"') :]
    for result in summary.not_applicable:
        assert result["rule"] in folded
