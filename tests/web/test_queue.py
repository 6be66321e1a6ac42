"""The legal team's queue: open requests, earliest deadline first, filtered and paginated."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from requests_app.models import LegalRequest
from requests_app.states import State
from web.views.staff import QUEUE_PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(draft_factory, officer_a, officer_b):
    """Requests placed in a state with a deadline, as validation would leave them."""

    def build(*, officer=None, state=State.IN_REVIEW, due_in=dt.timedelta(days=5), **overrides) -> LegalRequest:
        legal_request = draft_factory(officer or officer_a, with_document=False, **overrides)
        now = timezone.now()
        LegalRequest.objects.filter(pk=legal_request.pk).update(state=state, received_at=now, due_at=now + due_in)
        legal_request.refresh_from_db()
        return legal_request

    return build


def refs_in(page: str) -> list[str]:
    return re.findall(r'href="/queue/(LR-\d{4}-\d{6})/"', page)


def row_classes(page: str, ref: str) -> set[str]:
    match = re.search(rf'<tr class="([^"]*)">\s*<td><input type="checkbox" name="refs" value="{ref}"', page)
    return set(match.group(1).split())


def test_open_requests_come_earliest_deadline_first(client_for, analyst, queued):
    late = queued(due_in=dt.timedelta(days=9))
    soon = queued(due_in=dt.timedelta(hours=3))
    middle = queued(due_in=dt.timedelta(days=2), state=State.PENDING_APPROVAL)
    queued(state=State.RESPONDED)
    queued(state=State.DRAFT)

    page = client_for(analyst).get("/queue/").content.decode()

    assert refs_in(page) == [soon.ref, middle.ref, late.ref]


def test_overdue_and_emergency_requests_stand_out(client_for, reviewer, queued):
    overdue = queued(due_in=-dt.timedelta(hours=5))
    emergency = queued(
        due_in=dt.timedelta(hours=6),
        emergency=True,
        emergency_justification="Threat to life",
        process_type="emergency_disclosure",
    )

    page = client_for(reviewer).get("/queue/").content.decode()

    assert row_classes(page, overdue.ref) == {"overdue"}
    assert row_classes(page, emergency.ref) == {"emergency", "due-soon"}
    assert "overdue by 5 h" in page
    assert re.search(r"5 h \d+ min left", page)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=pending_approval", ["waiting"]),
        ("jurisdiction=FR", ["french"]),
        ("emergency=yes", ["urgent"]),
        ("emergency=no", ["waiting", "french", "plain"]),
        ("state=responded", ["answered"]),
    ],
)
def test_the_queue_filters_by_state_jurisdiction_and_emergency(client_for, analyst, officer_b, queued, query, expected):
    requests = {
        "plain": queued(due_in=dt.timedelta(days=1)),
        "waiting": queued(state=State.PENDING_APPROVAL, due_in=dt.timedelta(days=2)),
        "french": queued(officer=officer_b, due_in=dt.timedelta(days=3)),
        "urgent": queued(emergency=True, emergency_justification="Threat to life", due_in=dt.timedelta(hours=4)),
        "answered": queued(state=State.RESPONDED),
    }

    page = client_for(analyst).get(f"/queue/?{query}").content.decode()

    assert sorted(refs_in(page)) == sorted(requests[name].ref for name in expected)


def test_an_unknown_filter_value_is_shown_as_an_error_not_a_500(client_for, analyst, queued):
    open_request = queued()
    response = client_for(analyst).get("/queue/?state=teleported&emergency=maybe")

    assert response.status_code == 200
    assert set(response.context["filters"].errors) == {"state", "emergency"}
    assert refs_in(response.content.decode()) == [open_request.ref]


def test_the_queue_is_paginated_and_keeps_its_filters(client_for, analyst, queued):
    made = [queued(due_in=dt.timedelta(hours=10 + i)) for i in range(QUEUE_PAGE_SIZE + 2)]
    client = client_for(analyst)

    first = client.get("/queue/?jurisdiction=US").content.decode()
    second = client.get("/queue/?jurisdiction=US&page=2").content.decode()

    assert refs_in(first) == [r.ref for r in made[:QUEUE_PAGE_SIZE]]
    assert refs_in(second) == [r.ref for r in made[QUEUE_PAGE_SIZE:]]
    assert 'href="?jurisdiction=US&amp;page=2"' in first


def test_the_queue_shows_no_target_identifier(client_for, analyst, queued):
    queued(targets=[{"type": "phone", "value": "(202) 555-0199"}, {"type": "username", "value": "@suspect.one"}])

    page = client_for(analyst).get("/queue/").content.decode()

    assert "555" not in page
    assert "suspect.one" not in page


def test_a_closed_request_shows_no_countdown(client_for, analyst, queued):
    answered = queued(state=State.RESPONDED, due_in=-dt.timedelta(days=2))

    page = client_for(analyst).get("/queue/?state=responded").content.decode()

    assert refs_in(page) == [answered.ref]
    assert "overdue" not in page
    assert ">closed<" in page
