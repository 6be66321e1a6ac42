from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEntry
from lawreq.errors import (
    Conflict,
    InvalidInput,
    NotPermitted,
    PayloadTooLarge,
    TransitionNotAllowed,
    UnsupportedMediaType,
)
from requests_app import services
from requests_app.documents import ERR_DAMAGED_PDF, ERR_NOT_PDF, sanitize_filename
from requests_app.models import LegalRequest
from requests_app.states import TRANSITIONS, State
from tests.conftest import make_pdf
from workflow.services import do_submit, do_withdraw

pytestmark = pytest.mark.django_db

TRANSITION_SERVICES = {
    State.IN_REVIEW: lambda r: services.legal_request_start_review(legal_request=r),
    State.NEEDS_INFO: lambda r: services.legal_request_ask_for_info(legal_request=r, question="Which account?"),
    State.PENDING_APPROVAL: lambda r: services.legal_request_await_approval(legal_request=r, actor=None),
    State.APPROVED: lambda r: services.legal_request_approve(legal_request=r, actor=None),
    State.REJECTED: lambda r: services.legal_request_reject(legal_request=r, actor=None, reasons=["No basis"]),
    State.RESPONDED: lambda r: services.legal_request_mark_responded(
        legal_request=r, outcome="disclosed", accounts_affected=1
    ),
    State.WITHDRAWN: lambda r: do_withdraw(legal_request=r, actor=None),
}


def _force_state(legal_request: LegalRequest, state: str) -> LegalRequest:
    LegalRequest.objects.filter(pk=legal_request.pk).update(state=state)
    legal_request.refresh_from_db()
    return legal_request


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [(f, t) for f, t in itertools.product(State.values, TRANSITION_SERVICES) if t in TRANSITIONS[f]],
)
def test_allowed_transition_moves_state_and_audits(draft_factory, officer_a, from_state, to_state):
    legal_request = _force_state(draft_factory(officer_a), from_state)
    before = AuditEntry.objects.count()

    TRANSITION_SERVICES[to_state](legal_request)

    assert legal_request.state == to_state
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == AuditAction.REQUEST_TRANSITIONED
    assert entry.details["from"] == from_state and entry.details["to"] == to_state
    assert entry.details["jurisdiction"] == "US"


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [(f, t) for f, t in itertools.product(State.values, TRANSITION_SERVICES) if t not in TRANSITIONS[f]],
)
def test_refused_transition_raises_and_changes_nothing(draft_factory, officer_a, from_state, to_state):
    legal_request = _force_state(draft_factory(officer_a), from_state)
    before = AuditEntry.objects.count()

    with pytest.raises(TransitionNotAllowed):
        TRANSITION_SERVICES[to_state](legal_request)

    legal_request.refresh_from_db()
    assert legal_request.state == from_state
    assert AuditEntry.objects.count() == before


def test_references_are_sequential_per_year(draft_factory, officer_a):
    first, second = draft_factory(officer_a), draft_factory(officer_a)
    year = timezone.now().year
    assert first.ref == f"LR-{year}-000001"
    assert second.ref == f"LR-{year}-000002"


def test_submit_sets_receipt_and_deadline(draft_factory, officer_a):
    legal_request = draft_factory(officer_a)

    do_submit(legal_request=legal_request, actor=officer_a)

    legal_request.refresh_from_db()
    assert legal_request.received_at is not None
    assert legal_request.due_at > legal_request.received_at
    assert legal_request.state != State.DRAFT


def test_submit_without_document_is_a_conflict(draft_factory, officer_a):
    legal_request = draft_factory(officer_a, with_document=False)

    with pytest.raises(Conflict):
        do_submit(legal_request=legal_request, actor=officer_a)

    legal_request.refresh_from_db()
    assert legal_request.state == State.DRAFT


def test_phone_targets_are_normalised_in_the_requests_region(draft_factory, officer_a, officer_b):
    us = draft_factory(officer_a, targets=[{"type": "phone", "value": "(202) 555-0199"}])
    fr = draft_factory(officer_b, targets=[{"type": "phone", "value": "06 12 34 56 78"}])
    assert [target.value for target in us.targets.all()] == ["+12025550199"]
    assert [target.value for target in fr.targets.all()] == ["+33612345678"]


def test_usernames_lose_the_at_sign_and_duplicates_collapse(draft_factory, officer_a):
    legal_request = draft_factory(
        officer_a, targets=[{"type": "username", "value": "@Someone"}, {"type": "username", "value": "someone"}]
    )
    assert [(target.type, target.value) for target in legal_request.targets.all()] == [("username", "someone")]


def test_a_phone_number_that_is_not_one_is_refused(draft_factory, officer_a):
    with pytest.raises(InvalidInput) as error:
        draft_factory(officer_a, targets=[{"type": "phone", "value": "12345"}])
    assert error.value.field == "targets[0].value"
    assert not LegalRequest.objects.exists()


def test_only_officers_create_requests(draft_factory, analyst):
    with pytest.raises(NotPermitted):
        services.legal_request_create(actor=analyst, data={})


def test_officer_must_use_an_agency_domain(agency_a, django_user_model):
    user = django_user_model.objects.create_user("mallory", email="mallory@gmail.com", password="x" * 16)
    with pytest.raises(InvalidInput):
        services.officer_create(user=user, agency=agency_a)


def test_document_is_hashed_and_name_sanitised(draft_factory, officer_a, pdf_upload):
    import hashlib

    content = make_pdf("Warrant")
    legal_request = draft_factory(officer_a, with_document=False)

    document = services.legal_request_add_document(
        legal_request=legal_request, actor=officer_a, upload=pdf_upload("../../etc/<script>.pdf", content)
    )

    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.name == "script.pdf"
    assert "/etc/" not in document.file.name


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"0" * 100, ERR_NOT_PDF),
        (make_pdf()[:300], ERR_DAMAGED_PDF),
        (b"%PDF-1.7\n garbage without structure", ERR_DAMAGED_PDF),
    ],
    ids=["png-named-pdf", "truncated-pdf", "pdf-header-only"],
)
def test_files_that_are_not_readable_pdfs_are_refused(draft_factory, officer_a, pdf_upload, content, message):
    legal_request = draft_factory(officer_a, with_document=False)

    with pytest.raises(UnsupportedMediaType) as error:
        services.legal_request_add_document(
            legal_request=legal_request, actor=officer_a, upload=pdf_upload(content=content)
        )

    assert error.value.message == message
    assert not legal_request.documents.exists()


def test_document_over_the_limit_is_refused_before_parsing(draft_factory, officer_a, pdf_upload, settings):
    settings.LAWREQ_MAX_DOCUMENT_BYTES = 1000
    legal_request = draft_factory(officer_a, with_document=False)

    with pytest.raises(PayloadTooLarge):
        services.legal_request_add_document(
            legal_request=legal_request, actor=officer_a, upload=pdf_upload(content=b"%PDF-" + b"x" * 2000)
        )


def test_documents_cannot_be_added_after_submission(draft_factory, officer_a, pdf_upload):
    legal_request = _force_state(draft_factory(officer_a), State.IN_REVIEW)
    with pytest.raises(TransitionNotAllowed):
        services.legal_request_add_document(legal_request=legal_request, actor=officer_a, upload=pdf_upload())


@pytest.mark.parametrize(
    ("name", "expected"),
    [("order.pdf", "order.pdf"), ("C:\\evil\\x.pdf", "C_evil_x.pdf"), ("", "document.pdf"), ("a b.PDF", "a_b.pdf")],
)
def test_sanitize_filename(name, expected):
    assert sanitize_filename(name) == expected


def test_withdrawn_request_can_no_longer_be_submitted(draft_factory, officer_a):
    legal_request = draft_factory(officer_a)
    do_withdraw(legal_request=legal_request, actor=officer_a)
    with pytest.raises(TransitionNotAllowed):
        do_submit(legal_request=legal_request, actor=officer_a)
