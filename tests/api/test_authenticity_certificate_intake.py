"""The officer asks for a certificate of authenticity of the records at intake (``authenticity_certificate``):
set on creation, corrected on a draft and while the legal team waits for information, returned by GET,
audited, described in the schema; anything but a boolean is a 400 that changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from audit.actions import AuditAction
from audit.models import AuditEntry
from requests_app.models import LegalRequest
from requests_app.states import State
from tests.conftest import us_request_payload

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/requests/"
ASK = {"authenticity_certificate": True}


def test_the_field_round_trips_and_defaults_to_false(api, officer_a):
    asked = api(officer_a).post(REQUESTS, us_request_payload(authenticity_certificate=True), format="json")
    not_asked = api(officer_a).post(REQUESTS, us_request_payload(), format="json")

    assert asked.status_code == 201, asked.content
    assert asked.json()["authenticity_certificate"] is True
    assert not_asked.json()["authenticity_certificate"] is False
    ref = asked.json()["ref"]
    assert api(officer_a).get(f"{REQUESTS}{ref}/").json()["authenticity_certificate"] is True
    created = AuditEntry.objects.get(action=AuditAction.REQUEST_CREATED, request_ref=ref)
    assert created.details["authenticity_certificate"] is True


def test_the_officer_sets_it_on_a_draft(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a)

    response = api(officer_a).patch(
        f"{REQUESTS}{legal_request.ref}/", {"authenticity_certificate": True}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["authenticity_certificate"] is True
    updated = AuditEntry.objects.filter(action=AuditAction.REQUEST_UPDATED, request_ref=legal_request.ref).last()
    assert updated.details["fields"] == ["authenticity_certificate"]


def test_the_officer_sets_it_while_information_is_asked(api, officer_a, analyst, in_review_factory):
    from workflow.services import do_propose

    legal_request = in_review_factory(officer_a)
    do_propose(legal_request=legal_request, actor=analyst, decision="need_info", reason="Which court issued it?")
    legal_request.refresh_from_db()
    assert legal_request.state == State.NEEDS_INFO

    response = api(officer_a).patch(
        f"{REQUESTS}{legal_request.ref}/", {"authenticity_certificate": True}, format="json"
    )

    assert response.status_code == 200, response.content
    legal_request.refresh_from_db()
    assert legal_request.authenticity_certificate is True


@pytest.mark.parametrize("value", ["yes", "true", 1, None, [True], {"asked": True}])
def test_anything_but_a_boolean_is_a_400_that_changes_nothing(api, officer_a, draft_factory, value):
    legal_request = draft_factory(officer_a)
    count = LegalRequest.objects.count()

    created = api(officer_a).post(REQUESTS, us_request_payload(authenticity_certificate=value), format="json")
    corrected = api(officer_a).patch(
        f"{REQUESTS}{legal_request.ref}/", {"authenticity_certificate": value}, format="json"
    )

    assert created.status_code == 400 and "authenticity_certificate" in created.content.decode()
    assert corrected.status_code == 400
    assert LegalRequest.objects.count() == count
    legal_request.refresh_from_db()
    assert legal_request.authenticity_certificate is False


def test_the_schema_describes_it(tmp_path):
    import yaml

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    components = yaml.safe_load(out.read_text())["components"]["schemas"]

    for name in ("LegalRequest", "LegalRequestWrite"):
        description = components[name]["properties"]["authenticity_certificate"]["description"]
        assert "902(11)" in description and "902(13)" in description
    verification = components["Verification"]["properties"]["certificate"]
    assert "SHA-256" in str(verification)
