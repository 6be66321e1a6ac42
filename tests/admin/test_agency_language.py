"""An agency's language in the admin: its country's unless the administrator chooses one."""

from __future__ import annotations

import pytest

from requests_app.models import Agency
from tests.admin.conftest import admin_form

pytestmark = pytest.mark.django_db

ADD = "/admin/requests_app/agency/add/"


@pytest.mark.parametrize(("country", "chosen", "expected"), [("fr", "", "fr"), ("at", "", "de"), ("fr", "en", "en")])
def test_a_new_agency_speaks_its_countrys_language_unless_one_is_chosen(admin_client, country, chosen, expected):
    data = admin_form(admin_client, ADD, "agency_form")
    data.update(name="Gendarmerie", country=country, email_domains='["gendarmerie.example"]', language=chosen)

    response = admin_client.post(ADD, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Agency.objects.get(name="Gendarmerie").language == expected


def test_changing_the_language_of_an_agency_is_kept(admin_client, agency_b):
    url = f"/admin/requests_app/agency/{agency_b.pk}/change/"
    data = admin_form(admin_client, url, "agency_form")
    assert data["language"] == ["fr"]  # a select's chosen options
    data["language"] = "de"

    assert admin_client.post(url, data).status_code == 302

    agency_b.refresh_from_db()
    assert agency_b.language == "de"
