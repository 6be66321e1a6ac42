"""The answer in the form of Annex III of Regulation (EU) 2023/1543: a European Production Order
(EPOC) of an EU jurisdiction not answered fully gets a signed letter carrying the Annex's sections,
the boxes the analyst ticked and the enforcing authority when one was notified, nothing internal; a
full answer, or a US subpoena's rejection, does not."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import TestCase

from disclosure.annex_iii import GROUND_CODES
from disclosure.models import Decision, DisclosureSnapshot
from letters.content import LetterKind
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


def issued(legal_request, tmp_path) -> tuple[str, str, bytes]:
    """The letter's pages as text, the pages and attached files, and the PDF."""
    response = do_issue_response(legal_request_id=legal_request.pk)
    pdf = issued_pdf_of(response)
    legal_request.refresh_from_db()
    files = attachments(pdf)
    text = pdf_text(pdf)
    everything = text + FILES + "\n".join(data.decode(errors="replace") for data in files.values())
    return " ".join(text.split()), " ".join(everything.split()), pdf


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
    pages, everything, pdf = issued(legal_request, tmp_path)

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


def test_without_an_enforcing_authority_the_annex_names_none(shipped_rules, officer_b, analyst, reviewer, tmp_path):
    legal_request = epoc_in_review(officer_b)

    decide(
        legal_request,
        analyst=analyst,
        reviewer=reviewer,
        decision=Decision.REJECT,
        reasons=["Incomplete."],
        annex_iii_grounds=["incomplete"],
    )
    pages, _everything, _pdf = issued(legal_request, tmp_path)

    assert ANNEX_TITLE in pages and "[X] It is incomplete." in pages
    assert "Enforcing authority" not in pages


def test_a_partial_disclosure_of_an_epoc_carries_its_records_and_annex_iii(
    shipped_rules, french_account, officer_b, analyst, reviewer, tmp_path
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
    pages, _everything, pdf = issued(legal_request, tmp_path)

    assert legal_request.outcome == Outcome.PARTIALLY_DISCLOSED
    # the records travel as for any disclosure
    assert "192.0.2.9" in pdf_text(pdf) + "".join(d.decode(errors="replace") for d in attachments(pdf).values())
    assert "ip_events.csv" in attachments(pdf) or any("ip" in name for name in attachments(pdf))
    # and the Annex III part says it could not be executed in full, with the ticked box
    assert ANNEX_TITLE in pages
    assert "The EPOC cannot be executed in full" in pages
    assert "[X] It does not concern data stored by or on behalf of the service provider" in pages


def test_an_epoc_with_no_records_is_answered_with_annex_iii(shipped_rules, officer_b, analyst, reviewer, tmp_path):
    legal_request = epoc_in_review(officer_b, categories=["ip_addresses"])  # no account behind its number

    decide(
        legal_request,
        analyst=analyst,
        reviewer=reviewer,
        decision=Decision.DISCLOSE,
        categories=["ip_addresses"],
        annex_iii_grounds=["data_not_stored"],
    )
    pages, _everything, pdf = issued(legal_request, tmp_path)

    assert legal_request.outcome == Outcome.NO_RECORDS
    assert ANNEX_TITLE in pages and "The EPOC cannot be executed, for the following reasons" in pages
    assert "[X] It does not concern data stored by or on behalf of the service provider" in pages
    assert attachments(pdf) == {} or set(attachments(pdf)) == {"letter-en.pdf"}


def test_a_late_full_disclosure_of_an_epoc_says_so_in_annex_iii(
    shipped_rules, french_account, officer_b, analyst, reviewer, tmp_path
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
        pages, everything, _pdf = issued(legal_request, tmp_path)

    assert legal_request.outcome == Outcome.DISCLOSED
    assert "192.0.2.9" in everything  # the records are given
    assert "The EPOC could not be executed within the deadline" in pages
    assert "[X] Other reasons of de facto impossibility" in pages
    assert "A flood in our data centre" in pages


def test_a_full_disclosure_of_an_epoc_has_no_annex_iii(
    shipped_rules, french_account, officer_b, analyst, reviewer, tmp_path
):
    legal_request = epoc_in_review(officer_b, categories=["ip_addresses"])

    decide(
        legal_request,
        analyst=analyst,
        reviewer=reviewer,
        decision=Decision.DISCLOSE,
        categories=["ip_addresses"],
    )
    pages, _everything, _pdf = issued(legal_request, tmp_path)

    assert legal_request.outcome == Outcome.DISCLOSED
    assert "Annex III" not in pages and ANNEX_TITLE not in pages
    assert DisclosureSnapshot.objects.get(legal_request=legal_request).annex_iii is False


def test_a_us_subpoena_rejection_has_no_annex_iii(shipped_rules, officer_a, analyst, reviewer, tmp_path):
    legal_request = in_review_create(officer_a)

    decide(legal_request, analyst=analyst, reviewer=reviewer, decision=Decision.REJECT, reasons=["No offence named."])
    pages, _everything, _pdf = issued(legal_request, tmp_path)

    assert legal_request.state == State.REJECTED
    assert "Annex III" not in pages and ANNEX_TITLE not in pages


def test_the_officer_sees_the_annex_iii_answer_and_its_grounds_labels_only(
    shipped_rules, officer_b, analyst, reviewer, tmp_path
):
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


def test_the_kind_of_an_annex_iii_rejection_letter_stays_a_rejection(
    shipped_rules, officer_b, analyst, reviewer, tmp_path
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

    response = do_issue_response(legal_request_id=legal_request.pk)

    assert response.kind == LetterKind.REJECTION
