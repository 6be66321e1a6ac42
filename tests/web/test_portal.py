"""The officers' portal: filing, correcting, documents, submission, withdrawal, the answer."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEntry
from letters.models import Response, ResponseStatus
from requests_app.documents import ERR_NOT_PDF
from requests_app.models import LegalRequest
from requests_app.services import ERR_DATE_RANGE, ERR_DOCUMENT_STATE, ERR_NO_DOCUMENT
from requests_app.states import State
from requests_app.targets import ERR_USERNAME
from tests.conftest import SHARED_PER_MODULE, make_pdf
from web.forms import ERR_TARGET_LINE, ERR_TARGET_TYPE
from workflow.services import CHECKS_QUESTION

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]

NEW = "/portal/new/"


def form_data(**overrides) -> dict:
    data = {
        "jurisdiction": "US",
        "process_type": "subpoena",
        "legal_channel": "direct",
        "case_number": "2026-CR-0042",
        "offense": "Wire fraud (18 U.S.C. 1343)",
        "offense_category": "fraud",
        "offense_max_sentence_years": "20",
        "terms_violation": "on",
        "issuing_authority_type": "court",
        "issuing_authority_name": "U.S. District Court, D. Springfield",
        "issued_at": "2026-11-20",
        "date_from": "2026-10-01",
        "date_to": "2026-11-01",
        "categories": ["ip_addresses", "phone_number"],
        "targets": "username:@Someone\nphone:(202) 555-0199\n",
        "idempotency_key": "form-1",
    }
    data.update(overrides)
    return data


def detail_url(legal_request: LegalRequest, name: str = "web:portal-detail") -> str:
    return reverse(name, kwargs={"ref": legal_request.ref})


def test_an_officer_files_a_draft_with_normalised_targets(client_for, officer_a):
    response = client_for(officer_a).post(NEW, form_data())

    legal_request = LegalRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(legal_request)
    assert legal_request.state == State.DRAFT
    assert legal_request.agency == officer_a.officer.agency
    assert sorted((t.type, t.value) for t in legal_request.targets.all()) == [
        ("phone", "+12025550199"),
        ("username", "someone"),
    ]
    assert legal_request.categories == ["ip_addresses", "phone_number"]
    assert legal_request.issuing_authority_type == "court"


def test_posting_the_same_form_twice_files_one_draft(client_for, officer_a):
    client = client_for(officer_a)
    first = client.post(NEW, form_data())
    second = client.post(NEW, form_data())
    assert LegalRequest.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_target_lines_are_checked_one_by_one_and_nothing_is_filed(client_for, officer_a):
    response = client_for(officer_a).post(NEW, form_data(targets="username:@someone\nsomeone\nfax:123"))

    assert response.status_code == 400
    assert response.context["form"].errors["targets"] == [
        ERR_TARGET_LINE.format(line=2),
        ERR_TARGET_TYPE.format(line=3, type="fax"),
    ]
    assert not LegalRequest.objects.exists()


def test_a_target_the_service_refuses_is_shown_on_the_line_typed(client_for, officer_a):
    targets = "phone:+12025550199\n\n   \nusername:no spaces allowed"
    response = client_for(officer_a).post(NEW, form_data(targets=targets))

    assert response.status_code == 400
    assert response.context["form"].errors["targets"] == [f"Line 4: {ERR_USERNAME}"]
    assert not LegalRequest.objects.exists()


def test_a_backwards_period_is_shown_on_its_field(client_for, officer_a):
    response = client_for(officer_a).post(NEW, form_data(date_from="2026-11-02", date_to="2026-11-01"))

    assert response.status_code == 400
    assert response.context["form"].errors["date_from"] == [ERR_DATE_RANGE]
    assert not LegalRequest.objects.exists()


def test_missing_and_malformed_fields_are_400_never_500(client_for, officer_a):
    data = form_data(
        jurisdiction="XX",
        process_type="telepathy",
        categories=["dna"],
        issued_at="yesterday",
        offense_max_sentence_years="-3",
        targets="",
    )
    response = client_for(officer_a).post(NEW, data)

    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {
        "jurisdiction",
        "process_type",
        "categories",
        "issued_at",
        "offense_max_sentence_years",
        "targets",
    }


def test_a_nul_byte_is_refused(client_for, officer_a):
    response = client_for(officer_a).post(NEW, form_data(case_number="A\x00B"))
    assert response.status_code == 400
    assert "case_number" in response.context["form"].errors


def test_a_png_named_pdf_is_refused_with_415(client_for, officer_a, draft_factory, pdf_upload):
    draft = draft_factory(officer_a, with_document=False)
    png = pdf_upload(name="order.pdf", content=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)

    response = client_for(officer_a).post(detail_url(draft, "web:portal-upload"), {"file": png})

    assert response.status_code == 415
    assert response.context["upload_form"].errors["file"] == [ERR_NOT_PDF]
    assert not draft.documents.exists()


def test_an_upload_without_a_file_is_400(client_for, officer_a, draft_factory):
    draft = draft_factory(officer_a, with_document=False)
    response = client_for(officer_a).post(detail_url(draft, "web:portal-upload"), {})
    assert response.status_code == 400


def test_a_document_cannot_be_added_once_the_legal_team_has_the_request(client_for, officer_a, request_a, pdf_upload):
    response = client_for(officer_a).post(detail_url(request_a, "web:portal-upload"), {"file": pdf_upload()})

    assert response.status_code == 409
    assert ERR_DOCUMENT_STATE in response.content.decode()
    assert request_a.documents.count() == 1


def test_submitting_without_a_document_says_why_with_409(client_for, officer_a, draft_factory):
    draft = draft_factory(officer_a, with_document=False)

    response = client_for(officer_a).post(detail_url(draft, "web:portal-submit"))

    assert response.status_code == 409
    assert ERR_NO_DOCUMENT in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_an_officer_uploads_the_pdf_submits_and_sees_the_request_in_review(
    client_for, officer_a, draft_factory, pdf_upload, shipped_rules, django_capture_on_commit_callbacks
):
    draft = draft_factory(officer_a, with_document=False)
    client = client_for(officer_a)

    upload = client.post(detail_url(draft, "web:portal-upload"), {"file": pdf_upload(content=make_pdf("Order"))})
    with django_capture_on_commit_callbacks(execute=True):
        submit = client.post(detail_url(draft, "web:portal-submit"))
    page = client.get(detail_url(draft))

    assert upload.status_code == submit.status_code == 302
    draft.refresh_from_db()
    assert draft.state == State.IN_REVIEW
    assert draft.due_at is not None
    assert 'id="request-state">In review<' in page.content.decode()


def test_submitting_twice_is_409_and_changes_nothing(client_for, officer_a, request_a):
    response = client_for(officer_a).post(detail_url(request_a, "web:portal-submit"))
    assert response.status_code == 409
    request_a.refresh_from_db()
    assert request_a.state == State.IN_REVIEW


def test_an_officer_withdraws_a_request(client_for, officer_a, request_a):
    response = client_for(officer_a).post(detail_url(request_a, "web:portal-withdraw"), {"reason": "Case closed"})

    assert response.status_code == 302
    request_a.refresh_from_db()
    assert request_a.state == State.WITHDRAWN


def test_a_withdrawn_request_offers_no_action_and_a_second_withdrawal_is_409(client_for, officer_a, request_a):
    client = client_for(officer_a)
    client.post(detail_url(request_a, "web:portal-withdraw"))

    page = client.get(detail_url(request_a)).content.decode()
    assert 'id="withdraw-form"' not in page and 'id="submit-form"' not in page
    assert client.post(detail_url(request_a, "web:portal-withdraw")).status_code == 409


def test_what_the_checks_found_is_said_once_on_the_officers_page_and_never_twice_in_one_sentence(
    client_for, officer_a, submitted_factory
):
    # given a request that does not state the conduct breaks the terms, nor its case number
    legal_request = submitted_factory(officer_a, case_number="", terms_violation=False)
    assert legal_request.state == State.NEEDS_INFO
    findings = legal_request.info_requested.splitlines()
    assert len(findings) >= 2

    page = html.unescape(client_for(officer_a).get(detail_url(legal_request)).content.decode())

    # each finding once: in "What the checks found", not again in the banner, conversation or timeline
    for finding in findings:
        assert page.count(finding) == 1, finding
    assert CHECKS_QUESTION in page  # the conversation asks, pointing to the list
    assert page.count('id="timeline"') == 1  # the timeline is on the page once (it was in the <title> too)
    assert "<title>" in page and "Timeline" not in page.partition("<title>")[2].partition("</title>")[0]
    # and the finding about the terms does not say the same thing twice
    [terms] = [finding for finding in findings if "terms of service" in finding]
    assert terms.count("terms of service") == 1, terms


def test_an_officer_answers_a_question_by_correcting_and_resubmitting(
    client_for, officer_a, submitted_factory, django_capture_on_commit_callbacks
):
    # given a subpoena without its case number: the checks ask the officer for it
    legal_request = submitted_factory(officer_a, case_number="")
    assert legal_request.state == State.NEEDS_INFO
    client = client_for(officer_a)

    page = client.get(detail_url(legal_request)).content.decode()
    assert 'id="info-requested"' in page
    assert "case number" in page
    assert "What the checks found" in page

    # when the officer corrects the request and submits it again
    edit = client.get(detail_url(legal_request, "web:portal-edit"))
    assert "2026-CR" not in edit.content.decode()
    corrected = client.post(detail_url(legal_request, "web:portal-edit"), form_data(case_number="2026-CR-0042"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail_url(legal_request, "web:portal-submit"))

    # then it is back with the legal team
    assert corrected.status_code == 302
    legal_request.refresh_from_db()
    assert legal_request.case_number == "2026-CR-0042"
    assert legal_request.state == State.IN_REVIEW


def test_a_request_in_review_cannot_be_corrected(client_for, officer_a, request_a):
    client = client_for(officer_a)
    assert client.get(detail_url(request_a, "web:portal-edit"))["Location"] == detail_url(request_a)

    response = client.post(detail_url(request_a, "web:portal-edit"), form_data(case_number="X-1"))

    assert response.status_code == 409
    request_a.refresh_from_db()
    assert request_a.case_number == "2026-CR-0042"


def test_the_portal_lists_only_the_agency_s_own_requests(client_for, officer_a, officer_b, draft_factory):
    own = draft_factory(officer_a, with_document=False)
    other = draft_factory(officer_b, with_document=False)

    page = client_for(officer_a).get("/portal/").content.decode()

    assert own.ref in page
    assert other.ref not in page


def test_every_showing_of_the_officer_s_page_is_audited(client_for, officer_a, request_a):
    client_for(officer_a).get(detail_url(request_a))
    entry = AuditEntry.objects.filter(action=AuditAction.REQUEST_VIEWED, request_ref=request_a.ref).get()
    assert entry.actor_id == officer_a.pk
    assert entry.details == {"via": "web"}


def test_there_is_no_letter_to_download_before_the_answer(client_for, officer_a, request_a):
    client = client_for(officer_a)
    assert "download-response" not in client.get(detail_url(request_a)).content.decode()
    assert client.get(detail_url(request_a, "web:portal-response")).status_code == 404


def test_the_officer_downloads_the_signed_letter_and_the_download_is_audited(
    client_for, officer_a, officer_b, reviewer, pending_approval_request, django_capture_on_commit_callbacks
):
    from workflow.services import do_decide

    # given an approved request whose letter the task signed after commit
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(legal_request=pending_approval_request, actor=reviewer, approve=True)
    stored = Response.objects.get(legal_request=pending_approval_request)
    assert stored.status == ResponseStatus.STORED
    client = client_for(officer_a)

    page = client.get(detail_url(pending_approval_request)).content.decode()
    download = client.get(detail_url(pending_approval_request, "web:portal-response"))

    assert 'id="download-response"' in page
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download.content.startswith(b"%PDF")
    entry = AuditEntry.objects.filter(action=AuditAction.RESPONSE_DOWNLOADED).get()
    assert entry.details == {"sha256": stored.sha256, "via": "web"}
    # and another agency's officer gets nothing
    assert client_for(officer_b).get(detail_url(pending_approval_request, "web:portal-response")).status_code == 404
