"""The agency registry in the admin: suspension and reinstatement, and the history of domains."""

from __future__ import annotations

from audit.actions import AuditAction
from requests_app.models import AgencyDomainChange
from tests.admin.test_admin_audit import admin_form

CHANGELIST = "/admin/requests_app/agency/"


def test_the_admin_suspends_an_agency_with_a_reason_then_reinstates_it(admin_client, admin_user, agency_a, audit_trail):
    asked = admin_client.post(CHANGELIST, {"action": "suspend", "_selected_action": [agency_a.pk], "index": 0})
    assert asked.status_code == 200 and "reason" in asked.content.decode()
    agency_a.refresh_from_db()
    assert not agency_a.is_suspended

    done = admin_client.post(
        CHANGELIST,
        {"action": "suspend", "_selected_action": [agency_a.pk], "apply": "1", "reason": "Compromised account."},
    )

    assert done.status_code == 302
    agency_a.refresh_from_db()
    assert agency_a.is_suspended and agency_a.suspension_reason == "Compromised account."
    audit_trail.assert_recorded(AuditAction.AGENCY_SUSPENDED, actor=admin_user, agency=agency_a.pk)

    admin_client.post(
        CHANGELIST, {"action": "reinstate", "_selected_action": [agency_a.pk], "apply": "1", "reason": "Secured."}
    )
    agency_a.refresh_from_db()
    assert not agency_a.is_suspended
    audit_trail.assert_recorded(AuditAction.AGENCY_REINSTATED, actor=admin_user, agency=agency_a.pk)


def test_a_domain_added_in_the_admin_is_recorded_with_its_date(admin_client, admin_user, agency_a, audit_trail):
    url = f"/admin/requests_app/agency/{agency_a.pk}/change/"
    data = {**admin_form(admin_client, url, "agency_form"), "email_domains": '["springfield-pd.gov", "spd-mail.com"]'}

    response = admin_client.post(url, data)

    assert response.status_code == 302
    agency_a.refresh_from_db()
    assert agency_a.email_domains == ["spd-mail.com", "springfield-pd.gov"]
    added = AgencyDomainChange.objects.filter(agency=agency_a, domain="spd-mail.com", added=True).get()
    assert added.changed_by == admin_user
    audit_trail.assert_recorded(AuditAction.AGENCY_DOMAINS_CHANGED, actor=admin_user, added=["spd-mail.com"])


def test_a_time_zone_that_does_not_exist_is_refused(admin_client, agency_a):
    url = f"/admin/requests_app/agency/{agency_a.pk}/change/"
    data = {**admin_form(admin_client, url, "agency_form"), "timezone": "Mars/Olympus"}

    response = admin_client.post(url, data)

    assert response.status_code == 200 and "not an IANA time zone" in response.content.decode()
