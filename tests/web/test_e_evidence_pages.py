"""The European order's pages: the certificate's fields in the guided form (shown for a European order of a
member state only), the enforcing authority's window on the queue and the request page, and its decision
recorded there."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from audit.actions import AuditAction
from audit.models import AuditEntry
from requests_app.models import LegalRequest
from tests.web.test_portal import NEW, form_data

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
EPOC_FORM = {
    "jurisdiction": "FR",
    "process_type": "production_order",
    "issuing_authority_type": "judge",
    "issuing_authority_name": "Juge d'instruction, TJ Paris",
    "categories": ["ip_addresses"],
    "targets": "phone:06 12 34 56 78\n",
    "certificate_reference": "EPOC-FR-2026-0118",
    "ip_purpose": "traffic",
    "enforcing_state": "ie",
    "enforcing_authority_name": "An Garda Síochána",
    "enforcing_authority_notified": "on",
}
EPOC = {
    "process_type": "production_order",
    "categories": ["ip_addresses"],
    "certificate_reference": "EPOC-FR-2026-0118",
    "ip_purpose": "traffic",
    "enforcing_state": "IE",
    "enforcing_authority_name": "An Garda Síochána, Mutual Assistance",
    "enforcing_authority_notified": True,
}


def fieldset_hidden(page: str) -> bool:
    return bool(re.search(r'<fieldset id="e-evidence" hidden>', page))


def test_the_certificate_fields_show_for_a_french_officer_and_are_hidden_for_a_subpoena(
    client_for, officer_a, officer_b, shipped_rules
):
    french = client_for(officer_b).get(NEW + "?process_type=production_order").content.decode()
    american = client_for(officer_a).get(NEW).content.decode()

    assert 'name="enforcing_state"' in french and 'name="ip_purpose"' in french
    assert fieldset_hidden(american)
    assert "js/e_evidence.js" in american


def test_an_epoc_is_filed_through_the_form(client_for, officer_b, shipped_rules):
    response = client_for(officer_b).post(NEW, form_data(**EPOC_FORM))

    assert response.status_code == 302, response.content.decode()[:2000]
    stored = LegalRequest.objects.get()
    assert (stored.enforcing_state, stored.ip_purpose, stored.enforcing_authority_notified) == ("IE", "traffic", True)


def test_a_bad_enforcing_state_is_refused_on_the_page(client_for, officer_b, shipped_rules):
    response = client_for(officer_b).post(NEW, form_data(**{**EPOC_FORM, "enforcing_state": "FR"}))

    assert response.status_code == 400
    assert "other than the issuing state FR" in response.content.decode()
    assert not LegalRequest.objects.exists()


def test_hidden_certificate_fields_do_not_refuse_a_court_order(client_for, officer_b, shipped_rules):
    response = client_for(officer_b).post(NEW, form_data(**{**EPOC_FORM, "process_type": "court_order"}))

    assert response.status_code == 302
    assert LegalRequest.objects.get().enforcing_state == ""


@pytest.fixture
def epoc(officer_b, in_review_factory):
    with time_machine.travel(T0, tick=False):
        return in_review_factory(officer_b, **EPOC)


def test_the_window_is_a_deadline_on_the_queue_and_the_request_page(client_for, analyst, epoc):
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        queue = client_for(analyst).get("/queue/").content.decode()
        page = client_for(analyst).get(f"/queue/{epoc.ref}/").content.decode()

    assert "enforcing state: 8 d" in queue
    assert "May raise grounds until" in page and "2026-12-11 09:00 UTC" in page
    assert 'id="enforcing-hold"' in page
    assert 'id="enforcing-decision-form"' in page


def test_the_decision_is_recorded_from_the_request_page(client_for, analyst, epoc):
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        response = client_for(analyst).post(
            f"/queue/{epoc.ref}/enforcing-decision/", {"decision": "grounds_raised", "grounds": ["ne_bis_in_idem"]}
        )
        page = client_for(analyst).get(f"/queue/{epoc.ref}/").content.decode()

    assert response.status_code == 302
    assert "Grounds for refusal raised: Ne bis in idem" in page
    assert AuditEntry.objects.filter(action=AuditAction.ENFORCING_DECISION_RECORDED, actor_id=analyst.pk).exists()


def test_the_officer_cannot_post_the_decision(client_for, officer_b, epoc):
    response = client_for(officer_b).post(f"/queue/{epoc.ref}/enforcing-decision/", {"decision": "no_grounds"})

    assert response.status_code in (403, 404)
    assert LegalRequest.objects.get(pk=epoc.pk).enforcing_decision == ""


def test_the_officer_sees_the_certificate_and_the_window_on_their_request(client_for, officer_b, epoc):
    page = client_for(officer_b).get(f"/portal/{epoc.ref}/").content.decode()

    assert "EPOC-FR-2026-0118" in page
    assert re.search(r'id="enforcing-state">IE: An Garda Síochána, Mutual Assistance · [^<]*2026-12-11 09:00 UTC', page)


def test_the_grounds_raised_are_the_first_reasons_offered_for_a_rejection(client_for, analyst, epoc):
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        client_for(analyst).post(
            f"/queue/{epoc.ref}/enforcing-decision/", {"decision": "grounds_raised", "grounds": ["double_criminality"]}
        )
        page = client_for(analyst).get(f"/queue/{epoc.ref}/").content.decode()

    reasons = re.search(r'<textarea name="reasons"[^>]*id="id_reject_reasons"[^>]*>(.*?)</textarea>', page, re.S)
    assert reasons is not None
    assert "The enforcing authority (IE) raised a ground for refusal under Article 12" in reasons.group(1)
    assert "Not an offence under the law of the enforcing state" in reasons.group(1)


def test_once_decided_the_page_shows_the_decision_not_the_countdown(client_for, analyst, officer_b, epoc):
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        client_for(analyst).post(f"/queue/{epoc.ref}/enforcing-decision/", {"decision": "no_grounds"})
        page = client_for(analyst).get(f"/queue/{epoc.ref}/").content.decode()
        portal = client_for(officer_b).get(f"/portal/{epoc.ref}/").content.decode()

    assert "May raise grounds until" not in page
    assert "No grounds for refusal raised" in page
    assert 'id="enforcing-decision-form"' not in page
    assert "may raise grounds for refusal until" not in portal


def notified_box_hidden(page: str) -> bool:
    return bool(re.search(r'<div id="enforcing-notified" hidden>', page))


def test_the_notified_box_shows_for_an_epoc_only(client_for, draft_factory, officer_b, shipped_rules):
    epoc = draft_factory(officer_b, **EPOC)
    unnotified = {"enforcing_state": "", "enforcing_authority_name": "", "enforcing_authority_notified": False}
    epoc_pr = draft_factory(officer_b, **{**EPOC, "process_type": "preservation_order", **unnotified})
    client = client_for(officer_b)
    epoc = client.get(f"/portal/{epoc.ref}/edit/").content.decode()
    epoc_pr = client.get(f"/portal/{epoc_pr.ref}/edit/").content.decode()

    assert not notified_box_hidden(epoc) and 'name="enforcing_authority_notified"' in epoc
    assert notified_box_hidden(epoc_pr)
    assert '"notified_process_types": ["production_order"]' in epoc_pr


def test_a_ticked_hidden_notified_box_does_not_refuse_an_epoc_pr(client_for, officer_b, shipped_rules):
    form = {**EPOC_FORM, "process_type": "preservation_order", "enforcing_state": "", "enforcing_authority_name": ""}

    response = client_for(officer_b).post(NEW, form_data(**form))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert LegalRequest.objects.get().enforcing_authority_notified is False
