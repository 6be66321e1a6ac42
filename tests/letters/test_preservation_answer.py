"""A preservation order (EU EPOC-PR, Regulation (EU) 2023/1543 Art. 11; US 18 U.S.C. 2703(f)) is answered by
preserving, never by disclosing: the approved "disclose" decision keeps the holds, the signed letter says what
is preserved and until when without a record or an attachment, the outcome is ``preserved`` and no account
counts as affected, in the trail and in the transparency figures."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import TestCase

from audit.actions import AuditAction
from audit.models import AuditEntry
from disclosure.models import DisclosureSnapshot, SnapshotTarget
from letters.content import LetterKind
from reports.transparency_figures import EVENT_ACTIONS, TrailEvent, compute_figures
from requests_app.choices import Outcome
from requests_app.states import State
from subscribers.models import PreservationHold
from tests.conftest import api_client, in_review_create
from tests.letters.conftest import attachments, issued_pdf_of, pdf_text, pdfsig
from workflow.services import do_decide, do_issue_response, do_propose

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
EPOC_PR = {
    "process_type": "preservation_order",
    "categories": ["ip_addresses", "subscriber_profile"],
    "certificate_reference": "EPOC-PR-FR-2026-0007",
    "issuing_authority": {"type": "prosecutor", "name": "Parquet de Paris"},
}
US_2703F = {"process_type": "preservation_order", "categories": ["ip_addresses", "subscriber_profile"]}
SECRET_IP = "198.51.100.23"
DISPLAY_NAME = "Jean Quelquun"


@pytest.fixture
def accounts(db):
    from tests.subscribers.conftest import make_account_row

    make_account_row(
        "acc-us-1",
        username="someone",
        phone="+12025550199",
        display_name=DISPLAY_NAME,
        events=[("2026-10-05 08:15:00", SECRET_IP, 51234)],
    )
    make_account_row(
        "acc-fr-1",
        username="jean",
        phone="+33612345678",
        display_name=DISPLAY_NAME,
        events=[("2026-10-05 08:15:00", SECRET_IP, 51234)],
    )


def answered(officer, analyst, reviewer, **fields):
    with time_machine.travel(T0, tick=False):
        legal_request = in_review_create(officer, **fields)
        do_propose(
            legal_request=legal_request,
            actor=analyst,
            decision="disclose",
            categories=list(fields["categories"]),
            date_from=dt.date(2026, 10, 1),
            date_to=dt.date(2026, 11, 1),
            reason="INTERNAL-JUSTIFICATION preserve as asked.",
        )
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        with TestCase.captureOnCommitCallbacks(execute=False):
            do_decide(legal_request=legal_request, actor=reviewer, approve=True, comment="Agreed.")
        response = do_issue_response(legal_request_id=legal_request.pk)
    legal_request.refresh_from_db()
    return legal_request, response


@pytest.mark.parametrize(
    ("officer_name", "fields", "until"),
    [
        ("officer_a", US_2703F, T0 + dt.timedelta(days=90)),  # 18 U.S.C. 2703(f)(2): 90 days
        ("officer_b", EPOC_PR, T0 + dt.timedelta(days=60)),  # Art. 11(1): 60 days
    ],
    ids=["us-2703f", "eu-epoc-pr"],
)
def test_a_preservation_order_is_answered_by_preserving_and_discloses_nothing(
    request, shipped_rules, accounts, analyst, reviewer, tmp_path, officer_name, fields, until
):
    officer = request.getfixturevalue(officer_name)

    legal_request, response = answered(officer, analyst, reviewer, **fields)

    assert legal_request.state == State.RESPONDED
    assert legal_request.outcome == Outcome.PRESERVED
    assert response.kind == LetterKind.PRESERVATION
    # the holds are in place, as before
    holds = PreservationHold.objects.filter(legal_request=legal_request)
    assert holds.count() == 1 and holds.get().expires_at == until
    # nothing was read into the snapshot: no record sealed for the letter
    snapshot = DisclosureSnapshot.objects.get(legal_request=legal_request)
    assert snapshot.outcome == Outcome.PRESERVED
    for entry in SnapshotTarget.objects.filter(snapshot=snapshot):
        assert not any(bytes(getattr(entry, name) or b"") for name in SnapshotTarget.SEALED_FIELDS)
    # not counted as a disclosure: no account affected
    answered_entry = AuditEntry.objects.get(
        action=AuditAction.REQUEST_TRANSITIONED, request_ref=legal_request.ref, details__to="responded"
    )
    assert answered_entry.details["outcome"] == "preserved"
    assert answered_entry.details["accounts_affected"] == 0

    pdf = issued_pdf_of(response)
    assert "Signature is Valid." in pdfsig(pdf, tmp_path)
    with_english = attachments(pdf)
    assert set(with_english) <= {"letter-en.pdf"}, with_english  # no ip_events.csv, no records.json
    text = " ".join(pdf_text(pdf).split())
    english = " ".join(pdf_text(with_english["letter-en.pdf"]).split()) if with_english else text
    assert "Nothing is disclosed" in english
    assert "Account found: its data is preserved" in english
    assert f"Preserved until {until:%Y-%m-%d %H:%M} UTC" in english
    for secret in (SECRET_IP, DISPLAY_NAME, "acc-us-1", "acc-fr-1", "INTERNAL-"):
        assert secret not in text and secret not in english, secret


def test_the_officer_reads_preserved_and_the_transparency_figures_do_not_count_a_disclosure(
    shipped_rules, accounts, officer_a, analyst, reviewer
):
    legal_request, _response = answered(officer_a, analyst, reviewer, **US_2703F)

    body = api_client(officer_a).get(f"/api/v1/requests/{legal_request.ref}/").json()
    assert body["outcome"] == "preserved"
    entries = AuditEntry.objects.filter(action__in=EVENT_ACTIONS).order_by("pk")
    events = [TrailEvent(n, e.created_at, e.action, e.request_ref, e.details) for n, e in enumerate(entries, 1)]
    figures = compute_figures(events, as_of=T0 + dt.timedelta(days=1))
    us = figures.rows[("2026-Q4", "US")]
    assert us["preserved"] == 1
    assert us["disclosed"] == 0 and us["partially_disclosed"] == 0
    assert us["accounts_affected"] == 0
