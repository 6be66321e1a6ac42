"""The answer in the form of Annex III of Regulation (EU) 2023/1543: a European Production Order
(EPOC) of an EU jurisdiction not answered fully gets a signed letter carrying the Annex's sections,
the boxes the analyst ticked and the enforcing authority when one was notified, nothing internal; a
full answer, or a US subpoena's rejection, does not."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.template.loader import get_template
from django.test import TestCase
from django.utils import translation

from disclosure.annex_iii import ANNEX_III_TITLE, GROUND_CODES, GROUNDS
from disclosure.models import Decision, DisclosureSnapshot
from letters.content import LetterKind
from letters.rendering import ANNEX_III_LEADS, ENGLISH_COPY_NAME
from requests_app.choices import Outcome
from requests_app.models import LegalRequest
from requests_app.states import State
from tests.conftest import STAFF, api_client, in_review_create
from tests.letters.conftest import attachments, issued_pdf_of, pdf_text, pdfsig
from workflow.services import do_decide, do_issue_response, do_propose

pytestmark = pytest.mark.django_db

ANNEX_TITLE = "Information on the inability to execute an EPOC or an EPOC-PR"
JUSTIFICATION = "INTERNAL-JUSTIFICATION the certificate names a company we are not"
REVIEW_COMMENT = "INTERNAL-COMMENT agreed"
FOR_THE_AUTHORITY = "Section B of the certificate names another service provider as addressee."
MANIFEST_ERRORS_BOX = "[X] It contains manifest errors."
ENFORCING = "Landgericht Berlin, DE"
FILES = "\n=== attached files ===\n"
TRANSLATE_TAG = re.compile(r'{% translate "([^"]+)" %}')
PAGE_FOOTER = re.compile(r"^\s*LR-\S+\s+Page \d+ \S+ \d+\s*$", re.MULTILINE)
PSEUDO_FRENCH = "(fr) "


@pytest.fixture
def french_account(db):
    from tests.subscribers.conftest import make_account_row

    return make_account_row(
        "acc-fr",
        username="quelquun",
        phone="+33612345678",
        events=[("2026-10-05 10:00:00", "192.0.2.9", 1), ("2026-10-07 11:00:00", "192.0.2.10", 2)],
    )


def epoc_in_review(officer, *, enforcing: bool = False, **overrides) -> LegalRequest:
    """A French European Production Order (EPOC), checked and in review; the enforcing authority
    notified (Art. 8) when told."""
    fields = {"certificate_reference": "EPOC-FR-2026-0007", "ip_purpose": "identification"}
    if enforcing:  # traffic data: notified to the enforcing state (Art. 8)
        fields |= {
            "ip_purpose": "traffic",
            "enforcing_state": "DE",
            "enforcing_authority_name": "Landgericht Berlin",
            "enforcing_authority_notified": True,
        }
    return in_review_create(officer, process_type="production_order", **fields, **overrides)


def decide(legal_request, *, analyst, reviewer, **proposal) -> None:
    do_propose(legal_request=legal_request, actor=analyst, reason=JUSTIFICATION, **proposal)
    with TestCase.captureOnCommitCallbacks(execute=False):
        do_decide(legal_request=legal_request, actor=reviewer, approve=True, comment=REVIEW_COMMENT)
    legal_request.refresh_from_db()


def issued_letter(legal_request) -> tuple[bytes, str, str]:
    """The issued PDF, its text and its English copy's (a French letter carries one; the French catalogue
    never changes it), each single-spaced, the page footers taken out."""
    pdf = issued_pdf_of(do_issue_response(legal_request_id=legal_request.pk))
    legal_request.refresh_from_db()
    english = attachments(pdf).get(ENGLISH_COPY_NAME, pdf)
    letter_text, english_text = (
        " ".join(PAGE_FOOTER.sub("", pdf_text(document)).split()) for document in (pdf, english)
    )
    return pdf, letter_text, english_text


def issued(legal_request) -> tuple[str, str, bytes]:
    """The letter's text in English, everything printed or attached, and the PDF."""
    pdf, letter_text, english_text = issued_letter(legal_request)
    files = {name: data for name, data in attachments(pdf).items() if name != ENGLISH_COPY_NAME}
    everything = (
        letter_text + FILES + english_text + FILES + "\n".join(d.decode(errors="replace") for d in files.values())
    )
    return english_text, " ".join(everything.split()), pdf


def test_an_epoc_rejected_for_manifest_errors_is_answered_with_annex_iii(
    shipped_rules, officer_b, analyst, reviewer, tmp_path
):
    legal_request = epoc_in_review(officer_b, enforcing=True)

    decide(
        legal_request,
        analyst=analyst,
        reviewer=reviewer,
        decision=Decision.REJECT,
        reasons=["The certificate is addressed to another provider."],
        annex_iii_grounds=["manifest_errors"],
        annex_iii_explanation=FOR_THE_AUTHORITY,
    )
    pages, everything, pdf = issued(legal_request)

    # signed, and the signature verifies with an independent validator
    verdict = pdfsig(pdf, tmp_path)
    assert "Signature is Valid." in verdict, verdict
    assert "Document is fully signed" in verdict or "Total document signed" in verdict, verdict
    # the Annex III form, its sections as numbered in the Annex, the ticked box and the explanation
    assert ANNEX_TITLE in pages
    assert "Regulation (EU) 2023/1543, Annex III" in pages
    for section in ("Section A", "Section B", "Section C", "Section D", "Section F", "Section H"):
        assert section in pages, section
    assert MANIFEST_ERRORS_BOX in pages
    assert "[ ] It is incomplete." in pages
    assert "[X] European Production Order Certificate (EPOC)" in pages
    assert "EPOC-FR-2026-0007" in pages
    assert FOR_THE_AUTHORITY in pages
    assert "Art. 10(6), 11(4)" in pages
    # the enforcing authority, notified under Art. 8
    assert "Enforcing authority" in pages and ENFORCING in pages
    # nothing internal: the justification, the reviewer's comment, usernames, ground codes
    assert "INTERNAL-" not in everything
    for username, _email, _role in STAFF.values():
        assert username not in everything
    for code in (code for code in GROUND_CODES if "_" in code):  # the others are plain words of the labels
        assert code not in everything, code


def test_without_an_enforcing_authority_the_annex_names_none(shipped_rules, officer_b, analyst, reviewer):
    legal_request = epoc_in_review(officer_b)

    decide(
        legal_request,
        analyst=analyst,
        reviewer=reviewer,
        decision=Decision.REJECT,
        reasons=["Incomplete."],
        annex_iii_grounds=["incomplete"],
    )
    pages, _everything, _pdf = issued(legal_request)

    assert ANNEX_TITLE in pages and "[X] It is incomplete." in pages
    assert "Enforcing authority" not in pages


def test_a_partial_disclosure_of_an_epoc_carries_its_records_and_annex_iii(
    shipped_rules, french_account, officer_b, analyst, reviewer
):
    legal_request = epoc_in_review(officer_b, categories=["ip_addresses", "phone_number"])

    decide(
        legal_request,
        analyst=analyst,
        reviewer=reviewer,
        decision=Decision.DISCLOSE,
        categories=["ip_addresses"],
        date_from=dt.date(2026, 10, 1),
        date_to=dt.date(2026, 11, 1),
        reasons=["Only the connection records are kept."],
        annex_iii_grounds=["data_not_stored"],
    )
    pages, _everything, pdf = issued(legal_request)

    assert legal_request.outcome == Outcome.PARTIALLY_DISCLOSED
    # the records travel as for any disclosure
    assert "192.0.2.9" in pdf_text(pdf) + "".join(d.decode(errors="replace") for d in attachments(pdf).values())
    assert "ip_events.csv" in attachments(pdf) or any("ip" in name for name in attachments(pdf))
    # and the Annex III part says it could not be executed in full, with the ticked box
    assert ANNEX_TITLE in pages
    assert "The EPOC cannot be executed in full" in pages
    assert "[X] It does not concern data stored by or on behalf of the service provider" in pages


def test_an_epoc_with_no_records_is_answered_with_annex_iii(shipped_rules, officer_b, analyst, reviewer):
    legal_request = epoc_in_review(officer_b, categories=["ip_addresses"])  # no account behind its number

    decide(
        legal_request,
        analyst=analyst,
        reviewer=reviewer,
        decision=Decision.DISCLOSE,
        categories=["ip_addresses"],
        annex_iii_grounds=["data_not_stored"],
    )
    pages, _everything, pdf = issued(legal_request)

    assert legal_request.outcome == Outcome.NO_RECORDS
    assert ANNEX_TITLE in pages and "The EPOC cannot be executed, for the following reasons" in pages
    assert "[X] It does not concern data stored by or on behalf of the service provider" in pages
    assert attachments(pdf) == {} or set(attachments(pdf)) == {"letter-en.pdf"}


def test_a_late_full_disclosure_of_an_epoc_says_so_in_annex_iii(
    shipped_rules, french_account, officer_b, analyst, reviewer
):
    legal_request = epoc_in_review(officer_b, categories=["ip_addresses"])

    with time_machine.travel(legal_request.due_at + dt.timedelta(hours=2), tick=False):
        decide(
            legal_request,
            analyst=analyst,
            reviewer=reviewer,
            decision=Decision.DISCLOSE,
            categories=["ip_addresses"],
            annex_iii_grounds=["de_facto_impossibility"],
            annex_iii_explanation="A flood in our data centre stopped the search for two days.",
        )
        pages, everything, _pdf = issued(legal_request)

    assert legal_request.outcome == Outcome.DISCLOSED
    assert "192.0.2.9" in everything  # the records are given
    assert "The EPOC could not be executed within the deadline" in pages
    assert "[X] Other reasons of de facto impossibility" in pages
    assert "A flood in our data centre" in pages


def test_a_full_disclosure_of_an_epoc_has_no_annex_iii(shipped_rules, french_account, officer_b, analyst, reviewer):
    legal_request = epoc_in_review(officer_b, categories=["ip_addresses"])

    decide(
        legal_request,
        analyst=analyst,
        reviewer=reviewer,
        decision=Decision.DISCLOSE,
        categories=["ip_addresses"],
    )
    pages, _everything, _pdf = issued(legal_request)

    assert legal_request.outcome == Outcome.DISCLOSED
    assert "Annex III" not in pages and ANNEX_TITLE not in pages
    assert DisclosureSnapshot.objects.get(legal_request=legal_request).annex_iii is False


def test_a_us_subpoena_rejection_has_no_annex_iii(shipped_rules, officer_a, analyst, reviewer):
    legal_request = in_review_create(officer_a)

    decide(legal_request, analyst=analyst, reviewer=reviewer, decision=Decision.REJECT, reasons=["No offence named."])
    pages, _everything, _pdf = issued(legal_request)

    assert legal_request.state == State.REJECTED
    assert "Annex III" not in pages and ANNEX_TITLE not in pages


def test_the_officer_sees_the_annex_iii_answer_and_its_grounds_labels_only(shipped_rules, officer_b, analyst, reviewer):
    legal_request = epoc_in_review(officer_b, enforcing=True)
    decide(
        legal_request,
        analyst=analyst,
        reviewer=reviewer,
        decision=Decision.REJECT,
        reasons=["The certificate is addressed to another provider."],
        annex_iii_grounds=["manifest_errors", "insufficient_information"],
        annex_iii_explanation=FOR_THE_AUTHORITY,
    )

    body = api_client(officer_b).get(f"/api/v1/requests/{legal_request.ref}/").json()

    annex = body["annex_iii"]
    assert annex["certificate"] == "EPOC"
    assert [ground["box"] for ground in annex["grounds"]] == [2, 3]
    assert annex["grounds"][0]["citation"] == "Regulation (EU) 2023/1543 Art. 10(6), 11(4)"
    assert annex["explanation"] == FOR_THE_AUTHORITY
    flat = str(body)
    assert "manifest_errors" not in flat and "INTERNAL-" not in flat
    for username, _email, _role in STAFF.values():
        assert username not in flat


def test_the_kind_of_an_annex_iii_rejection_letter_stays_a_rejection(shipped_rules, officer_b, analyst, reviewer):
    legal_request = epoc_in_review(officer_b)
    decide(
        legal_request,
        analyst=analyst,
        reviewer=reviewer,
        decision=Decision.REJECT,
        reasons=["Incomplete."],
        annex_iii_grounds=["incomplete"],
    )

    response = do_issue_response(legal_request_id=legal_request.pk)

    assert response.kind == LetterKind.REJECTION


# The Annex III part in the letter's language, and in English in its English copy


def annex_iii_labels() -> set[str]:
    """Every label the Annex III part prints, as written in the code: its boxes, title, leads and headings."""
    template = Path(get_template("letters/_annex_iii.html").origin.name).read_text()
    with translation.override("en"):
        leads = {str(lead) for lead in ANNEX_III_LEADS.values()}
    return {ground.label for ground in GROUNDS} | {ANNEX_III_TITLE} | leads | set(TRANSLATE_TAG.findall(template))


def po_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture
def pseudo_french(settings, tmp_path) -> dict[str, str]:
    """A French catalogue, compiled by GNU msgfmt, that marks every Annex III label (ahead of the shipped
    one, which may not translate them yet): English words in the English copy are then told from French."""
    folder = tmp_path / "locale" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    translations = {label: PSEUDO_FRENCH + label for label in annex_iii_labels()}
    entries = "".join(f"msgid {po_string(k)}\nmsgstr {po_string(v)}\n\n" for k, v in sorted(translations.items()))
    (folder / "django.po").write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n' + entries)
    subprocess.run(["msgfmt", "-o", str(folder / "django.mo"), str(folder / "django.po")], check=True)
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = 1  # the disclosure below is summarised: letter_render_to_file
    settings.LOCALE_PATHS = [tmp_path / "locale", *settings.LOCALE_PATHS]
    return translations


def box_lines(ground_codes: set[str], label) -> list[str]:
    return [f"{'[X]' if g.code in ground_codes else '[ ]'} {label(g.label)} {g.citation}" for g in GROUNDS]


@pytest.mark.parametrize(
    ("proposal", "lead", "enforcing"),
    [
        (
            {"decision": Decision.REJECT, "reasons": ["Incomplete."], "annex_iii_grounds": ["incomplete"]},
            "The %(certificate)s cannot be executed, for the following reasons:",
            True,
        ),
        (
            {
                "decision": Decision.DISCLOSE,
                "categories": ["ip_addresses"],
                "date_from": dt.date(2026, 10, 1),
                "date_to": dt.date(2026, 11, 1),
                "reasons": ["Only the connection records are kept."],
                "annex_iii_grounds": ["data_not_stored"],
            },
            "The %(certificate)s cannot be executed in full, for the following reasons:",
            False,  # a disclosure notified to an enforcing authority waits for its answer
        ),
    ],
    ids=["rejection", "summarised-partial-disclosure"],
)
def test_the_annex_iii_labels_follow_the_language_of_each_copy(
    pseudo_french, shipped_rules, french_account, officer_b, analyst, reviewer, proposal, lead, enforcing
):
    legal_request = epoc_in_review(officer_b, enforcing=enforcing, categories=["ip_addresses", "phone_number"])
    decide(legal_request, analyst=analyst, reviewer=reviewer, **proposal)

    _pdf, french, english = issued_letter(legal_request)

    ticked = set(proposal["annex_iii_grounds"])
    # the English copy: every label in English, none of the French catalogue's
    assert PSEUDO_FRENCH not in english
    for line in box_lines(ticked, str):
        assert line in english, line
    assert lead % {"certificate": "EPOC"} in english
    assert ANNEX_III_TITLE in english and "Section A: Certificate concerned" in english
    assert ("Enforcing authority Landgericht Berlin" in english) is enforcing
    # the French letter: every label from the French catalogue, none left in English
    for line in box_lines(ticked, pseudo_french.get):
        assert line in french, line
    assert pseudo_french[lead] % {"certificate": "EPOC"} in french
    assert pseudo_french[ANNEX_III_TITLE] in french and pseudo_french["Section A: Certificate concerned"] in french
    for label, marked in pseudo_french.items():
        if len(label.split()) >= 3 and "%(" not in label:  # shorter words may be the same in French text
            assert french.count(label) == french.count(marked), label


def test_the_english_copy_of_a_french_annex_iii_has_none_of_the_shipped_french_labels(
    shipped_rules, officer_b, analyst, reviewer
):
    legal_request = epoc_in_review(officer_b)
    decide(
        legal_request,
        analyst=analyst,
        reviewer=reviewer,
        decision=Decision.REJECT,
        reasons=["Incomplete."],
        annex_iii_grounds=["incomplete"],
    )

    _pdf, french, english = issued_letter(legal_request)

    for line in box_lines({"incomplete"}, str):
        assert line in english, line
    with translation.override("fr"):
        translated = {label: translation.gettext(label) for label in annex_iii_labels()}
    boxes = {ground.label for ground in GROUNDS}
    for label, in_french in translated.items():
        if in_french != label and "%(" not in label:
            assert not re.search(rf"(?<!\w){re.escape(in_french)}(?!\w)", english), in_french
            assert label not in boxes or in_french in french, in_french
