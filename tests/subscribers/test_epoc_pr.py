"""A European Preservation Order (EPOC-PR, Regulation (EU) 2023/1543 Art. 11, Annex II): the data is held
60 days from receipt, 30 more once on the issuing authority's request made within them, and as long as a
request for production that followed within that time is not answered."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from requests_app.states import State
from subscribers.models import PreservationHold
from subscribers.selectors import account_is_held, holds_in_force
from subscribers.services import preservation_holds_expire
from tests.conftest import api_client, submitted_create

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
EPOC_PR = {
    "process_type": "preservation_order",
    "categories": ["ip_addresses"],
    "certificate_reference": "EPOC-PR-FR-2026-0007",
    "ip_purpose": "traffic",
    "issuing_authority": {"type": "prosecutor", "name": "Parquet de Paris"},
}


@pytest.fixture
def epoc_pr(officer_b, make_account, shipped_rules):
    make_account("acc-fr", username="jean", phone="+33612345678")
    with time_machine.travel(T0, tick=False):
        return submitted_create(officer_b, **EPOC_PR)


def extend(officer, legal_request, at: dt.datetime):
    with time_machine.travel(at, tick=False):
        return api_client(officer).post(f"/api/v1/requests/{legal_request.ref}/preservation/extend/")


def test_the_data_is_held_sixty_days_from_receipt(epoc_pr):
    hold = PreservationHold.objects.get(legal_request=epoc_pr)

    assert epoc_pr.state == State.IN_REVIEW
    assert (hold.starts_at, hold.expires_at) == (T0, T0 + dt.timedelta(days=60))


def test_the_officer_extends_by_thirty_days_once_within_the_sixty(epoc_pr, officer_b):
    first = extend(officer_b, epoc_pr, T0 + dt.timedelta(days=59))
    second = extend(officer_b, epoc_pr, T0 + dt.timedelta(days=61))

    assert first.status_code == 200, first.json()
    assert second.status_code == 409
    hold = PreservationHold.objects.get(legal_request=epoc_pr)
    assert hold.expires_at == T0 + dt.timedelta(days=90)


def test_no_extension_after_the_sixty_days(epoc_pr, officer_b):
    response = extend(officer_b, epoc_pr, T0 + dt.timedelta(days=60, seconds=1))

    assert response.status_code == 400
    assert PreservationHold.objects.get(legal_request=epoc_pr).extended_at is None


def _production_following(officer_b, at: dt.datetime):
    with time_machine.travel(at, tick=False):
        return submitted_create(
            officer_b,
            process_type="production_order",
            categories=["ip_addresses"],
            certificate_reference="EPOC-FR-2026-0119",
            ip_purpose="identification",
            issuing_authority={"type": "prosecutor", "name": "Parquet de Paris"},
        )


def test_a_production_request_within_the_sixty_days_keeps_the_data_until_answered(epoc_pr, officer_b):
    production = _production_following(officer_b, T0 + dt.timedelta(days=50))
    after_the_period = T0 + dt.timedelta(days=75)

    assert production.preservation_of == epoc_pr
    with time_machine.travel(after_the_period, tick=False):
        assert account_is_held(account_id="acc-fr")
        assert preservation_holds_expire() == 0

    production.state = State.RESPONDED
    production.save(update_fields=["state"])
    with time_machine.travel(after_the_period, tick=False):
        assert not account_is_held(account_id="acc-fr")
        assert preservation_holds_expire() == 1


def test_a_production_request_after_the_period_revives_nothing(epoc_pr, officer_b):
    production = _production_following(officer_b, T0 + dt.timedelta(days=61))

    assert production.preservation_of is None
    assert not holds_in_force(now=T0 + dt.timedelta(days=61)).exists()
