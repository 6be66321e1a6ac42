"""Every change made in the admin is an entry in the audit trail: who, which model, which object,
which fields (personal data only as keyed hashes, secrets never), additions and deletions, users,
groups, agencies, rule sets and object permissions included."""

from __future__ import annotations

import orjson
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from guardian.shortcuts import get_perms

from audit.actions import AuditAction
from audit.admin import SECRET_CHANGED, AuditedAdminMixin
from audit.services import audit_hash_identifier
from lawreq.parsers import ERR_JSON_TOO_DEEP
from requests_app.models import Agency
from requests_app.services import ERR_GRANT_OTHER_AGENCY
from subscribers.models import Account, PhoneHistory
from tests.admin.conftest import admin_form

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "a much longer passphrase 42"


def hashed(value: str) -> str:
    return audit_hash_identifier(orjson.dumps(value).decode())


def entry_text(entry) -> str:
    return orjson.dumps(entry.details).decode()


def test_every_registered_admin_records_its_changes():
    unaudited = [type(model_admin).__name__ for model_admin in admin.site._registry.values()]
    unaudited = [
        name
        for name, model_admin in zip(unaudited, admin.site._registry.values(), strict=True)
        if not isinstance(model_admin, AuditedAdminMixin)
    ]

    assert not unaudited
    assert User in admin.site._registry and Group in admin.site._registry


def test_changing_a_user_records_which_fields_changed_with_personal_data_hashed(
    admin_client, admin_user, analyst, audit_trail
):
    url = f"/admin/auth/user/{analyst.pk}/change/"
    data = admin_form(admin_client, url, "user_form")
    reviewer_group = Group.objects.get(name="reviewer")
    data.update(email="anna.new@platform.example", is_staff=["on"], groups=data.get("groups", []) + [reviewer_group.pk])

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    entry = audit_trail.assert_recorded(AuditAction.ADMIN_CHANGED, actor=admin_user)
    assert (entry.object_type, entry.object_id) == ("auth.user", str(analyst.pk))
    fields = entry.details["fields"]
    assert set(fields) == {"email", "is_staff", "groups"}
    assert fields["email"] == {"old": hashed("anna@platform.example"), "new": hashed("anna.new@platform.example")}
    assert fields["is_staff"] == {"old": False, "new": True}
    assert fields["groups"] == {"added": [reviewer_group.pk], "removed": []}
    assert "platform.example" not in entry_text(entry)


def test_adding_a_user_records_the_addition_without_the_password(admin_client, admin_user, audit_trail):
    data = admin_form(admin_client, "/admin/auth/user/add/", "user_form")
    data.update(username="nina.new", password1=NEW_PASSWORD, password2=NEW_PASSWORD)
    data.setdefault("usable_password", "true")

    response = admin_client.post("/admin/auth/user/add/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    created = User.objects.get(username="nina.new")
    entry = audit_trail.assert_recorded(AuditAction.ADMIN_ADDED, actor=admin_user)
    assert (entry.object_type, entry.object_id) == ("auth.user", str(created.pk))
    assert entry.details["fields"]["username"] == {"new": hashed("nina.new")}
    assert entry.details["fields"]["password1"] == SECRET_CHANGED
    assert NEW_PASSWORD not in entry_text(entry) and "nina.new" not in entry_text(entry)


def test_changing_a_password_in_the_admin_is_recorded_without_it(admin_client, admin_user, analyst, audit_trail):
    url = f"/admin/auth/user/{analyst.pk}/password/"

    response = admin_client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})

    assert response.status_code == 302
    entry = audit_trail.assert_recorded(AuditAction.ADMIN_CHANGED, actor=admin_user)
    assert entry.object_id == str(analyst.pk)
    assert SECRET_CHANGED in entry.details["fields"].values()
    assert NEW_PASSWORD not in entry_text(entry)


def test_deleting_a_user_is_recorded_before_it_is_gone(admin_client, admin_user, audit_trail):
    leaver = User.objects.create_user("leo.leaver", email="leo@platform.example", password="x" * 20)

    response = admin_client.post(f"/admin/auth/user/{leaver.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=leaver.pk).exists()
    entry = audit_trail.assert_recorded(AuditAction.ADMIN_DELETED, actor=admin_user)
    assert (entry.object_type, entry.object_id) == ("auth.user", str(leaver.pk))


def test_bulk_deleting_users_records_each_one(admin_client, admin_user, audit_trail):
    leavers = [User.objects.create_user(f"leaver{n}", password="x" * 20) for n in range(2)]

    response = admin_client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [u.pk for u in leavers], "post": "yes"},
    )

    assert response.status_code == 302
    deleted = {entry.object_id for entry in audit_trail.entries(AuditAction.ADMIN_DELETED)}
    assert deleted == {str(u.pk) for u in leavers}


def test_changing_a_groups_permissions_is_recorded(admin_client, admin_user, audit_trail):
    group = Group.objects.get(name="auditor")
    url = f"/admin/auth/group/{group.pk}/change/"
    data = admin_form(admin_client, url, "group_form")
    permission = Permission.objects.get(codename="view_agency")
    data["permissions"] = [*data.get("permissions", []), str(permission.pk)]

    response = admin_client.post(url, data)

    assert response.status_code == 302
    entry = audit_trail.assert_recorded(AuditAction.ADMIN_CHANGED, actor=admin_user)
    assert entry.object_type == "auth.group"
    assert entry.details["fields"] == {"permissions": {"added": [permission.pk], "removed": []}}


def test_agency_groups_are_not_editable_as_plain_groups(admin_client, agency_a, officer_a):
    assert admin_client.get(f"/admin/auth/group/{agency_a.group_id}/change/").status_code == 302  # "does not exist"
    url = f"/admin/auth/user/{officer_a.pk}/change/"
    data = admin_form(admin_client, url, "user_form")
    assert str(agency_a.group_id) not in data.get("groups", [])

    admin_client.post(url, data)

    assert officer_a.groups.filter(pk=agency_a.group_id).exists()  # saving the user kept the agency


def test_adding_an_agency_in_the_admin_creates_its_group_and_is_recorded(admin_client, admin_user, audit_trail):
    data = admin_form(admin_client, "/admin/requests_app/agency/add/", "agency_form")
    data.update(name="Gendarmerie", country="fr", email_domains='["gendarmerie.interieur.gouv.fr"]')

    response = admin_client.post("/admin/requests_app/agency/add/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    agency = Agency.objects.get(name="Gendarmerie")
    assert agency.group.name.startswith("agency:") and agency.country == "FR"
    entry = audit_trail.assert_recorded(AuditAction.ADMIN_ADDED, actor=admin_user)
    assert (entry.object_type, entry.object_id) == ("requests_app.agency", str(agency.pk))
    assert entry.details["fields"]["name"] == {"new": "Gendarmerie"}
    audit_trail.assert_recorded(AuditAction.AGENCY_CREATED, actor=admin_user)


def test_inline_rows_with_personal_data_are_recorded_with_their_parent_hashed(admin_client, admin_user, audit_trail):
    import datetime as dt

    account = Account.objects.create(
        account_id="acc-77",
        username="someone",
        phone="+12025550100",
        registered_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    row = PhoneHistory.objects.create(account=account, number="+12025550100", valid_from=account.registered_at)
    url = f"/admin/subscribers/account/{account.pk}/change/"
    data = admin_form(admin_client, url, "account_form")
    prefix = next(key for key in data if key.endswith("-TOTAL_FORMS")).removesuffix("-TOTAL_FORMS")
    data[f"{prefix}-0-number"] = "+12025550111"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    entry = audit_trail.assert_recorded(AuditAction.ADMIN_CHANGED, actor=admin_user)
    (inline,) = entry.details["inlines"]
    assert inline["model"] == "subscribers.phonehistory" and inline["object"] == str(row.pk)
    assert inline["fields"]["number"] == {"old": hashed("+12025550100"), "new": hashed("+12025550111")}
    assert "2025550" not in entry_text(entry)


def test_loading_a_rule_set_in_the_admin_is_recorded(admin_client, admin_user, audit_trail):
    text = """format: lawreq-rules/1
rulesets:
- scope: jurisdiction
  jurisdiction: BE
  name: Belgium
  effective_from: "2026-01-01"
  change_note: Loaded in the admin.
  rules:
  - id: be.deadline
    check: response_deadline
    severity: fail
    message: Answer within 10 days.
    citation: "Regulation (EU) 2023/1543 Art. 10"
    params:
      days: 10
"""

    response = admin_client.post("/admin/rules/ruleset/load/", {"text": text})

    assert response.status_code == 302, response.content.decode()[:3000]
    audit_trail.assert_recorded(AuditAction.RULESET_CHANGED, actor=admin_user)


# --- object permissions --------------------------------------------------------------------------


def permissions_url(legal_request, user) -> str:
    return f"/admin/requests_app/legalrequest/{legal_request.pk}/permissions/user-manage/{user.pk}/"


def test_granting_and_revoking_an_object_permission_in_the_admin_is_recorded(
    admin_client, admin_user, officer_a, agency_a, draft_factory, django_user_model, audit_trail
):
    legal_request = draft_factory(officer_a)
    colleague = django_user_model.objects.create_user("carl.colleague", email="carl@springfield-pd.gov")
    from requests_app.services import officer_create

    officer_create(user=colleague, agency=agency_a)

    url = permissions_url(legal_request, colleague)
    granted = admin_client.post(url, {"permissions": ["view_legalrequest", "change_legalrequest"]})
    revoked = admin_client.post(url, {"permissions": ["view_legalrequest"]})

    assert granted.status_code == revoked.status_code == 302
    grants = audit_trail.entries(AuditAction.ACCESS_GRANTED, actor_id=admin_user.pk, request_ref=legal_request.ref)
    assert [grant.details for grant in grants] == [
        {"permission": "change_legalrequest", "user": colleague.pk},
        {"permission": "view_legalrequest", "user": colleague.pk},
    ]
    revoke = audit_trail.assert_recorded(AuditAction.ACCESS_REVOKED, actor=admin_user, request_ref=legal_request.ref)
    assert revoke.details == {"permission": "change_legalrequest", "user": colleague.pk}
    assert "change_legalrequest" not in get_perms(colleague, legal_request)
    assert "view_legalrequest" in get_perms(colleague, legal_request)


def test_the_admin_cannot_grant_a_request_to_another_agencys_officer(
    admin_client, officer_a, officer_b, draft_factory, audit_trail
):
    legal_request = draft_factory(officer_a)
    audit_trail.mark()

    response = admin_client.post(permissions_url(legal_request, officer_b), {"permissions": ["view_legalrequest"]})

    assert response.status_code == 200
    message = ERR_GRANT_OTHER_AGENCY.format(agency=legal_request.agency.name, grantee=officer_b.get_username())
    assert message in response.content.decode().replace("&#x27;", "'")
    assert get_perms(officer_b, legal_request) == []
    audit_trail.assert_not_recorded(AuditAction.ACCESS_GRANTED)


def test_creating_a_request_records_the_grant_to_its_agency(officer_a, agency_a, draft_factory, audit_trail):
    legal_request = draft_factory(officer_a)

    audit_trail.assert_recorded(
        AuditAction.ACCESS_GRANTED,
        actor=officer_a,
        request_ref=legal_request.ref,
        permission="view_legalrequest",
        group=agency_a.group_id,
    )


def test_an_agencys_domains_nested_a_thousand_levels_deep_are_refused_not_a_500(admin_client, agency_a):
    url = f"/admin/requests_app/agency/{agency_a.pk}/change/"
    data = {**admin_form(admin_client, url, "agency_form"), "email_domains": "[" * 1000 + "]" * 1000}

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert ERR_JSON_TOO_DEEP.format(limit=32) in response.content.decode()
    agency_a.refresh_from_db()
    assert agency_a.email_domains == ["springfield-pd.gov"]


def test_an_admin_action_records_what_it_was_run_on(admin_client, admin_user, officer_a, draft_factory, audit_trail):
    from letters.models import Response, ResponseStatus

    failed = Response.objects.create(legal_request=draft_factory(officer_a), status=ResponseStatus.FAILED)

    response = admin_client.post(
        "/admin/letters/response/", {"action": "generate_again", "_selected_action": [failed.pk], "index": 0}
    )

    assert response.status_code == 302
    audit_trail.assert_recorded(
        AuditAction.ADMIN_ACTION,
        actor=admin_user,
        model="letters.response",
        name="generate_again",
        objects=[str(failed.pk)],
    )
