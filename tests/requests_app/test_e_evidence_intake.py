"""The e-Evidence certificate's fields at intake (Regulation (EU) 2023/1543, Annexes I and II): accepted on a
European Production or Preservation Order from a member state, refused with a clear 400 otherwise, nothing
changed."""

from __future__ import annotations

import pytest

from requests_app.e_evidence import (
    ERR_IP_PURPOSE_WITHOUT_IP,
    ERR_NOT_EU_ORDER,
    ERR_NOTIFIED_PRESERVATION,
)
from requests_app.models import LegalRequest
from tests.conftest import api_client, fr_request_payload, us_request_payload

ENFORCING = {"state": "IE", "name": "An Garda Síochána, Mutual Assistance", "notified": True}


def epoc_payload(**overrides) -> dict:
    """A French judge's European Production Order for an account's IP addresses as traffic data."""
    payload = fr_request_payload(
        process_type="production_order",
        categories=["ip_addresses"],
        certificate_reference="EPOC-FR-2026-0118",
        ip_purpose="traffic",
        validating_authority={"type": "judge", "name": "JLD, TJ Paris"},
        enforcing_authority=ENFORCING,
    )
    payload.update(overrides)
    return payload


def test_officer_files_an_epoc_with_its_certificate_fields(officer_b):
    response = api_client(officer_b).post("/api/v1/requests/", epoc_payload(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["certificate_reference"] == "EPOC-FR-2026-0118"
    assert body["ip_purpose"] == "traffic"
    assert body["validating_authority"] == {"type": "judge", "name": "JLD, TJ Paris"}
    assert body["enforcing_authority"]["state"] == "IE"
    assert body["enforcing_authority"]["notified"] is True
    assert body["enforcing_authority"]["window_ends_at"] is None  # set on submission
    stored = LegalRequest.objects.get(ref=body["ref"])
    assert (stored.enforcing_state, stored.enforcing_authority_notified) == ("IE", True)


def test_lower_case_state_is_stored_upper_case(officer_b):
    payload = epoc_payload(enforcing_authority={**ENFORCING, "state": "ie"})

    response = api_client(officer_b).post("/api/v1/requests/", payload, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["enforcing_authority"]["state"] == "IE"


@pytest.mark.parametrize(
    ("enforcing_authority", "message"),
    [
        ({**ENFORCING, "state": "US"}, "other than the issuing state FR; 'US' is not"),
        ({**ENFORCING, "state": "FR"}, "other than the issuing state FR; 'FR' is not"),
        ({**ENFORCING, "state": "DK"}, "'DK' is not"),
        ({**ENFORCING, "state": "XX"}, "'XX' is not"),
        ({**ENFORCING, "state": "IRL"}, "two-letter member-state code"),
    ],
)
def test_enforcing_state_must_be_another_bound_member_state(officer_b, enforcing_authority, message):
    response = api_client(officer_b).post(
        "/api/v1/requests/", epoc_payload(enforcing_authority=enforcing_authority), format="json"
    )

    assert response.status_code == 400
    assert message in str(response.json())
    assert not LegalRequest.objects.exists()


def test_unknown_ip_purpose_is_refused(officer_b):
    response = api_client(officer_b).post("/api/v1/requests/", epoc_payload(ip_purpose="tracing"), format="json")

    assert response.status_code == 400
    assert "ip_purpose" in response.json()
    assert not LegalRequest.objects.exists()


def test_ip_purpose_without_ip_addresses_is_refused(officer_b):
    payload = epoc_payload(categories=["subscriber_profile"], ip_purpose="identification", enforcing_authority=None)

    response = api_client(officer_b).post("/api/v1/requests/", payload, format="json")

    assert response.status_code == 400
    assert ERR_IP_PURPOSE_WITHOUT_IP in str(response.json())


def test_notified_order_must_name_the_state_it_was_notified_to(officer_b):
    payload = epoc_payload(enforcing_authority={"state": "IE", "notified": True})
    payload["enforcing_authority"].pop("state")

    response = api_client(officer_b).post("/api/v1/requests/", payload, format="json")

    assert response.status_code == 400
    assert not LegalRequest.objects.exists()


def test_preservation_order_is_not_notified(officer_b):
    payload = epoc_payload(process_type="preservation_order")

    response = api_client(officer_b).post("/api/v1/requests/", payload, format="json")

    assert response.status_code == 400
    assert ERR_NOTIFIED_PRESERVATION in str(response.json())


def test_certificate_fields_on_a_us_subpoena_are_refused(officer_a):
    payload = us_request_payload(certificate_reference="EPOC-1", enforcing_authority=ENFORCING)

    response = api_client(officer_a).post("/api/v1/requests/", payload, format="json")

    assert response.status_code == 400
    assert ERR_NOT_EU_ORDER.format(fields="certificate_reference, enforcing_state, enforcing_authority_name, "
                                   "enforcing_authority_notified") in str(response.json())  # fmt: skip
    assert not LegalRequest.objects.exists()


def test_correction_that_breaks_the_fields_changes_nothing(officer_b):
    created = api_client(officer_b).post("/api/v1/requests/", epoc_payload(), format="json").json()

    response = api_client(officer_b).patch(
        f"/api/v1/requests/{created['ref']}/", {"process_type": "court_order"}, format="json"
    )

    assert response.status_code == 400
    assert LegalRequest.objects.get(ref=created["ref"]).process_type == "production_order"


def test_correction_clears_the_enforcing_authority_with_null(officer_b):
    created = api_client(officer_b).post("/api/v1/requests/", epoc_payload(), format="json").json()

    response = api_client(officer_b).patch(
        f"/api/v1/requests/{created['ref']}/", {"enforcing_authority": None}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["enforcing_authority"] is None
    stored = LegalRequest.objects.get(ref=created["ref"])
    assert (stored.enforcing_state, stored.enforcing_authority_notified) == ("", False)


def test_blank_enforcing_state_is_refused_with_a_clear_message(officer_b):
    payload = epoc_payload(enforcing_authority={**ENFORCING, "state": ""})

    response = api_client(officer_b).post("/api/v1/requests/", payload, format="json")

    assert response.status_code == 400
    assert "two-letter member-state code" in str(response.json())


# A correction (PATCH) with a part of a nested authority: 400 with the missing key, never a 500, never a silent
# clearing; nothing changed.


@pytest.mark.parametrize(
    ("body", "field", "key"),
    [
        ({"enforcing_authority": {"notified": True}}, "enforcing_authority", "state"),
        ({"enforcing_authority": {}}, "enforcing_authority", "state"),
        ({"validating_authority": {"name": "x"}}, "validating_authority", "type"),
        ({"issuing_authority": {"name": "x"}}, "issuing_authority", "type"),
    ],
)
def test_a_correction_with_part_of_an_authority_is_refused(officer_b, body, field, key):
    created = api_client(officer_b).post("/api/v1/requests/", epoc_payload(), format="json").json()

    response = api_client(officer_b).patch(f"/api/v1/requests/{created['ref']}/", body, format="json")

    assert response.status_code == 400, response.content[:300]
    assert key in response.json()[field]
    stored = LegalRequest.objects.get(ref=created["ref"])
    assert (stored.enforcing_state, stored.enforcing_authority_notified) == ("IE", True)
    assert (stored.validating_authority_type, stored.issuing_authority_type) == ("judge", "judge")


def test_denmark_issues_no_european_order(officer_b):
    payload = epoc_payload(jurisdiction="DK", enforcing_authority=None)

    response = api_client(officer_b).post("/api/v1/requests/", payload, format="json")

    assert response.status_code == 400
    assert "only a European Production or Preservation Order from an EU member state" in str(response.json())
    assert not LegalRequest.objects.exists()


@pytest.mark.parametrize("validator", ["police", "other"])
def test_the_police_do_not_validate_a_european_order(officer_b, validator):
    payload = epoc_payload(validating_authority={"type": validator, "name": "Brigade criminelle"})

    response = api_client(officer_b).post("/api/v1/requests/", payload, format="json")

    assert response.status_code == 400
    assert "validated by a judge, an investigating judge, a court or a prosecutor" in str(response.json())
    assert not LegalRequest.objects.exists()
