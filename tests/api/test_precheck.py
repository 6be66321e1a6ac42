"""The check before filing (POST /api/v1/requests/{ref}/precheck/): the rules of a submission run on
a draft, as its officer may read them; nothing changes but one audit entry."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEntry
from requests_app.models import LegalDocument, LegalRequest, Target
from requests_app.states import State
from rules.services import MISSING_DOCUMENT

pytestmark = pytest.mark.django_db


def precheck_url(legal_request: LegalRequest) -> str:
    return f"/api/v1/requests/{legal_request.ref}/precheck/"


def row_of(legal_request: LegalRequest) -> dict:
    return LegalRequest.objects.filter(pk=legal_request.pk).values().get()


def test_a_complete_draft_may_be_filed(api, officer_a, draft_factory, shipped_rules):
    legal_request = draft_factory(officer_a)

    response = api(officer_a).post(precheck_url(legal_request))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["recommendation"] == "proceed"
    assert body["findings"] == [] and body["missing"] == []


def test_the_missing_terms_statement_and_document_are_named_with_their_citation(
    api, officer_a, draft_factory, shipped_rules
):
    legal_request = draft_factory(officer_a, with_document=False, terms_violation=False)

    body = api(officer_a).post(precheck_url(legal_request)).json()

    assert body["recommendation"] == "needs_info"
    terms = next(finding for finding in body["findings"] if finding["rule"] == "policy.terms_violation")
    assert terms["outcome"] == "fail"
    assert "terms of service" in terms["message"]
    assert terms["citation"].startswith("Platform policy since September 2024")
    assert any("terms of service" in text for text in body["missing"])
    assert MISSING_DOCUMENT in body["missing"] or any("legal document" in text for text in body["missing"])


def test_the_eu_maximum_sentence_is_named_missing(api, officer_b, draft_factory, shipped_rules):
    legal_request = draft_factory(officer_b, offense_max_sentence_years=None, process_type="production_order")

    body = api(officer_b).post(precheck_url(legal_request)).json()

    assert any("maximum sentence" in text for text in body["missing"])
    assert "eu.offence.threshold" in {finding["rule"] for finding in body["findings"]}


def test_internal_notes_and_identity_checks_never_reach_the_officer(api, officer_a, draft_factory, shipped_rules):
    # given a document too old (a rule with a note for the legal team) and a jurisdiction that is not the
    # agency's (an identity check the officer must not see)
    legal_request = draft_factory(officer_a, issued_at=dt.date(2024, 10, 1), date_from="2026-10-01")
    LegalRequest.objects.filter(pk=legal_request.pk).update(
        jurisdiction=LegalRequest.jurisdiction.field.related_model.objects.get(code="GB")
    )

    response = api(officer_a).post(precheck_url(legal_request))

    text = json.dumps(response.json())
    assert "policy.document_current" in text  # the finding is there ...
    assert "threshold" not in text  # ... its note for the legal team is not
    assert "policy.agency_country" not in text and "agency_verified" not in text
    assert "note" not in {key for finding in response.json()["findings"] for key in finding}


def test_the_retention_window_of_the_asked_data_comes_from_the_rules(api, officer_b, draft_factory, shipped_rules):
    legal_request = draft_factory(officer_b)

    body = api(officer_b).post(precheck_url(legal_request)).json()

    windows = {window["category"]: window for window in body["retention"]}
    assert set(windows) == {"ip_addresses", "phone_number"}
    assert windows["ip_addresses"]["days"] == 365
    assert windows["ip_addresses"]["citation"].startswith("Décret 2021-1362")
    expected = (timezone.now() - dt.timedelta(days=365)).date().isoformat()
    assert windows["ip_addresses"]["oldest_kept"] == expected


def test_the_precheck_changes_nothing_but_one_audit_entry(api, officer_a, draft_factory, shipped_rules):
    legal_request = draft_factory(officer_a, terms_violation=False)
    before = (row_of(legal_request), LegalDocument.objects.count(), Target.objects.count())
    entries_before = AuditEntry.objects.count()

    api(officer_a).post(precheck_url(legal_request))

    assert (row_of(legal_request), LegalDocument.objects.count(), Target.objects.count()) == before
    new = AuditEntry.objects.order_by("-id")[: AuditEntry.objects.count() - entries_before]
    assert [entry.action for entry in new] == [AuditAction.REQUEST_PRECHECKED]
    assert new[0].request_ref == legal_request.ref
    assert new[0].details["failed_rules"] == ["policy.terms_violation"]


def test_a_submitted_request_is_not_prechecked(api, officer_a, in_review_factory):
    legal_request = in_review_factory(officer_a)
    entries_before = AuditEntry.objects.filter(action=AuditAction.REQUEST_PRECHECKED).count()

    response = api(officer_a).post(precheck_url(legal_request))

    assert response.status_code == 409
    assert "this one is in review" in response.json()["detail"]
    assert AuditEntry.objects.filter(action=AuditAction.REQUEST_PRECHECKED).count() == entries_before


def test_a_request_waiting_for_information_is_prechecked(api, officer_a, draft_factory, shipped_rules):
    legal_request = draft_factory(officer_a)
    LegalRequest.objects.filter(pk=legal_request.pk).update(state=State.NEEDS_INFO, received_at=timezone.now())

    assert api(officer_a).post(precheck_url(legal_request)).status_code == 200


def test_another_agency_gets_404(api, officer_a, officer_b, draft_factory, shipped_rules):
    legal_request = draft_factory(officer_a)

    response = api(officer_b).post(precheck_url(legal_request))

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.REQUEST_PRECHECKED).exists()


@pytest.mark.parametrize("role", ["analyst", "reviewer", "auditor"])
def test_only_officers_precheck(api, officer_a, draft_factory, shipped_rules, role, request):
    legal_request = draft_factory(officer_a)

    response = api(request.getfixturevalue(role)).post(precheck_url(legal_request))

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.REQUEST_PRECHECKED).exists()


def test_the_precheck_is_in_the_served_schema(client):
    schema = client.get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/requests/{ref}/precheck/"]["post"]
    assert "changes nothing" in operation["description"].lower()


def test_pre_checks_are_throttled_per_user(api, officer_a, officer_b, draft_factory, shipped_rules, settings):
    settings.LAWREQ_PRECHECK_RATE = "2/min"
    legal_request = draft_factory(officer_a)
    client = api(officer_a)

    statuses = [client.post(precheck_url(legal_request)).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert AuditEntry.objects.filter(action=AuditAction.REQUEST_PRECHECKED, request_ref=legal_request.ref).count() == 2
    # another user has a limit of their own
    other = draft_factory(officer_b, process_type="production_order")
    assert api(officer_b).post(precheck_url(other)).status_code == 200
