"""The portal's guided form asks whether the letter should carry a certificate of authenticity of the
records; the officer's page and the legal team's page show the answer."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from requests_app.models import LegalRequest
from tests.web.test_portal import NEW, detail_url, form_data

pytestmark = pytest.mark.django_db


def test_the_officer_asks_for_the_certificate_in_the_form_and_both_pages_show_it(client_for, officer_a, analyst):
    form = client_for(officer_a).get(NEW).content.decode()
    assert 'name="authenticity_certificate"' in form

    client_for(officer_a).post(NEW, form_data(authenticity_certificate="on"))

    legal_request = LegalRequest.objects.get()
    assert legal_request.authenticity_certificate is True
    officer_page = client_for(officer_a).get(detail_url(legal_request)).content.decode()
    assert 'id="authenticity-certificate">asked for' in officer_page
    staff_page = client_for(analyst).get(reverse("web:staff-detail", kwargs={"ref": legal_request.ref})).content
    assert 'id="authenticity-certificate">asked for' in staff_page.decode()


def test_unticked_the_certificate_is_not_asked_for_and_the_correction_form_keeps_it(client_for, officer_a):
    client = client_for(officer_a)
    client.post(NEW, form_data())
    legal_request = LegalRequest.objects.get()
    assert legal_request.authenticity_certificate is False
    assert 'id="authenticity-certificate">not asked for' in client.get(detail_url(legal_request)).content.decode()

    client.post(detail_url(legal_request, "web:portal-edit"), form_data(authenticity_certificate="on"))

    legal_request.refresh_from_db()
    assert legal_request.authenticity_certificate is True
    edit = client.get(detail_url(legal_request, "web:portal-edit")).content.decode()
    widget = re.search(r'<input type="checkbox" name="authenticity_certificate"[^>]*>', edit)
    assert widget and "checked" in widget.group(0)
