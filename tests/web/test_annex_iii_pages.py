"""Annex III of Regulation (EU) 2023/1543 on the pages: the analyst's form offers its grounds only
for a European order of an EU jurisdiction, the reviewer sees them before approving, the officer
sees the answer's grounds by their public labels, nothing internal."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from disclosure.annex_iii import ERR_GROUNDS_REQUIRED
from disclosure.models import Proposal
from requests_app.states import State
from tests.conftest import SHARED_PER_MODULE, STAFF, in_review_create
from tests.letters.conftest import pdf_text
from workflow.services import do_decide, do_propose

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]

GROUNDS_FIELD = 'name="annex_iii_grounds"'
FOR_THE_AUTHORITY = "The certificate names another provider."
JUSTIFICATION = "INTERNAL-JUSTIFICATION not for the officer"


def url(legal_request, name: str) -> str:
    return reverse(name, kwargs={"ref": legal_request.ref})


@pytest.fixture
def epoc(officer_b):
    return in_review_create(
        officer_b,
        process_type="production_order",
        certificate_reference="EPOC-FR-2026-0007",
        ip_purpose="identification",
    )


def test_the_proposal_forms_offer_annex_iii_grounds_only_for_a_european_order(client_for, analyst, epoc, officer_a):
    us_request = in_review_create(officer_a)

    european = client_for(analyst).get(url(epoc, "web:staff-detail")).content.decode()
    american = client_for(analyst).get(url(us_request, "web:staff-detail")).content.decode()

    assert european.count(GROUNDS_FIELD) >= 2 * 11  # the disclose and the reject forms, every box
    assert "It contains manifest errors." in european
    assert GROUNDS_FIELD not in american


def test_a_rejection_without_grounds_comes_back_with_the_reason_and_nothing_proposed(client_for, analyst, epoc):
    response = client_for(analyst).post(
        url(epoc, "web:proposal"), {"decision": "reject", "reasons": "Wrong provider.", "reason": ""}
    )

    assert response.status_code == 400
    assert ERR_GROUNDS_REQUIRED.format(certificate="EPOC").replace("'", "&#x27;") in response.content.decode()
    assert not Proposal.objects.filter(legal_request=epoc).exists()


def test_the_analyst_proposes_with_grounds_and_the_reviewer_sees_them(client_for, analyst, reviewer, epoc):
    proposed = client_for(analyst).post(
        url(epoc, "web:proposal"),
        {
            "decision": "reject",
            "reasons": "Wrong provider.",
            "reason": "",
            "annex_iii_grounds": ["manifest_errors"],
            "annex_iii_explanation": FOR_THE_AUTHORITY,
        },
    )
    assert proposed.status_code == 302
    assert Proposal.objects.get(legal_request=epoc).annex_iii_grounds == ["manifest_errors"]

    screen = client_for(reviewer).get(url(epoc, "web:approval-review")).content.decode()
    preview = " ".join(pdf_text(client_for(reviewer).get(url(epoc, "web:approval-preview")).content).split())

    assert "The letter takes the form of Annex III" in screen
    assert "2. It contains manifest errors." in screen
    assert FOR_THE_AUTHORITY in screen
    # the unsigned preview is the letter approving would issue: Annex III included
    with translation.override(epoc.agency.language):  # the letter is in the agency's language
        assert gettext("Information on the inability to execute an EPOC or an EPOC-PR") in preview
        assert f"[X] {gettext('It contains manifest errors.')}" in preview
    assert FOR_THE_AUTHORITY in preview


def test_the_officer_sees_the_annex_iii_answer_by_its_labels(client_for, analyst, reviewer, officer_b, epoc):
    do_propose(
        legal_request=epoc,
        actor=analyst,
        decision="reject",
        reasons=["Wrong provider."],
        reason=JUSTIFICATION,
        annex_iii_grounds=["manifest_errors"],
        annex_iii_explanation=FOR_THE_AUTHORITY,
    )
    officer_client = client_for(officer_b)
    officer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the officer's own choice over the agency's
    before = officer_client.get(url(epoc, "web:portal-detail")).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=False):
        do_decide(legal_request=epoc, actor=reviewer, approve=True)
    epoc.refresh_from_db()
    assert epoc.state == State.REJECTED

    page = officer_client.get(url(epoc, "web:portal-detail")).content.decode()

    # nothing while the legal team deliberates
    assert "Annex III" not in before
    assert "Annex III of Regulation (EU) 2023/1543" in page
    assert "It contains manifest errors." in page and FOR_THE_AUTHORITY in page
    assert "manifest_errors" not in page and "INTERNAL-" not in page
    for username, _email, _role in STAFF.values():
        assert username not in page
