"""Moving an officer to another agency: the old agency's requests are out of reach at once (API and
web), the new agency's e-mail domains must match the officer's address, and the move is audited;
the admin goes through the same service."""

from __future__ import annotations

import pytest

from audit.actions import AuditAction
from lawreq.errors import InvalidInput
from requests_app.models import Officer
from requests_app.services import (
    ERR_OFFICER_MOVE_DOMAIN,
    agency_create,
    legal_request_access_grant,
    officer_change_agency,
)
from tests.admin.conftest import admin_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency_c(db):
    """A second agency of the same police force, on the same e-mail domain as agency A."""
    return agency_create(name="Springfield PD - Cyber Unit", country="US", email_domains=["springfield-pd.gov"])


def reads(api, user, ref: str) -> int:
    return api(user).get(f"/api/v1/requests/{ref}/").status_code


def test_an_officer_moved_by_the_admin_no_longer_reads_the_old_agencys_requests(
    api, client, admin_client, admin_user, officer_a, agency_a, agency_c, draft_factory, audit_trail
):
    old_request = draft_factory(officer_a)
    assert reads(api, officer_a, old_request.ref) == 200
    officer = officer_a.officer
    url = f"/admin/requests_app/officer/{officer.pk}/change/"
    data = {**admin_form(admin_client, url, "officer_form"), "agency": str(agency_c.pk)}

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    officer.refresh_from_db()
    assert officer.agency == agency_c
    assert reads(api, officer_a, old_request.ref) == 404
    assert api(officer_a).get("/api/v1/requests/").json()["count"] == 0
    client.force_login(officer_a)
    assert client.get(f"/portal/{old_request.ref}/").status_code == 404
    new_request = draft_factory(officer_a)
    assert new_request.agency == agency_c and reads(api, officer_a, new_request.ref) == 200
    audit_trail.assert_recorded(
        AuditAction.OFFICER_AGENCY_CHANGED, actor=admin_user, from_agency=agency_a.pk, to_agency=agency_c.pk
    )
    audit_trail.assert_recorded(AuditAction.ADMIN_CHANGED, actor=admin_user)


def test_the_admin_refuses_a_move_to_an_agency_whose_domains_do_not_match_and_changes_nothing(
    admin_client, officer_a, agency_a, agency_b, draft_factory, api, audit_trail
):
    old_request = draft_factory(officer_a)
    audit_trail.mark()
    officer = officer_a.officer
    url = f"/admin/requests_app/officer/{officer.pk}/change/"
    data = {**admin_form(admin_client, url, "officer_form"), "agency": str(agency_b.pk)}

    response = admin_client.post(url, data)

    assert response.status_code == 200
    message = ERR_OFFICER_MOVE_DOMAIN.format(
        domain="springfield-pd.gov", agency=agency_b.name, domains="interieur.gouv.fr"
    )
    assert message in response.content.decode().replace("&#x27;", "'")
    assert Officer.objects.get(pk=officer.pk).agency == agency_a
    assert set(officer_a.groups.values_list("name", flat=True)) >= {agency_a.group.name, "officer"}
    assert not officer_a.groups.filter(pk=agency_b.group_id).exists()
    assert audit_trail.entries() == []
    assert reads(api, officer_a, old_request.ref) == 200


def test_the_service_refuses_a_move_to_an_agency_whose_domains_do_not_match(officer_a, agency_a, agency_b, analyst):
    with pytest.raises(InvalidInput) as refused:
        officer_change_agency(officer=officer_a.officer, agency=agency_b, actor=analyst)

    assert refused.value.message.startswith("The officer's e-mail domain 'springfield-pd.gov'")
    assert Officer.objects.get(user=officer_a).agency == agency_a


def test_a_move_takes_back_requests_granted_to_the_officer_personally(
    officer_a, agency_a, agency_c, draft_factory, api, django_user_model, analyst, audit_trail
):
    from requests_app.services import officer_create

    colleague = django_user_model.objects.create_user("carl.colleague", email="carl@springfield-pd.gov")
    officer_create(user=colleague, agency=agency_a)
    colleagues_request = draft_factory(colleague)
    legal_request_access_grant(
        legal_request=colleagues_request, codename="view_legalrequest", actor=analyst, user=officer_a
    )

    officer_change_agency(officer=officer_a.officer, agency=agency_c, actor=analyst)

    assert reads(api, officer_a, colleagues_request.ref) == 404
    audit_trail.assert_recorded(
        AuditAction.OFFICER_AGENCY_CHANGED, actor=analyst, personal_grants_revoked=[colleagues_request.ref]
    )


def test_the_officer_admin_cannot_hand_an_officer_record_to_another_account(admin_client, officer_a, officer_b):
    officer = officer_a.officer
    url = f"/admin/requests_app/officer/{officer.pk}/change/"
    data = {**admin_form(admin_client, url, "officer_form"), "user": str(officer_b.pk)}

    admin_client.post(url, data)

    assert Officer.objects.get(pk=officer.pk).user == officer_a
