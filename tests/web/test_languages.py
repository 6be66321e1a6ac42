"""The officers' portal in their agency's language, the officer's own choice above it, and the
form's messages in words of that language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from requests_app.models import Agency, Officer, OfficerStatus

pytestmark = pytest.mark.django_db


def test_an_officer_of_a_french_agency_sees_the_portal_in_french(client_for, officer_b):
    page = client_for(officer_b).get(reverse("web:portal"))

    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="fr">' in html
    assert "Demandes de Police nationale" in html
    assert "Nouvelle demande" in html
    assert "Se déconnecter" in html
    assert page["Content-Language"] == "fr"


def test_the_agency_setting_decides_not_the_country(client_for, officer_b):
    Agency.objects.filter(pk=officer_b.officer.agency_id).update(language="de")

    html = client_for(officer_b).get(reverse("web:portal")).content.decode()

    assert '<html lang="de">' in html
    assert "Ersuchen von Police nationale" in html


def test_an_officer_of_an_english_agency_sees_english_whatever_the_browser_asks(client_for, officer_a):
    html = client_for(officer_a, HTTP_ACCEPT_LANGUAGE="de").get(reverse("web:portal")).content.decode()

    assert '<html lang="en">' in html
    assert "Requests of Springfield PD" in html


def test_the_officers_own_choice_wins_over_the_agencys(client_for, officer_b):
    client = client_for(officer_b)

    chosen = client.post(reverse("set_language"), {"language": "en", "next": reverse("web:portal")})
    html = client.get(reverse("web:portal")).content.decode()

    assert chosen.status_code == 302 and chosen["Location"] == reverse("web:portal")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in html
    assert "Requests of Police nationale" in html


def test_the_language_chooser_is_a_post_form_with_a_csrf_token_and_no_script(client_for, officer_b):
    html = client_for(officer_b, enforce_csrf_checks=True).get(reverse("web:portal")).content.decode()

    form = html[html.index('<form class="language"') : html.index("</form>", html.index('<form class="language"'))]
    assert 'method="post"' in form and f'action="{reverse("set_language")}"' in form
    assert "csrfmiddlewaretoken" in form
    for code in ("en", "fr", "de"):
        assert f'<option value="{code}"' in form
    assert "<script" not in form


def test_a_visitor_gets_the_verification_page_in_the_browsers_language(client):
    html = client.get(reverse("web:verify"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Eine signierte Antwort prüfen" in html


def test_the_request_form_speaks_french_and_says_what_is_wrong_in_french(client_for, officer_b):
    client = client_for(officer_b)

    blank = client.get(reverse("web:portal-create")).content.decode()
    refused = client.post(
        reverse("web:portal-create"), {"targets": "fax:123\nphone", "categories": ["phone_number"]}
    ).content.decode()

    assert "Fondement juridique" in blank and "Créer le brouillon" in blank
    assert "Données demandées" in blank
    assert "Veuillez corriger les champs signalés ci-dessous." in refused
    assert "Ligne 1 : « fax » n&#x27;est pas un type de cible" in refused
    assert "Ligne 2 : écrivez « type:valeur »" in refused


def test_state_names_are_translated_where_the_officer_reads_them(client_for, officer_b, shipped_rules):
    from tests.conftest import submitted_create

    legal_request = submitted_create(officer_b)
    html = client_for(officer_b).get(reverse("web:portal-detail", kwargs={"ref": legal_request.ref})).content.decode()

    french = {"received": "Reçue", "needs_info": "Informations demandées", "in_review": "En cours d&#x27;examen"}
    assert french[legal_request.state] in html


def test_a_visitor_registers_in_the_browsers_language(client, agency_a):
    login = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    page = client.get(reverse("web:register"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Inscrivez-vous avec votre adresse officielle" in login
    assert "Utilisez votre adresse professionnelle officielle" in page
    assert "Adresse e-mail officielle" in page and "Numéro de matricule ou de service" in page
    assert "Register" not in page.replace(reverse("web:register"), "")


def test_an_officer_reads_their_accounts_status_in_the_agencys_language(client_for, officer_b):
    officer = officer_b.officer
    Officer.objects.filter(pk=officer.pk).update(status=OfficerStatus.AWAITING_APPROVAL)
    awaiting = client_for(officer_b).get(reverse("web:portal")).content.decode()

    Officer.objects.filter(pk=officer.pk).update(status=OfficerStatus.APPROVED, verified_until=timezone.now())
    Agency.objects.filter(pk=officer.agency_id).update(language="de")
    due = client_for(officer_b).get(reverse("web:portal")).content.decode()

    assert "vous pouvez préparer des brouillons" in awaiting
    assert "Ihre Verifizierung endet am" in due and "Mir einen Bestätigungslink senden" in due
