"""Call-backs on the staff pages: a call nobody answered can be recorded, outcomes read as words,
the registry number as people read it, and the reviewer's approval screen shows every call-back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from disclosure.models import CallBack, Decision
from disclosure.services import ERR_CALLBACK_SPOKE_TO
from workflow.services import do_callback_record, do_propose


def url(legal_request, name: str) -> str:
    return reverse(name, kwargs={"ref": legal_request.ref})


@pytest.fixture
def emergency(in_review_factory, officer_a):
    return in_review_factory(
        officer_a,
        process_type="emergency_disclosure",
        emergency=True,
        emergency_justification="Kidnapping in progress: the victim's life is at risk.",
    )


@pytest.mark.django_db
def test_a_call_nobody_answered_is_recorded_without_naming_anyone(client_for, analyst, emergency):
    client = client_for(analyst)

    response = client.post(url(emergency, "web:callback"), {"spoke_to": "", "outcome": "no_answer", "note": ""})

    assert response.status_code == 302
    assert CallBack.objects.get(legal_request=emergency).outcome == "no_answer"
    page = client.get(url(emergency, "web:staff-detail")).content.decode()
    assert "nobody (no answer)" in page
    assert "required unless nobody answered" in page


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", ["confirmed", "not_confirmed"])
def test_a_call_someone_answered_names_them(client_for, analyst, emergency, outcome):
    response = client_for(analyst).post(url(emergency, "web:callback"), {"spoke_to": " ", "outcome": outcome})

    assert response.status_code == 400
    assert ERR_CALLBACK_SPOKE_TO in response.content.decode()
    assert not CallBack.objects.exists()


@pytest.mark.django_db
def test_the_api_records_a_call_nobody_answered(api, analyst, emergency):
    response = api(analyst).post(
        f"/api/v1/requests/{emergency.ref}/callbacks/", {"outcome": "no_answer"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["spoke_to"] == ""


@pytest.mark.django_db
def test_call_back_outcomes_and_the_registry_number_read_as_words(client_for, analyst, emergency):
    do_callback_record(legal_request=emergency, actor=analyst, spoke_to="", outcome="no_answer")
    do_callback_record(legal_request=emergency, actor=analyst, spoke_to="Sgt. Miller", outcome="not_confirmed")

    page = client_for(analyst).get(url(emergency, "web:staff-detail")).content.decode()

    assert ">No answer</span>" in page and ">Not confirmed</span>" in page
    assert ">not_confirmed<" not in page and ">no_answer<" not in page
    assert "A confirmed call-back is required before a disclosure" in page
    assert '<span class="mono" id="registry-number">+1 202-555-0143</span>' in page
    assert "+12025550143" not in page
    assert "Call-back to the registry number: not confirmed" in page  # the timeline


@pytest.mark.django_db
def test_the_approval_screen_shows_the_call_backs_and_warns_of_one_not_confirmed(
    client_for, analyst, reviewer, emergency
):
    # after a call-back not confirmed, only someone else may record a confirmed one (four eyes)
    do_callback_record(legal_request=emergency, actor=reviewer, spoke_to="Desk clerk", outcome="not_confirmed")
    do_callback_record(legal_request=emergency, actor=analyst, spoke_to="Sgt. Miller", outcome="confirmed")
    do_propose(
        legal_request=emergency,
        actor=analyst,
        decision=Decision.DISCLOSE,
        categories=["ip_addresses"],
        date_from=dt.date(2026, 10, 10),
        date_to=dt.date(2026, 10, 20),
        reason="Life at risk.",
    )

    response = client_for(reviewer).get(url(emergency, "web:approval-review"))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="approval-callbacks"' in page and 'id="approval-callback-warning"' in page
    assert ">Not confirmed</span>" in page and ">Confirmed</span>" in page
    assert "Desk clerk" in page and "Sgt. Miller" in page and analyst.username in page
    assert dt.datetime.now(dt.UTC).strftime("%Y-%m-%d") in page
