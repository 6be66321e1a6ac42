"""A request holds a bounded number of documents, of a bounded total size."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from requests_app.models import LegalDocument
from requests_app.services import ERR_DOCUMENTS_TOO_LARGE, ERR_TOO_MANY_DOCUMENTS
from tests.conftest import make_pdf, us_request_payload

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/requests/"


def upload(client, ref: str, content: bytes):
    return client.post(
        f"{REQUESTS}{ref}/documents/", {"file": SimpleUploadedFile("order.pdf", content)}, format="multipart"
    )


def stored_files(settings) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def test_a_document_beyond_the_per_request_count_is_refused_and_nothing_is_stored(api, officer_a, settings):
    settings.LAWREQ_MAX_DOCUMENTS_PER_REQUEST = 2
    client = api(officer_a)
    ref = client.post(REQUESTS, us_request_payload(), format="json").json()["ref"]
    assert [upload(client, ref, make_pdf(f"Order {n}")).status_code for n in (1, 2)] == [201, 201]

    refused = upload(client, ref, make_pdf("Order 3"))

    assert refused.status_code == 409
    assert refused.json()["detail"] == ERR_TOO_MANY_DOCUMENTS.format(limit=2)
    assert LegalDocument.objects.filter(legal_request__ref=ref).count() == 2
    assert len(stored_files(settings)) == 2


def test_a_document_beyond_the_per_request_total_size_is_refused_and_nothing_is_stored(api, officer_a, settings):
    first, second = make_pdf("Order 1", pages=3), make_pdf("Order 2", pages=3)
    settings.LAWREQ_MAX_REQUEST_DOCUMENTS_BYTES = len(first) + len(second) - 1
    client = api(officer_a)
    ref = client.post(REQUESTS, us_request_payload(), format="json").json()["ref"]
    assert upload(client, ref, first).status_code == 201

    refused = upload(client, ref, second)

    assert refused.status_code == 413
    assert refused.json()["detail"] == ERR_DOCUMENTS_TOO_LARGE.format(limit=settings.LAWREQ_MAX_REQUEST_DOCUMENTS_BYTES)
    assert LegalDocument.objects.filter(legal_request__ref=ref).count() == 1
    assert len(stored_files(settings)) == 1


def test_the_default_caps_refuse_the_eighteen_documents_of_the_finding(api, officer_a, settings):
    client = api(officer_a)
    ref = client.post(REQUESTS, us_request_payload(), format="json").json()["ref"]

    codes = [upload(client, ref, make_pdf(f"Order {n}")).status_code for n in range(18)]

    limit = settings.LAWREQ_MAX_DOCUMENTS_PER_REQUEST
    assert limit < 18 and codes == [201] * limit + [409] * (18 - limit)
