"""What goes outside and what stays inside: every kind of letter, rendered and signed for real, says
only what is meant for the requester. The analyst's justification, the reviewer's comment, codes,
staff usernames and our database ids stay inside."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import TestCase

from disclosure.models import Decision
from letters.content import LetterKind
from letters.models import Response
from requests_app.choices import (
    AuthorityType,
    Category,
    LegalChannel,
    OffenseCategory,
    Outcome,
    ProcessType,
    TargetType,
)
from requests_app.states import State
from rules.models import CheckRun
from tests.conftest import STAFF, in_review_create
from tests.letters.conftest import attachments, issued_pdf_of, pdf_text
from workflow.services import do_decide, do_issue_response, do_propose

pytestmark = pytest.mark.django_db

JUSTIFICATION = "INTERNAL-JUSTIFICATION the suspect is also known to our trust and safety team"
REVIEW_COMMENT = "INTERNAL-COMMENT fine, but watch the retention window"
FOR_THE_REQUESTER = "Only the days around the offence are needed for the investigation."
REJECTED_BECAUSE = "The subpoena does not name the offence under investigation."
FILES = "\n=== attached files ===\n"

# Codes a person reads as jargon: every vocabulary value written with an underscore.
CODES = sorted(
    {
        value
        for choices in (Category, ProcessType, AuthorityType, LegalChannel, OffenseCategory, Outcome, TargetType)
        for value in choices.values
        if "_" in value
    }
    | {value for value in Decision.values if "_" in value}
    | {value for value in State.values if "_" in value}
)


def _decide(legal_request, *, analyst, reviewer, **proposal) -> None:
    do_propose(legal_request=legal_request, actor=analyst, reason=JUSTIFICATION, **proposal)
    with TestCase.captureOnCommitCallbacks(execute=False):
        do_decide(legal_request=legal_request, actor=reviewer, approve=True, comment=REVIEW_COMMENT)


def _issued_text(legal_request) -> tuple[str, str]:
    """The letter's kind, and its text: the pages, then the attached record files (machine-readable:
    they name categories by code, but nothing internal either)."""
    response = do_issue_response(legal_request_id=legal_request.pk)
    pdf = issued_pdf_of(response)
    files = "\n".join(data.decode() for data in attachments(pdf).values())
    return Response.objects.get(pk=response.pk).kind, pdf_text(pdf) + FILES + files


def _letter_of_kind(kind: str, *, officer, analyst, reviewer, account) -> tuple[object, str, str]:
    if kind == LetterKind.DISCLOSURE:
        account()
        legal_request = in_review_create(
            officer, categories=["content", "ip_addresses", "phone_number", "subscriber_profile"]
        )
        suspect = legal_request.targets.order_by("id").first()
        _decide(
            legal_request,
            analyst=analyst,
            reviewer=reviewer,
            decision=Decision.DISCLOSE,
            targets=[suspect.pk],
            categories=["ip_addresses", "phone_number", "subscriber_profile"],
            date_from=dt.date(2026, 10, 5),
            date_to=dt.date(2026, 10, 20),
            reasons=[FOR_THE_REQUESTER],
        )
    elif kind == LetterKind.NO_RECORDS:
        legal_request = in_review_create(officer)
        _decide(
            legal_request,
            analyst=analyst,
            reviewer=reviewer,
            decision=Decision.DISCLOSE,
            categories=["ip_addresses", "phone_number"],
        )
    elif kind == LetterKind.PRESERVATION:
        account()
        legal_request = in_review_create(officer, process_type="preservation_order")
        _decide(
            legal_request,
            analyst=analyst,
            reviewer=reviewer,
            decision=Decision.DISCLOSE,
            categories=["ip_addresses", "phone_number"],
        )
    else:
        legal_request = in_review_create(officer)
        _decide(legal_request, analyst=analyst, reviewer=reviewer, decision=Decision.REJECT, reasons=[REJECTED_BECAUSE])
    response_kind, text = _issued_text(legal_request)
    legal_request.refresh_from_db()
    return legal_request, response_kind, text


@pytest.fixture
def account_factory(make_account):
    return lambda: make_account(
        "acc-1",
        username="someone",
        phone="+12025550199",
        email="someone@example.org",
        display_name="",  # empty on record: the letter prints a dash, not a blank
        registered_at=dt.datetime(2025, 3, 14, 9, 26, 53, tzinfo=dt.UTC),
        events=[("2026-10-05 08:15:00", "198.51.100.23", 51234), ("2026-10-12 21:40:10", "203.0.113.77", 443)],
    )


@pytest.mark.parametrize("kind", LetterKind.values)
def test_every_letter_kind_says_nothing_internal(
    kind, shipped_rules, officer_a, analyst, reviewer, account_factory, settings
):
    settings.LAWREQ_SIGNING_FUNCTION = "Law Enforcement Response Team"

    legal_request, response_kind, text = _letter_of_kind(
        kind, officer=officer_a, analyst=analyst, reviewer=reviewer, account=account_factory
    )

    assert response_kind == kind
    everything = " ".join(text.split())
    flat = " ".join(text.partition(FILES)[0].split())  # the pages a person reads
    # internal fields: the justification for the reviewer, the reviewer's comment
    assert "INTERNAL-" not in everything
    # staff: named by the function that answers, never by username
    for username, _email, _role in STAFF.values():
        assert username not in everything
    assert "Law Enforcement Response Team" in flat
    # codes: labels only; rule ids are internal
    for code in CODES:
        assert not re.search(rf"(?<!\w){code}(?!\w)", flat), code
    rule_ids = {
        result["rule"] for run in CheckRun.objects.filter(legal_request=legal_request) for result in run.results
    }
    for rule_id in rule_ids:
        assert not re.search(rf"(?<![\w.]){re.escape(rule_id)}(?![\w.])", flat), rule_id
    # our database ids
    for target in legal_request.targets.all():
        assert f"#{target.pk}" not in everything
    assert "target_id" not in everything
    # the subscriber profile: labels, never its data keys; dates as a person reads them
    for key in ("account id", "display name", "registered at", "email"):
        assert not re.search(rf"(?<!\w){key}(?!\w)", flat), key
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", flat)


def test_a_partial_disclosure_says_the_reasons_meant_for_the_requester_and_the_rules_messages(
    shipped_rules, officer_a, analyst, reviewer, account_factory
):
    legal_request, _kind, text = _letter_of_kind(
        LetterKind.DISCLOSURE, officer=officer_a, analyst=analyst, reviewer=reviewer, account=account_factory
    )
    flat = " ".join(text.split())

    assert legal_request.outcome == Outcome.PARTIALLY_DISCLOSED
    assert FOR_THE_REQUESTER in flat
    assert "Message content" in flat and "Legal requirements the request does not meet" in flat
    assert "The phone number +12025550199" in flat


def test_a_disclosed_subscriber_profile_reads_with_labels_dates_and_dashes(
    shipped_rules, officer_a, analyst, reviewer, account_factory
):
    _legal_request, _kind, text = _letter_of_kind(
        LetterKind.DISCLOSURE, officer=officer_a, analyst=analyst, reviewer=reviewer, account=account_factory
    )
    pages, _, files = text.partition(FILES)
    rows = {" ".join(line.split()) for line in pages.splitlines()}

    assert "Account ID acc-1" in rows
    assert "E-mail address someone@example.org" in rows
    assert "Display name —" in rows
    assert "Registered on 2025-03-14 09:26 UTC" in rows
    # the attached files are data: they keep the machine keys
    assert '"registered_at"' in files or "registered_at" in files


def test_a_rejection_letter_prints_its_reasons_not_the_justification(shipped_rules, officer_a, analyst, reviewer):
    legal_request, _kind, text = _letter_of_kind(
        LetterKind.REJECTION, officer=officer_a, analyst=analyst, reviewer=reviewer, account=None
    )
    flat = " ".join(text.split())

    assert legal_request.state == State.REJECTED
    assert REJECTED_BECAUSE in flat
    assert "INTERNAL-" not in flat
