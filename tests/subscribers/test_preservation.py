from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from audit.actions import AuditAction
from lawreq.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from rules.selectors import preservation_period
from subscribers.models import PreservationHold
from subscribers.selectors import account_is_held
from subscribers.services import (
    ERR_HOLD_ALREADY_EXTENDED,
    ERR_HOLD_NONE,
    legal_request_resolve_targets,
    preservation_holds_extend,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def suspect(make_account):
    return make_account("acc-1", username="someone", phone="+12025550100")


@pytest.fixture
def preservation(draft_factory, officer_a, suspect, shipped_rules):
    legal_request = draft_factory(officer_a, process_type="preservation_order", case_number="2026-CR-PRES")
    legal_request_resolve_targets(legal_request=legal_request)
    return legal_request


def days_from_now(moment: dt.datetime) -> float:
    return (moment - timezone.now()).total_seconds() / 86400


def test_us_preservation_holds_the_found_accounts_for_90_days(audit_trail, preservation):
    hold = PreservationHold.objects.get(legal_request=preservation)

    assert hold.account.account_id == "acc-1"
    assert 89.99 < days_from_now(hold.expires_at) <= 90
    assert account_is_held(account_id="acc-1") and not account_is_held(account_id="acc-2")
    entry = audit_trail.assert_recorded(AuditAction.PRESERVATION_HOLD, request_ref=preservation.ref, event="placed")
    assert (entry.details["days"], entry.details["extension_days"]) == (90, 90)


def test_eu_preservation_holds_for_60_days(draft_factory, officer_b, make_account, shipped_rules):
    make_account("acc-fr", username="jean", phone="+33612345678")
    legal_request = draft_factory(officer_b, process_type="preservation_order")

    legal_request_resolve_targets(legal_request=legal_request)

    hold = PreservationHold.objects.get(legal_request=legal_request)
    assert 59.99 < days_from_now(hold.expires_at) <= 60
    assert preservation_period(jurisdiction_code="FR", at=timezone.now()) == (60, 30)


def test_resolving_again_places_no_second_hold(preservation):
    legal_request_resolve_targets(legal_request=preservation)

    assert PreservationHold.objects.filter(legal_request=preservation).count() == 1


def test_a_hold_is_extended_once_by_the_rules_extension(preservation, analyst, audit_trail):
    before = PreservationHold.objects.get(legal_request=preservation).expires_at

    (hold,) = preservation_holds_extend(legal_request=preservation, actor=analyst)

    assert hold.expires_at - before == dt.timedelta(days=90)
    assert hold.extended_by == analyst
    audit_trail.assert_recorded(AuditAction.PRESERVATION_HOLD, actor=analyst, event="extended", extension_days=90)
    with pytest.raises(TransitionNotAllowed, match=re.escape(ERR_HOLD_ALREADY_EXTENDED)):
        preservation_holds_extend(legal_request=preservation, actor=analyst)


def test_another_agencys_officer_cannot_extend_a_hold(preservation, officer_b):
    with pytest.raises(NotPermitted):
        preservation_holds_extend(legal_request=preservation, actor=officer_b)


def test_the_requesting_agencys_officer_extends_the_hold_once_within_its_window(preservation, officer_a, audit_trail):
    (hold,) = preservation_holds_extend(legal_request=preservation, actor=officer_a)
    assert hold.extended_by == officer_a
    audit_trail.assert_recorded(AuditAction.PRESERVATION_HOLD, actor=officer_a, event="extended")


def test_an_expired_hold_cannot_be_extended(preservation, officer_a):
    PreservationHold.objects.filter(legal_request=preservation).update(
        starts_at=timezone.now() - dt.timedelta(days=200), expires_at=timezone.now() - dt.timedelta(days=1)
    )
    with pytest.raises(InvalidInput, match=re.escape(ERR_HOLD_NONE)):
        preservation_holds_extend(legal_request=preservation, actor=officer_a)


def test_a_request_without_holds_cannot_be_extended(draft_factory, officer_a, analyst):
    with pytest.raises(InvalidInput, match=re.escape(ERR_HOLD_NONE)):
        preservation_holds_extend(legal_request=draft_factory(officer_a), actor=analyst)


def test_a_later_production_request_for_the_same_account_links_to_the_preservation(
    preservation, draft_factory, officer_a, audit_trail
):
    production = draft_factory(officer_a, case_number="2026-CR-PROD")

    legal_request_resolve_targets(legal_request=production)

    production.refresh_from_db()
    assert production.preservation_of == preservation
    audit_trail.assert_recorded(
        AuditAction.PRESERVATION_HOLD, request_ref=production.ref, event="linked", preservation_request=preservation.ref
    )


def test_another_agencys_request_is_not_linked(preservation, draft_factory, officer_b, make_account):
    production = draft_factory(officer_b, targets=[{"type": "username", "value": "@someone"}])

    legal_request_resolve_targets(legal_request=production)

    production.refresh_from_db()
    assert production.preservation_of is None


def test_an_expired_hold_is_not_linked(preservation, draft_factory, officer_a):
    PreservationHold.objects.filter(legal_request=preservation).update(
        starts_at=timezone.now() - dt.timedelta(days=200), expires_at=timezone.now() - dt.timedelta(days=1)
    )
    production = draft_factory(officer_a, case_number="2026-CR-PROD")

    legal_request_resolve_targets(legal_request=production)

    production.refresh_from_db()
    assert production.preservation_of is None


def test_the_api_extends_for_staff_and_hides_holds_from_others(
    preservation, api, reviewer, officer_a, officer_b, auditor
):
    url = f"/api/v1/requests/{preservation.ref}/preservation/"

    assert api(officer_b).get(url).status_code == 404
    assert api(officer_b).post(url + "extend/").status_code == 404
    assert api(officer_a).get(url).json()["accounts_held"] == 1
    assert api(auditor).post(url + "extend/").status_code == 404
    assert api(reviewer).get(url).json()["accounts_held"] == 1
    response = api(reviewer).post(url + "extend/")
    assert response.status_code == 200 and response.json()["extended"] is True
    assert api(reviewer).post(url + "extend/").status_code == 409


def test_the_requesting_officer_cannot_extend_their_own_hold_even_with_a_staff_role(preservation, officer_a):
    from django.contrib.auth.models import Group

    from lawreq.errors import NotFound
    from subscribers.models import PreservationHold

    officer_a.groups.add(Group.objects.get(name="analyst"))
    officer = type(officer_a).objects.get(pk=officer_a.pk)  # roles read afresh

    with pytest.raises(NotFound):
        preservation_holds_extend(legal_request=preservation, actor=officer)
    assert not PreservationHold.objects.filter(legal_request=preservation, extended_at__isnull=False).exists()


def test_a_lapsed_hold_is_recorded_as_expired_once(preservation, audit_trail):
    import time_machine

    from subscribers.services import preservation_holds_expire

    (hold,) = PreservationHold.objects.filter(legal_request=preservation)
    assert preservation_holds_expire() == 0  # still running
    later = hold.expires_at + dt.timedelta(minutes=1)
    assert preservation_holds_expire(now=later) == 1
    assert preservation_holds_expire(now=later) == 0
    audit_trail.assert_recorded(AuditAction.PRESERVATION_HOLD, event="expired", extended=False)
    with time_machine.travel(later):
        assert not account_is_held(account_id=hold.account.account_id)
