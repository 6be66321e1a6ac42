"""Pages show labels, never the codes the system stores (``pending_approval``, ``ip_addresses``)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from disclosure.models import Decision, ProposalStatus
from requests_app.choices import AuthorityType, Category, OffenseCategory, Outcome, ProcessType, Resolution, TargetType
from requests_app.states import State
from rules.models import Recommendation

VOCABULARIES = (
    State,
    ProcessType,
    Category,
    AuthorityType,
    OffenseCategory,
    Outcome,
    TargetType,
    Resolution,
    Decision,
    ProposalStatus,
    Recommendation,
)
CODES = sorted({value for vocabulary in VOCABULARIES for value in vocabulary.values if "_" in value})


def visible_text(html: str) -> str:
    """What a reader sees: no tags, attributes, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def codes_in(html: str) -> list[str]:
    """Stored codes standing as words; a rule's id (``us.court_order.facts``) is a name, not a code."""
    text = visible_text(html)
    return [code for code in CODES if re.search(rf"(?<![\w.]){code}(?![\w.])", text)]


@pytest.mark.django_db
def test_the_legal_teams_pages_show_no_code(client_for, analyst, reviewer, pending_approval_request):
    ref = pending_approval_request.ref
    for user, page in (
        (analyst, reverse("web:queue")),
        (analyst, reverse("web:queue") + "?state=pending_approval"),
        (reviewer, reverse("web:staff-detail", kwargs={"ref": ref})),
    ):
        response = client_for(user).get(page)

        assert response.status_code == 200
        assert codes_in(response.content.decode()) == [], page


@pytest.mark.django_db
def test_the_officers_pages_show_no_code(client_for, officer_a, pending_approval_request):
    for page in (reverse("web:portal"), reverse("web:portal-detail", kwargs={"ref": pending_approval_request.ref})):
        response = client_for(officer_a).get(page)

        assert response.status_code == 200
        assert "Pending approval" in visible_text(response.content.decode())
        assert codes_in(response.content.decode()) == [], page
