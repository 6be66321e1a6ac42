"""Who may do what to a request of agency A: the fixed cast over every officer-side endpoint."""

from __future__ import annotations

import pytest

from audit.actions import AuditAction
from audit.models import AuditEntry
from audit.services import audit_hash_identifier
from requests_app.auth import REASON_CREDENTIALS
from requests_app.selectors import REASON_ROLE
from tests.api.test_auth_throttle import audit_closed_throttle_windows
from tests.conftest import PASSWORD, us_request_payload

pytestmark = pytest.mark.django_db


def _endpoints(ref: str, document_id: int) -> dict[str, tuple[str, str, dict | None]]:
    base = f"/api/v1/requests/{ref}/"
    return {
        "detail": ("get", base, None),
        "correct": ("patch", base, {"case_number": "X-1"}),
        "document-download": ("get", f"{base}documents/{document_id}/", None),
        "withdraw": ("post", f"{base}withdraw/", {}),
        "submit": ("post", f"{base}submit/", None),
    }


# What each member of the cast gets from each endpoint on agency A's draft.
EXPECTED = {
    "officer_a": {"detail": 200, "correct": 200, "document-download": 200, "withdraw": 200, "submit": 200},
    "officer_b": {"detail": 404, "correct": 404, "document-download": 404, "withdraw": 404, "submit": 404},
    "analyst": {"detail": 200, "correct": 403, "document-download": 200, "withdraw": 403, "submit": 403},
    "reviewer": {"detail": 200, "correct": 403, "document-download": 200, "withdraw": 403, "submit": 403},
    "auditor": {"detail": 403, "correct": 403, "document-download": 403, "withdraw": 403, "submit": 403},
}


@pytest.mark.parametrize("who", EXPECTED)
@pytest.mark.parametrize("endpoint", ["detail", "correct", "document-download", "withdraw", "submit"])
def test_cast_on_agency_a_request(request, api, officer_a, draft_factory, who, endpoint):
    legal_request = draft_factory(officer_a)
    method, path, body = _endpoints(legal_request.ref, legal_request.documents.get().pk)[endpoint]
    user = request.getfixturevalue(who)

    response = getattr(api(user), method)(path, body, format="json")

    assert response.status_code == EXPECTED[who][endpoint], response.content


def test_other_agencys_request_id_looks_like_it_does_not_exist(api, officer_a, officer_b, draft_factory):
    legal_request = draft_factory(officer_a)

    response = api(officer_b).get(f"/api/v1/requests/{legal_request.ref}/")
    missing = api(officer_b).get("/api/v1/requests/LR-2026-999999/")

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    denial = AuditEntry.objects.get(action=AuditAction.PERMISSION_DENIED)
    assert denial.actor_username == officer_b.username and denial.request_ref == legal_request.ref


def test_list_shows_an_officer_only_their_agencys_requests(api, officer_a, officer_b, draft_factory):
    mine = draft_factory(officer_a)
    draft_factory(officer_b)

    response = api(officer_a).get("/api/v1/requests/")

    assert response.status_code == 200
    assert [item["ref"] for item in response.json()["results"]] == [mine.ref]


@pytest.mark.parametrize("who", ["analyst", "reviewer"])
def test_list_shows_staff_every_request(request, api, officer_a, officer_b, draft_factory, who):
    draft_factory(officer_a), draft_factory(officer_b)
    response = api(request.getfixturevalue(who)).get("/api/v1/requests/")
    assert response.json()["count"] == 2


def test_list_is_refused_to_auditors(api, auditor):
    assert api(auditor).get("/api/v1/requests/").status_code == 403


def test_list_items_carry_no_target_identifiers(api, officer_a, draft_factory):
    draft_factory(officer_a)
    item = api(officer_a).get("/api/v1/requests/").json()["results"][0]
    assert "targets" not in item


def test_list_filters(api, officer_a, draft_factory, analyst):
    draft_factory(officer_a, emergency=True, process_type="emergency_disclosure")
    draft_factory(officer_a)
    client = api(analyst)
    assert client.get("/api/v1/requests/?emergency=true").json()["count"] == 1
    assert client.get("/api/v1/requests/?state=draft").json()["count"] == 2
    assert client.get("/api/v1/requests/?jurisdiction=fr").json()["count"] == 0
    assert client.get("/api/v1/requests/?overdue=true").json()["count"] == 0
    assert client.get("/api/v1/requests/?state=bogus").status_code == 400


@pytest.mark.parametrize("who", ["analyst", "reviewer", "auditor"])
def test_staff_cannot_create_requests(request, api, who):
    response = api(request.getfixturevalue(who)).post("/api/v1/requests/", us_request_payload(), format="json")
    assert response.status_code == 403


def test_staff_detail_read_is_audited(api, officer_a, analyst, draft_factory):
    legal_request = draft_factory(officer_a)
    api(analyst).get(f"/api/v1/requests/{legal_request.ref}/")
    entry = AuditEntry.objects.filter(action=AuditAction.REQUEST_VIEWED).latest("id")
    assert entry.actor_username == analyst.username and entry.role == "analyst"


# --- the token endpoint ------------------------------------------------------------------------------


def test_token_for_good_credentials_and_audit(api, officer_a):
    response = api().post("/api/v1/auth/token/", {"username": officer_a.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200 and response.json()["token"]
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_SUCCEEDED, actor_id=officer_a.pk).exists()


def test_bad_credentials_are_400_and_audited_without_the_name(api, officer_a):
    response = api().post("/api/v1/auth/token/", {"username": "hunter2-typed-here", "password": "x"}, format="json")
    assert response.status_code == 400
    failure = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert "hunter2" not in str(failure.details)


def test_repeated_failures_are_throttled_even_with_the_right_password(api, officer_a):
    client = api()
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": officer_a.username, "password": "wrong"}, format="json")

    response = client.post("/api/v1/auth/token/", {"username": officer_a.username, "password": PASSWORD}, format="json")

    assert response.status_code == 429
    audit_closed_throttle_windows()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_THROTTLED).exists()


@pytest.mark.parametrize("body", [[], {"username": 1, "password": 2}, {"username": "a"}, "text"])
def test_token_endpoint_bad_shapes_are_400(api, body):
    assert api().post("/api/v1/auth/token/", body, format="json").status_code == 400


def test_staff_need_a_second_factor_when_it_is_enforced(api, analyst, settings):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.LAWREQ_REQUIRE_STAFF_OTP = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own back-off would delay the good code
    device = TOTPDevice.objects.create(user=analyst, name="phone", confirmed=True)
    credentials = {"username": analyst.username, "password": PASSWORD}
    client = api()

    without = client.post("/api/v1/auth/token/", credentials, format="json")
    wrong = client.post("/api/v1/auth/token/", {**credentials, "otp": "000000"}, format="json")
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    right = client.post("/api/v1/auth/token/", {**credentials, "otp": code}, format="json")

    assert without.status_code == 400 and "otp" in without.json()
    assert wrong.status_code == 400 or code == "000000"
    assert right.status_code == 200 and right.json()["token"]


def test_officers_need_no_second_factor(api, officer_a, settings):
    settings.LAWREQ_REQUIRE_STAFF_OTP = True
    response = api().post("/api/v1/auth/token/", {"username": officer_a.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200


def test_log_in_entries_are_written_by_the_audit_helpers(api, officer_a):
    # given: one wrong password, one throttled-free success, from the same client address
    client = api()
    client.post("/api/v1/auth/token/", {"username": "Alice.Officer ", "password": "wrong"}, format="json")
    client.post("/api/v1/auth/token/", {"username": officer_a.username, "password": PASSWORD}, format="json")

    # then: the entries have the shape docs/audit.md promises (audit_login_failed / audit_login_succeeded)
    failure = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    address = audit_hash_identifier("127.0.0.1")
    assert failure.details == {
        "reason": REASON_CREDENTIALS,
        "username_hash": audit_hash_identifier("alice.officer"),
        "ip_hash": address,
    }
    success = AuditEntry.objects.get(action=AuditAction.LOGIN_SUCCEEDED)
    assert success.details == {"method": "token", "second_factor": False, "ip_hash": address}


def test_an_outside_denial_is_written_by_the_audit_helper(api, officer_b, draft_factory, officer_a):
    legal_request = draft_factory(officer_a)

    api(officer_b).get(f"/api/v1/requests/{legal_request.ref}/")

    denial = AuditEntry.objects.get(action=AuditAction.PERMISSION_DENIED)
    assert denial.details == {"resource": "requests_app.legalrequest", "reason": "outside the caller's reach"}


def test_a_role_without_access_to_requests_is_refused_and_recorded(api, auditor, draft_factory, officer_a):
    legal_request = draft_factory(officer_a)

    assert api(auditor).get(f"/api/v1/requests/{legal_request.ref}/").status_code == 403
    assert api(auditor).get("/api/v1/requests/LR-2026-999999/").status_code == 403

    denial = AuditEntry.objects.get(action=AuditAction.PERMISSION_DENIED)
    assert (denial.request_ref, denial.details) == (
        legal_request.ref,
        {"resource": "requests_app.legalrequest", "reason": REASON_ROLE},
    )


@pytest.mark.parametrize("body", ["{bad", '{"foo": 1}', "[1]"])
def test_submit_refuses_a_body_it_cannot_read_and_changes_nothing(api, officer_a, draft_factory, body):
    legal_request = draft_factory(officer_a)

    response = api(officer_a).post(
        f"/api/v1/requests/{legal_request.ref}/submit/", body, content_type="application/json"
    )

    assert response.status_code == 400
    legal_request.refresh_from_db()
    assert legal_request.state == "draft"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/requests/%00/",
        "/api/v1/requests/%00/submit/",
        "/api/v1/requests/%00/proposal/",
        "/api/v1/requests/%00/checks/",
        "/api/v1/requests/%00/preservation/",
        "/api/v1/requests/%00/snapshot/",
        "/api/v1/requests/%00/response.pdf",
        "/api/v1/audit/requests/%00/trail/",
        f"/api/v1/requests/LR-2026-{'9' * 5000}/proposal/",
    ],
)
def test_a_reference_that_is_not_one_matches_nothing(api, analyst, officer_a, auditor, path):
    # A NUL byte reached the database through these paths and answered 500 on PostgreSQL.
    for user in (analyst, officer_a, auditor):
        assert api(user).get(path).status_code == 404
        assert api(user).post(path, {}, format="json").status_code in (404, 405)
