"""Letters in the requesting agency's language: headings, dates and numbers in French or German,
the rules' messages and citations exactly as the rule sets give them, and an English copy embedded
in the signed PDF. Read back with pdftotext; the issued letter's signature checked independently."""

from __future__ import annotations

import re

import pytest

from demo.letter_samples import sample_decision, sample_letter_content, sample_rejection_content, sample_target
from disclosure.records import RuleFinding
from letters.rendering import ENGLISH_COPY_NAME, letter_render
from letters.selectors import response_verify
from requests_app.models import Agency
from requests_app.services import agency_create
from tests.letters.conftest import attachments, issued_pdf_of, pdf_text, pdfsig

# A rule set written in one language: its message and its citation are quoted, never translated.
GERMAN_FINDING = RuleFinding(
    rule="de.bestandsdaten",
    message="Die Auskunft über Bestandsdaten setzt ein Ersuchen nach § 100j StPO voraus.",
    citation="§ 100j Abs. 1 Satz 1 StPO; § 22 TDDDG",
)
ENGLISH_FINDING = RuleFinding(
    rule="eu.epoc_offence",
    message="The offence must carry a maximum sentence of at least 3 years.",
    citation="Regulation (EU) 2023/1543, Art. 5(4)(b)",
)


def single_spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_a_german_letter_is_written_in_german_with_german_dates_and_numbers():
    content = sample_letter_content(decision=sample_decision(targets=(sample_target(events=1500),)), language="de")

    rendered = letter_render(content)
    text = single_spaced(pdf_text(rendered.pdf))

    for expected in (
        "Antwort auf ein Ersuchen um Nutzerdaten: Daten herausgegeben",
        "Unser Zeichen LR-2026-000042",
        "Ersuchende Behörde Springfield Police Department",
        "Gericht: U.S. District Court, D. Springfield",
        "ausgestellt am 20. November 2026",  # DATE_FORMAT of German: 'j. F Y'
        "Eingangsdatum 20. November 2026 14:03 UTC",
        "1.500 IP-Ereignisse",  # German digit grouping
        "Daten je Zielperson",
        "Seite 1 von",  # the letter's footer and the annex's, both in German
        "Anlage: IP-Ereignisse der Zielperson 1",
        "Eine englische Fassung dieses Schreibens ist diesem PDF als letter-en.pdf beigefügt",
    ):
        assert expected in text, expected
    assert "Response to a request" not in text
    assert "2026-11-20" not in text


def test_a_letter_not_in_english_carries_its_english_copy_and_an_english_one_carries_none():
    decision = sample_decision(targets=(sample_target(events=3),))

    german = letter_render(sample_letter_content(decision=decision, language="de"))
    english = letter_render(sample_letter_content(decision=decision))

    files = attachments(german.pdf)
    copy = single_spaced(pdf_text(files[ENGLISH_COPY_NAME]))
    assert "Response to a request for user data: records disclosed" in copy
    assert "issued 2026-11-20" in copy  # English letters keep ISO 8601 dates
    assert "Page 1 of" in copy
    assert "Ersuchen" not in copy
    # The machine-readable records ride on the signed letter once, not again inside the copy.
    assert set(files) == {ENGLISH_COPY_NAME, *attachments(english.pdf)}
    assert ENGLISH_COPY_NAME not in attachments(english.pdf)
    assert not attachments(files[ENGLISH_COPY_NAME])


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Pourquoi la demande est rejetée"), ("de", "Warum das Ersuchen abgelehnt wird")]
)
def test_the_rules_messages_and_citations_are_printed_as_the_rule_sets_give_them(language, heading):
    content = sample_rejection_content(failing_rules=(GERMAN_FINDING, ENGLISH_FINDING), language=language)

    text = single_spaced(pdf_text(letter_render(content).pdf))

    assert heading in text
    for finding in (GERMAN_FINDING, ENGLISH_FINDING):
        assert finding.message in text
        assert finding.citation in text
    assert "The order does not name a criminal offence." in text  # the reviewers' own words, as written


def test_a_french_letter_prints_french_dates_and_the_refusals_standard_wording_in_french():
    from disclosure.records import RefusedItem
    from disclosure.services import REASON_NARROWED

    decision = sample_decision(
        targets=(sample_target(events=2),),
        outcome="partially_disclosed",
        refused=(RefusedItem(what="Subscriber profile", reason=REASON_NARROWED),),
    )
    text = single_spaced(pdf_text(letter_render(sample_letter_content(decision=decision, language="fr")).pdf))

    assert "données communiquées en partie" in text
    assert "émis le 20 novembre 2026" in text
    assert "Profil de l'abonné: Restreint par l'examen juridique." in text


@pytest.mark.parametrize(
    ("country", "language"), [("FR", "fr"), ("DE", "de"), ("AT", "de"), ("US", "en"), ("BE", "en")]
)
def test_an_agency_writes_in_its_countrys_language_unless_told_otherwise(db, country, language):
    agency = agency_create(name=f"Agency {country}", country=country, email_domains=[f"{country.lower()}.example"])
    assert agency.language == language

    chosen = agency_create(name=f"Other {country}", country=country, email_domains=["x.example"], language="en")
    assert chosen.language == "en"


@pytest.mark.django_db
def test_the_issued_letter_follows_the_agencys_language_and_its_signature_still_verifies(
    decided_factory, officer_a, account, tmp_path
):
    from workflow.services import do_issue_response

    Agency.objects.filter(pk=officer_a.officer.agency_id).update(language="de")
    legal_request = decided_factory(officer_a)

    pdf = issued_pdf_of(do_issue_response(legal_request_id=legal_request.pk))

    text = single_spaced(pdf_text(pdf))
    assert "Antwort auf ein Ersuchen um Nutzerdaten" in text
    assert legal_request.ref in text
    copy = attachments(pdf)[ENGLISH_COPY_NAME]
    assert "Response to a request for user data" in single_spaced(pdf_text(copy))
    verification = response_verify(pdf)
    assert verification.valid, verification.problems
    assert verification.reference == legal_request.ref
    assert "Signature Validation: Signature is Valid." in pdfsig(pdf, tmp_path)
