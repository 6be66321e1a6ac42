"""The guided request form: required marks, presets from the agency, the document in the same form,
the warning for a category the process cannot reach, and the check before filing on the page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEntry
from requests_app.models import LegalRequest
from tests.conftest import draft_create, pdf_file
from tests.web.test_portal import NEW, form_data

pytestmark = pytest.mark.django_db


def input_tag(page: str, name: str) -> str:
    return re.search(rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*>', page).group(0)


def test_required_fields_are_marked_for_eyes_and_screen_readers(client_for, officer_b, shipped_rules):
    page = client_for(officer_b).get(NEW).content.decode()

    assert 'id="required-legend"' in page
    for name in ("jurisdiction", "process_type", "targets", "terms_violation", "offense_max_sentence_years"):
        assert 'aria-required="true"' in input_tag(page, name), name
    assert 'aria-required="true"' not in input_tag(page, "nondisclosure_until")
    group = re.search(r'<fieldset class="field choice-group[^>]*>\s*<legend[^>]*>.*?</legend>', page, re.S).group(0)
    assert "(obligatoire)" in group  # officer_b's agency writes French: the portal speaks it


def test_the_jurisdiction_and_authority_type_are_preset_from_the_agency(client_for, officer_b, shipped_rules):
    draft_create(officer_b, issuing_authority={"type": "prosecutor", "name": "Parquet de Paris"})

    page = client_for(officer_b).get(NEW).content.decode()

    assert re.search(r'<option value="FR" selected>', page)
    assert re.search(r'<option value="prosecutor" selected>', page)


def test_the_size_limit_is_stated_before_the_upload(client_for, officer_a, settings):
    settings.LAWREQ_MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

    page = client_for(officer_a).get(NEW).content.decode()

    assert "at most 5 MB" in page
    assert 'enctype="multipart/form-data"' in page


def test_the_document_is_uploaded_in_the_same_form(client_for, officer_a, shipped_rules):
    response = client_for(officer_a).post(NEW, {**form_data(), "file": pdf_file()})

    legal_request = LegalRequest.objects.get()
    assert response.status_code == 302
    assert legal_request.documents.count() == 1


def test_a_refused_document_leaves_no_draft_behind(client_for, officer_a, shipped_rules):
    from django.core.files.uploadedfile import SimpleUploadedFile

    not_pdf = SimpleUploadedFile("order.pdf", b"just text", content_type="application/pdf")

    response = client_for(officer_a).post(NEW, {**form_data(), "file": not_pdf})

    assert response.status_code == 415
    assert not LegalRequest.objects.exists()
    assert "has-error" in response.content.decode()


def test_a_category_the_process_cannot_reach_is_warned_at_intake(client_for, officer_a, shipped_rules):
    client = client_for(officer_a)

    response = client.post(NEW, form_data(categories=["content", "phone_number"]), follow=True)

    page = response.content.decode()
    assert "Message content cannot be obtained with a subpoena" in page
    assert "Platform policy: no disclosure of message content" in page
    assert "Phone numbers cannot" not in page


def test_a_backwards_period_is_reported_in_words(client_for, officer_a):
    response = client_for(officer_a).post(NEW, form_data(date_from="2026-11-02", date_to="2026-11-01"))

    errors = response.context["form"].errors["date_from"]
    assert not any("date_from" in error or "date_to" in error for error in errors)


def test_the_check_before_filing_shows_the_missing_statement_with_its_citation(client_for, officer_a, shipped_rules):
    legal_request = draft_create(officer_a, terms_violation=False)

    response = client_for(officer_a).post(reverse("web:portal-precheck", kwargs={"ref": legal_request.ref}))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="precheck"' in page
    assert "must state that the suspect&#x27;s conduct breaks the platform&#x27;s terms of service" in page
    assert "Platform policy since September 2024" in page
    assert AuditEntry.objects.filter(action=AuditAction.REQUEST_PRECHECKED, request_ref=legal_request.ref).exists()
    # the page shows the targets again: a read of personal data, audited as such
    assert AuditEntry.objects.filter(action=AuditAction.REQUEST_VIEWED, request_ref=legal_request.ref).exists()
    legal_request.refresh_from_db()
    assert legal_request.state == "draft"


def test_the_stepper_shows_where_the_draft_stands(client_for, officer_a, shipped_rules):
    without_document = draft_create(officer_a, with_document=False)
    page = client_for(officer_a).get(reverse("web:portal-detail", kwargs={"ref": without_document.ref})).content
    assert re.search(rb'aria-current="step"><span class="n" aria-hidden="true">2</span>', page)
