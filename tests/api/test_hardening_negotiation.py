"""Content negotiation on the binary endpoints, and JSON 404s under /api/."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ACCEPTS = ["application/pdf", "*/*", "application/pdf, application/json;q=0.5"]


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_legal_document_downloads_with_any_accept_that_takes_a_pdf(api, officer_a, draft_factory, accept):
    legal_request = draft_factory(officer_a)
    document = legal_request.documents.get()

    response = api(officer_a).get(f"/api/v1/requests/{legal_request.ref}/documents/{document.pk}/", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_missing_document_with_accept_pdf_is_a_json_404(api, officer_a, draft_factory):
    legal_request = draft_factory(officer_a, with_document=False)

    response = api(officer_a).get(
        f"/api/v1/requests/{legal_request.ref}/documents/999999/", HTTP_ACCEPT="application/pdf"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "accept", "content_type"),
    [
        ({"year": 2026, "half": 2}, "application/pdf", "application/pdf"),
        ({"year": 2026, "half": 2}, "text/csv", "text/csv; charset=utf-8"),
        ({"year": 2026, "half": 2}, "*/*", "application/json"),
        ({"year": 2026, "half": 2, "format": "csv"}, "text/csv", "text/csv; charset=utf-8"),
    ],
)
def test_report_exports_answer_the_type_they_are_asked_for(api, auditor, query, accept, content_type):
    response = api(auditor).get("/api/v1/reports/transparency/", query, HTTP_ACCEPT=accept)

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == content_type


@pytest.mark.parametrize("accept", ["text/csv", "*/*"])
def test_activity_export_answers_csv(api, auditor, accept):
    response = api(auditor).get("/api/v1/reports/activity/", {"format": "csv"}, HTTP_ACCEPT=accept)

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/no-such-thing/", "/api/nothing", "/api/v1/requests/not-a-reference/", "/api/v1/audit/entries/x/proof/"],
)
def test_an_unknown_path_under_api_answers_json_404(path, api, officer_a):
    for client in (Client(), api(officer_a)):
        response = client.get(path)

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}


def test_an_unknown_page_outside_the_api_is_still_html():
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/sla/?format=AAA",
        "/api/v1/audit/requests/LR-2026-000001/trail/?format=AAA",
        "/api/v1/requests/LR-2026-000001/response.pdf?format=AAA",
        "/api/v1/requests/LR-2026-000001/documents/1/?format=AAA",
        "/api/v1/requests/?format=AAA",
    ],
)
def test_without_credentials_an_unknown_format_is_401_not_a_format_error(client, path):
    # Found by fuzzing (tests/fuzz): DRF negotiates the format before it authenticates.
    response = client.get(path)

    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Token"
