"""Standard texts: kept by administrators, inserted into the analyst's form, then edited."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from casework.models import Message
from disclosure.models import CannedText, CannedTextKind, Proposal

pytestmark = pytest.mark.django_db

QUESTION = "Please attach the signed order, not the draft."
REJECTION = "The order is not signed by a judge."


@pytest.fixture
def canned():
    return {
        "question": CannedText.objects.create(kind=CannedTextKind.QUESTION, title="Signed order", body=QUESTION),
        "rejection": CannedText.objects.create(kind=CannedTextKind.REJECTION, title="Unsigned", body=REJECTION),
        "retired": CannedText.objects.create(kind=CannedTextKind.REJECTION, title="Old", body="x", active=False),
    }


def test_the_analyst_picks_from_the_active_texts_of_each_form(client_for, analyst, request_a, canned):
    page = client_for(analyst).get(reverse("web:staff-detail", kwargs={"ref": request_a.ref})).content.decode()

    assert 'data-fills="id_need_info_question"' in page and f'data-body="{QUESTION}"' in page
    assert 'data-fills="id_reject_reasons"' in page and f'data-body="{REJECTION}"' in page
    assert ">Old<" not in page
    assert "/static/js/canned_texts.js" in page and "<script>" not in page


def test_use_without_javascript_inserts_the_text_and_proposes_nothing(client_for, analyst, request_a, canned):
    url = reverse("web:proposal", kwargs={"ref": request_a.ref})

    response = client_for(analyst).post(
        url,
        {
            "decision": "reject",
            "reasons": "The order names no offence.",
            "reason": "internal",
            "canned_text": canned["rejection"].pk,
            "use_canned": "1",
        },
    )

    assert response.status_code == 200
    form = response.context["proposal_forms"]["reject"]
    assert form["reasons"].value() == f"The order names no offence.\n{REJECTION}"
    assert form["reason"].value() == "internal"
    assert not form.is_bound  # shown to edit, not validated
    assert not Proposal.objects.exists()


def test_a_retired_or_other_kind_of_text_is_not_inserted(client_for, analyst, request_a, canned):
    url = reverse("web:proposal", kwargs={"ref": request_a.ref})
    client = client_for(analyst)

    for pk in (canned["retired"].pk, canned["question"].pk, "nope"):
        response = client.post(url, {"decision": "reject", "reasons": "", "canned_text": pk, "use_canned": "1"})
        assert response.context["proposal_forms"]["reject"]["reasons"].value() == ""


def test_the_analysts_message_box_offers_the_standard_questions(client_for, analyst, officer_a, request_a, canned):
    staff_page = client_for(analyst).get(reverse("web:staff-detail", kwargs={"ref": request_a.ref})).content.decode()
    officer_page = client_for(officer_a).get(reverse("web:portal-detail", kwargs={"ref": request_a.ref}))

    assert 'data-fills="id_message_body"' in staff_page and f'data-body="{QUESTION}"' in staff_page
    assert 'data-fills="id_message_body"' not in officer_page.content.decode()


def test_use_in_the_message_box_without_javascript_inserts_the_question_and_sends_nothing(
    client_for, analyst, request_a, canned
):
    url = reverse("web:staff-message", kwargs={"ref": request_a.ref})
    client = client_for(analyst)

    response = client.post(url, {"body": "Thank you.", "canned_text": canned["question"].pk, "use_canned": "1"})
    refused = client.post(url, {"body": "", "canned_text": canned["rejection"].pk, "use_canned": "1"})

    assert response.status_code == 200
    assert response.context["message_form"]["body"].value() == f"Thank you.\n{QUESTION}"
    assert refused.context["message_form"]["body"].value() == ""  # not a question: not inserted
    assert not Message.objects.filter(legal_request=request_a).exists()


def test_administrators_manage_the_texts_in_the_admin(client_for, canned):
    admin = get_user_model().objects.create_superuser("root", "root@platform.example", "pw-123456789")

    page = client_for(admin).get(reverse("admin:disclosure_cannedtext_changelist"))

    assert page.status_code == 200 and "Signed order" in page.content.decode()
