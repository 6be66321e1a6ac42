from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_openapi_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/v1/requests/", "/api/v1/auth/token/", "/api/v1/requests/{ref}/submit/"):
        assert path in text


def test_swagger_ui_is_served_offline(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html


def test_the_workbench_additions_are_in_the_schema(tmp_path):
    import yaml

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    schema = yaml.safe_load(out.read_text())

    assert "/api/v1/requests/{ref}/assign/" in schema["paths"]
    listed = {parameter["name"] for parameter in schema["paths"]["/api/v1/requests/"]["get"]["parameters"]}
    assert {"q", "target", "assignee"} <= listed
    components = schema["components"]["schemas"]
    assert "assignee" in components["LegalRequest"]["properties"]
    proposal_write = next(body for name, body in components.items() if name.startswith("ProposalWrite"))
    assert "the letter prints" in proposal_write["properties"]["reasons"]["description"]
    assert "Never printed" in proposal_write["properties"]["reason"]["description"]
