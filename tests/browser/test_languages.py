"""A request filed in French: officer.fr's portal speaks French, and the letter downloaded from it is
written in French (read with pdftotext from the real signed PDF), carries its English copy, and its
signature still verifies."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.utils import formats, translation
from playwright.sync_api import expect

from letters.models import Response
from letters.rendering import ENGLISH_COPY_NAME
from tests.conftest import make_pdf
from tests.letters.conftest import attachments, pdf_text, pdfsig

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE_WIDTH = {"width": 390, "height": 844}
DESKTOP_WIDTH = {"width": 1366, "height": 900}


def single_spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def file_a_french_request(page, screenshot) -> str:
    """The officer files a French court order in the French portal; returns its reference."""
    page.get_by_role("link", name="Nouvelle demande").first.click()
    form = page.locator("#request-form")
    form.get_by_label("Juridiction").select_option("FR")
    form.get_by_label("Acte juridique", exact=True).select_option("court_order")
    form.get_by_label("Autorité émettrice", exact=True).select_option("judge")
    form.get_by_label("Nom de l'autorité émettrice").fill("Juge d'instruction, TJ Paris")
    form.get_by_label("Acte émis le").fill("2026-11-20")
    form.get_by_label("Numéro de procédure").fill("PARQUET-2026-118")
    form.get_by_label("Catégorie d'infraction").select_option("fraud")
    form.get_by_label("Peine maximale (années)").fill("10")
    form.get_by_label("Infraction faisant l'objet de l'enquête").fill("Escroquerie en bande organisée (art. 313-2 CP)")
    form.get_by_label("Le comportement du suspect enfreint les conditions d'utilisation de la plateforme").check()
    form.get_by_label("Adresses IP (avec horodatage et ports)").check()
    form.get_by_label("Numéros de téléphone", exact=True).check()
    form.get_by_label("Données à partir du").fill("2026-10-01")
    form.get_by_label("Données jusqu'au").fill("2026-11-01")
    form.get_by_label("Cibles").fill("username:@someone")
    form.get_by_label("Acte juridique (PDF)").set_input_files(
        {"name": "ordonnance.pdf", "mimeType": "application/pdf", "buffer": make_pdf("Ordonnance")}
    )
    screenshot(page, "portal-fr-new-request")
    page.get_by_role("button", name="Créer le brouillon").click()

    expect(page.locator(".messages")).to_contain_text("créé")
    ref = re.search(r"LR-\d{4}-\d{6}", page.locator("h1").inner_text()).group(0)
    expect(page.get_by_role("link", name="ordonnance.pdf")).to_be_visible()
    page.get_by_role("button", name="Vérifier avant de déposer").click()
    expect(page.locator("#precheck-heading")).to_have_text("Vérifier avant de déposer")
    expect(page.locator("#precheck-retention")).to_contain_text("Conservation")
    screenshot(page, "portal-fr-precheck")
    page.get_by_role("button", name="Déposer la demande").click()
    expect(page.locator(".messages")).to_contain_text("déposée")
    return ref


def approve_through_the_services(ref: str, analyst, reviewer) -> None:
    """The legal team's part, through the same services its pages call (tested in their own right),
    in a thread of its own: the letter is signed on approval, and pyHanko cannot sign in the test's
    thread, where Playwright keeps an event loop running."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            _approve(ref, analyst, reviewer)
        except BaseException as error:  # re-raised in the test's thread
            failures.append(error)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if failures:
        raise failures[0]


def _approve(ref: str, analyst, reviewer) -> None:
    import datetime as dt

    from requests_app.models import LegalRequest
    from workflow.services import do_decide, do_propose

    legal_request = LegalRequest.objects.get(ref=ref)
    do_propose(
        legal_request=legal_request,
        actor=analyst,
        decision="disclose",
        categories=["ip_addresses", "phone_number"],
        date_from=dt.date(2026, 10, 1),
        date_to=dt.date(2026, 11, 1),
        reason="Ordonnance en règle.",
    )
    do_decide(legal_request=legal_request, actor=reviewer, approve=True, comment="D'accord.")


def test_a_request_filed_in_french_gets_a_french_letter_with_its_english_copy(
    officer_b, analyst, reviewer, shipped_rules, platform_account, browser_as, screenshot, tmp_path
):
    # given officer.fr, whose agency writes French, in the portal
    officer = browser_as(officer_b)
    expect(officer.locator("html")).to_have_attribute("lang", "fr")
    expect(officer.locator("h1")).to_have_text("Demandes de Police nationale")

    # when they file the request in French and the legal team approves it
    ref = file_a_french_request(officer, screenshot)
    expect(officer.locator("#request-state")).to_have_text("En cours d'examen")
    approve_through_the_services(ref, analyst, reviewer)

    # then the portal says so in French, and the letter downloaded from it is in French
    officer.reload()
    expect(officer.locator("#request-state")).to_have_text("Répondue")
    for name, viewport in (("portal-fr-request-1366", DESKTOP_WIDTH), ("portal-fr-request-390", PHONE_WIDTH)):
        officer.set_viewport_size(viewport)
        screenshot(officer, name)
    officer.set_viewport_size(DESKTOP_WIDTH)
    with officer.expect_download() as download_info:
        officer.get_by_role("link", name="Télécharger la lettre signée (PDF)").click()
    letter = Path(download_info.value.path()).read_bytes()
    response = Response.objects.get(legal_request__ref=ref)

    text = single_spaced(pdf_text(letter))
    with translation.override("fr"):
        answered_on = formats.date_format(response.stored_at.date(), "DATE_FORMAT")  # e.g. "1 décembre 2026"
    for expected in (
        "Réponse à une demande de données d'utilisateur : données communiquées",
        f"Notre référence {ref}",
        "Ordonnance judiciaire",
        "émis le 20 novembre 2026",
        f"Date de la réponse {answered_on}",
        "Données par cible",
        "Une copie en anglais de cette lettre est jointe à ce PDF (letter-en.pdf)",
    ):
        assert expected in text, expected
    assert "Response to a request" not in text

    # ... carries its English copy inside the signed file
    english = single_spaced(pdf_text(attachments(letter)[ENGLISH_COPY_NAME]))
    assert "Response to a request for user data: records disclosed" in english
    assert f"Our reference {ref}" in english

    # ... and its signature, which covers the copy too, still verifies
    assert "Signature Validation: Signature is Valid." in pdfsig(letter, tmp_path)
    # (the public verification page, in the officer's French, checks it the same way as the API)
    officer.get_by_role("link", name="Vérifier une réponse signée").click()
    officer.get_by_label("Réponse signée (PDF)").set_input_files(
        {"name": "lettre.pdf", "mimeType": "application/pdf", "buffer": letter}
    )
    officer.get_by_role("button", name="Vérifier").click()
    expect(officer.locator("#verification-result")).to_have_attribute("data-valid", "true")
    expect(officer.locator("#result-heading")).to_have_text("Valide")
    expect(officer.locator("#verified-reference")).to_have_text(ref)


def test_the_french_portal_list_fits_a_desktop_and_a_phone(officer_b, shipped_rules, browser_as, screenshot):
    from tests.conftest import submitted_create

    submitted_create(officer_b)
    officer = browser_as(officer_b)
    expect(officer.locator("h1")).to_have_text("Demandes de Police nationale")
    expect(officer.get_by_role("button", name="Se déconnecter")).to_be_visible()
    for name, viewport in (("portal-fr-1366", DESKTOP_WIDTH), ("portal-fr-390", PHONE_WIDTH)):
        officer.set_viewport_size(viewport)
        screenshot(officer, name)

    # the officer chooses English in the header: their choice wins over the agency's
    officer.get_by_label("Langue").select_option("en")
    officer.get_by_role("button", name="Changer").click()
    expect(officer.locator("h1")).to_have_text("Requests of Police nationale")
    expect(officer.locator("html")).to_have_attribute("lang", "en")
