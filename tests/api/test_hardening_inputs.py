"""Inputs that used to answer 500: JSON nested a thousand levels deep, and dates out of range in
filters. Each is a clear 400 that changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from lawreq.parsers import ERR_JSON_TOO_DEEP
from requests_app.models import LegalRequest
from rules.documents import ERR_TOO_DEEP as ERR_RULE_FILE_TOO_DEEP
from rules.documents import RuleFileInvalid, load_rule_text
from tests.conftest import us_request_payload

pytestmark = pytest.mark.django_db

DEPTH = 1000
OUT_OF_RANGE = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"]


def nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_an_anonymous_log_in_nested_a_thousand_levels_deep_is_refused_with_400():
    response = Client().post("/api/v1/auth/token/", nested_json(DEPTH), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == ERR_JSON_TOO_DEEP.format(limit=32)


@pytest.mark.parametrize("depth", [DEPTH, 5000])
def test_a_request_with_a_field_nested_a_thousand_levels_deep_is_refused_and_nothing_is_created(api, officer_a, depth):
    entries_before = AuditEntry.objects.count()
    body = '{"jurisdiction": "US", "categories": ' + nested_json(depth) + "}"

    response = api(officer_a).post("/api/v1/requests/", body, content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not LegalRequest.objects.exists()
    assert AuditEntry.objects.count() == entries_before


def test_json_within_the_depth_limit_is_still_accepted(api, officer_a, settings):
    settings.LAWREQ_MAX_JSON_DEPTH = 3  # the payload nests 3 levels: body, targets, a target

    response = api(officer_a).post("/api/v1/requests/", us_request_payload(), format="json")

    assert response.status_code == 201, response.content


def test_a_rule_file_nested_a_thousand_levels_deep_is_refused_as_invalid():
    with pytest.raises(RuleFileInvalid) as refused:
        load_rule_text("format: lawreq-rules/1\nrulesets: " + nested_json(DEPTH - 10))

    assert ERR_RULE_FILE_TOO_DEEP.format(limit=32) in str(refused.value)


# --- dates out of range --------------------------------------------------------------------------


@pytest.mark.parametrize("parameter", ["since", "until"])
@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_audit_entry_filters_out_of_range_answer_400(api, auditor, parameter, value):
    response = api(auditor).get("/api/v1/audit/entries/", {parameter: value})

    assert response.status_code == 400, response.content
    assert parameter in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/activity/",
        "/api/v1/reports/personal-data-access/",
        "/api/v1/reports/permission-denials/",
        "/api/v1/reports/sla/",
    ],
)
@pytest.mark.parametrize("parameter", ["since", "until"])
@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_report_windows_out_of_range_answer_400(api, auditor, path, parameter, value):
    response = api(auditor).get(path, {parameter: value})

    assert response.status_code == 400, response.content
    assert parameter in response.json()


@pytest.mark.parametrize("parameter", ["since", "until"])
def test_dates_at_the_edge_of_the_calendar_in_utc_still_filter(api, auditor, parameter):
    response = api(auditor).get("/api/v1/audit/entries/", {parameter: "9999-12-31T23:59:59+00:00"})

    assert response.status_code == 200, response.content
