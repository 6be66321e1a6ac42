"""The documents list shows the signature check: the legal team sees who signed and why it holds or
not; the officer sees only whether the order is signed and verified."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from requests_app.models import Jurisdiction
from requests_app.services import legal_request_add_document
from requests_app.trust import trust_root_add
from tests.conftest import draft_create, make_pdf
from tests.requests_app.signing_kit import OrderCA, asic_s, cades_sign, pades_sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_request(officer_b, shipped_rules):
    from django.test import TestCase

    from workflow.services import do_submit, do_validate

    ca = OrderCA.create("EU judicial test CA")
    trust_root_add(jurisdiction=Jurisdiction.objects.get(code="EU"), label="EU", certificate=ca.pem, actor=None)
    legal_request = draft_create(officer_b, with_document=False, process_type="production_order")
    signed = pades_sign(make_pdf(), ca.signer(qualified=True))
    legal_request_add_document(
        legal_request=legal_request, actor=officer_b, upload=SimpleUploadedFile("order.pdf", signed)
    )
    with TestCase.captureOnCommitCallbacks(execute=False):
        do_submit(legal_request=legal_request, actor=officer_b)
    do_validate(legal_request_id=legal_request.pk)
    return legal_request


def test_the_legal_team_sees_the_signer_and_the_outcome(client_for, analyst, signed_request):
    page = client_for(analyst).get(reverse("web:staff-detail", kwargs={"ref": signed_request.ref})).content.decode()

    assert "Valid signature" in page
    assert "qualified" in page
    assert "Juge d&#x27;instruction, Tribunal judiciaire de Paris" in page
    assert "EU judicial test CA" in page


def test_the_officer_sees_only_signed_and_verified(client_for, officer_b, signed_request):
    officer_client = client_for(officer_b)
    officer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the officer's own choice over the agency's
    page = officer_client.get(reverse("web:portal-detail", kwargs={"ref": signed_request.ref})).content.decode()

    assert "Signed, verified" in page
    assert "Tribunal judiciaire de Paris" not in page
    assert "EU judicial test CA" not in page
    assert "Revocation not checked" not in page


def test_the_portal_takes_an_asic_container_and_stores_the_pdf_inside(client_for, officer_b, draft_factory):
    ca = OrderCA.create("EU judicial test CA")
    trust_root_add(jurisdiction=Jurisdiction.objects.get(code="EU"), label="EU", certificate=ca.pem, actor=None)
    draft = draft_factory(officer_b, with_document=False)
    pdf = make_pdf()
    container = asic_s(pdf, cades_sign(pdf, ca.signer()))

    response = client_for(officer_b).post(
        reverse("web:portal-upload", kwargs={"ref": draft.ref}),
        {"file": SimpleUploadedFile("order.asics", container)},
    )

    assert response.status_code == 302
    document = draft.documents.get()
    assert (document.size, document.signature_status) == (len(pdf), "valid")
