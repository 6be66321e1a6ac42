"""The officers' portal: their agency's requests, filing and correcting one, its documents,
submitting and withdrawing it, and the signed answer."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from disclosure.selectors import annex_iii_public
from lawreq.errors import DomainError, PayloadTooLarge, UnsupportedMediaType
from lawreq.views import megabytes
from letters.api import pdf_response, response_filename
from letters.selectors import response_stored
from letters.services import response_download
from notifications.services import notifications_mark_read_for_request
from requests_app import selectors, services
from requests_app.models import LegalRequest
from requests_app.states import EDITABLE_STATES, EXPLAINED_BY_CHECKS_STATES, State, can_transition
from rules.engine import PROCEED
from rules.selectors import checks_missing_text, latest_check_run, officer_findings
from rules.services import Precheck, legal_request_precheck
from web.forms import (
    DocumentUploadForm,
    LegalRequestForm,
    MessageForm,
    WithdrawForm,
    unreachable_categories_by_process,
    unreachable_category_warnings,
)
from web.views.common import (
    error_page,
    keeps_typed_form,
    officer_required,
    paginate,
    show_domain_error,
    visible_request,
)
from web.views.kept_form import restore_kept_post
from web.views.threads import officer_conversation_context
from workflow.services import do_submit, do_withdraw

MSG_CREATED = _("Draft {ref} created. Add the legal document (PDF), check it, then file the request.")
MSG_CREATED_WITH_DOCUMENT = _("Draft {ref} created with its document. Check it before filing.")
MSG_UPDATED = _("Request {ref} updated.")
MSG_DOCUMENT_ADDED = _("Document “{name}” added.")
MSG_SUBMITTED = _("Request {ref} submitted. The legal team's checks are running.")
MSG_WITHDRAWN = _("Request {ref} withdrawn.")
MSG_NOT_CORRECTABLE = _("The legal team has this request now: it can be corrected only when they ask for information.")
MSG_CHOOSE_FILE_AGAIN = _(
    "“{name}” was not stored because of the mistakes above, and the browser cannot keep a chosen file: choose it "
    "again before sending."
)
MSG_FORM_RESTORED = _(
    "Your session had ended before the form was sent. What you typed is below, not saved yet: check it and send it "
    "again."
)

PORTAL_PAGE_SIZE = 25


@officer_required
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    requests = selectors.legal_requests_visible_to(request.user).order_by("-created_at", "-id")
    return render(
        request,
        "web/portal.html",
        {
            "agency": request.user.officer.agency,
            "page": paginate(request, requests, PORTAL_PAGE_SIZE),
            "query": "",
        },
    )


def render_portal_detail(
    request: HttpRequest,
    legal_request: LegalRequest,
    *,
    status: int = 200,
    upload_form: DocumentUploadForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    message_form: MessageForm | None = None,
    precheck: Precheck | None = None,
) -> HttpResponse:
    """The officer's page of one request. It shows the targets, so each showing is audited."""
    selectors.legal_request_shown(user=request.user, legal_request=legal_request, via="web")
    legal_request = LegalRequest.objects.prefetch_related("targets", "documents").get(pk=legal_request.pk)
    correctable = legal_request.state in EDITABLE_STATES
    check_run = latest_check_run(legal_request) if legal_request.state in EXPLAINED_BY_CHECKS_STATES else None
    findings = officer_findings(check_run)
    return render(
        request,
        "web/portal_detail.html",
        {
            "legal_request": legal_request,
            "findings": findings,
            # The checks asked: the banner points to the findings listed once below, not a second copy.
            "asked_by_checks": bool(findings)
            and legal_request.state == State.NEEDS_INFO
            and legal_request.info_requested == checks_missing_text(check_run),
            "can_edit": correctable,
            # After an emergency disclosure the agency owes the follow-up legal process: it is uploaded here.
            "followup_owed": legal_request.followup_state in services.FOLLOWUP_OPEN_STATES,
            "can_submit": correctable,
            "can_withdraw": can_transition(legal_request.state, State.WITHDRAWN),
            "response": response_stored(legal_request=legal_request),
            # The answer in the form of Annex III of Regulation (EU) 2023/1543: its public labels only.
            "annex_iii": annex_iii_public(legal_request),
            "upload_form": upload_form or DocumentUploadForm(),
            "withdraw_form": withdraw_form or WithdrawForm(),
            "max_document_size": megabytes(settings.LAWREQ_MAX_DOCUMENT_BYTES),
            "precheck": precheck,
            # Filing becomes the page's first action only once the check says the rules would proceed.
            "precheck_passed": precheck is not None and precheck.recommendation == PROCEED,
            "has_document": legal_request.documents.exists(),
            "step": filing_step(legal_request, precheck),
            **officer_conversation_context(request, legal_request, message_form),
        },
        status=status,
    )


@officer_required
@require_GET
def portal_detail(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = visible_request(request, ref)
    notifications_mark_read_for_request(user=request.user, legal_request=legal_request)
    return render_portal_detail(request, legal_request)


def filing_step(legal_request: LegalRequest, precheck: Precheck | None) -> int:
    """Where a correctable request stands on the way to filing: 1 details, 2 document, 3 check,
    4 file (0 once filed)."""
    if legal_request.state not in EDITABLE_STATES:
        return 0
    if not legal_request.documents.exists():
        return 2
    return 4 if precheck is not None and precheck.recommendation == PROCEED else 3


def _render_request_form(request, form, *, legal_request=None, upload_form=None, status=200) -> HttpResponse:
    context = {
        "form": form,
        "unreachable_categories": unreachable_categories_by_process(form),
        "legal_request": legal_request,
        "upload_form": upload_form or DocumentUploadForm(),
        "max_document_size": megabytes(settings.LAWREQ_MAX_DOCUMENT_BYTES),
    }
    return render(request, "web/request_form.html", context, status=status)


def _ask_for_the_file_again(upload_form: DocumentUploadForm) -> None:
    """A browser never fills a file field again: a good PDF sent with a form that had mistakes must
    be chosen again, and the field says so (nothing of it was stored)."""
    upload = upload_form.cleaned_data.get("file") if not upload_form.errors else None
    if upload is not None:
        upload_form.add_error("file", MSG_CHOOSE_FILE_AGAIN.format(name=upload.name))


def _warn_unreachable_categories(request: HttpRequest, legal_request: LegalRequest) -> None:
    for warning in unreachable_category_warnings(legal_request):
        messages.warning(request, warning)


def _restored_form(request: HttpRequest) -> LegalRequestForm | None:
    kept = restore_kept_post(request)
    if kept is None:
        return None
    messages.info(request, MSG_FORM_RESTORED)
    form = LegalRequestForm(kept)
    form.is_valid()  # what is wrong in it shows on its fields, as after any post
    return form


@keeps_typed_form
@officer_required
def portal_create(request: HttpRequest) -> HttpResponse:
    agency = request.user.officer.agency
    if request.method != "POST":
        return _render_request_form(request, _restored_form(request) or LegalRequestForm(agency=agency))
    form = LegalRequestForm(request.POST)
    upload_form = DocumentUploadForm(request.POST, request.FILES, optional=True)
    if not (form.is_valid() & upload_form.is_valid()):
        _ask_for_the_file_again(upload_form)
        return _render_request_form(request, form, upload_form=upload_form, status=400)
    upload = upload_form.cleaned_data.get("file")
    try:
        # The draft and its document together, or neither: a refused file leaves no half-made draft.
        with transaction.atomic():
            legal_request, _created = services.legal_request_create(
                actor=request.user,
                data=form.service_data(),
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            )
            if upload is not None and not legal_request.documents.exists():
                services.legal_request_add_document(legal_request=legal_request, actor=request.user, upload=upload)
    except DomainError as error:
        if isinstance(error, UnsupportedMediaType | PayloadTooLarge):
            show_domain_error(request, error, upload_form, field_map={"": "file"})
        else:
            show_domain_error(request, error, form)
            _ask_for_the_file_again(upload_form)
        return _render_request_form(request, form, upload_form=upload_form, status=error.status_code)
    message = MSG_CREATED_WITH_DOCUMENT if upload is not None else MSG_CREATED
    messages.success(request, message.format(ref=legal_request.ref))
    _warn_unreachable_categories(request, legal_request)
    return redirect("web:portal-detail", ref=legal_request.ref)


@keeps_typed_form
@officer_required
def portal_edit(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = visible_request(request, ref)
    if request.method != "POST" and legal_request.state not in EDITABLE_STATES:
        messages.info(request, MSG_NOT_CORRECTABLE)
        return redirect("web:portal-detail", ref=legal_request.ref)
    if request.method != "POST":
        form = _restored_form(request) or LegalRequestForm(initial=LegalRequestForm.initial_from(legal_request))
        return _render_request_form(request, form, legal_request=legal_request)
    form = LegalRequestForm(request.POST)
    if not form.is_valid():
        return _render_request_form(request, form, legal_request=legal_request, status=400)
    try:
        services.legal_request_update(legal_request=legal_request, actor=request.user, data=form.service_data())
    except DomainError as error:
        show_domain_error(request, error, form)
        return _render_request_form(request, form, legal_request=legal_request, status=error.status_code)
    messages.success(request, MSG_UPDATED.format(ref=legal_request.ref))
    _warn_unreachable_categories(request, legal_request)
    return redirect("web:portal-detail", ref=legal_request.ref)


@officer_required
@require_http_methods(["GET", "POST"])
def portal_precheck(request: HttpRequest, ref: str) -> HttpResponse:
    """The check before filing, on the request's page: what the rules will say, before submitting.
    It changes nothing but an audit entry, so the page's address may be opened again (GET)."""
    legal_request = visible_request(request, ref)
    try:
        precheck = legal_request_precheck(legal_request=legal_request, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return render_portal_detail(request, legal_request, status=error.status_code)
    return render_portal_detail(request, legal_request, precheck=precheck)


@officer_required
@require_POST
def portal_upload(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = visible_request(request, ref)
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_portal_detail(request, legal_request, status=400, upload_form=form)
    try:
        document = services.legal_request_add_document(
            legal_request=legal_request, actor=request.user, upload=form.cleaned_data["file"]
        )
    except DomainError as error:
        # What the document checks say is about the file itself; a refusal for the state goes on top.
        about_the_file = isinstance(error, UnsupportedMediaType | PayloadTooLarge)
        show_domain_error(request, error, form, field_map={"": "file"} if about_the_file else None)
        return render_portal_detail(request, legal_request, status=error.status_code, upload_form=form)
    messages.success(request, MSG_DOCUMENT_ADDED.format(name=document.name))
    return redirect("web:portal-detail", ref=legal_request.ref)


@officer_required
@require_POST
def portal_submit(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = visible_request(request, ref)
    try:
        do_submit(legal_request=legal_request, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return render_portal_detail(request, legal_request, status=error.status_code)
    messages.success(request, MSG_SUBMITTED.format(ref=legal_request.ref))
    return redirect("web:portal-detail", ref=legal_request.ref)


@officer_required
@require_POST
def portal_withdraw(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = visible_request(request, ref)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return render_portal_detail(request, legal_request, status=400, withdraw_form=form)
    try:
        do_withdraw(legal_request=legal_request, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
        return render_portal_detail(request, legal_request, status=error.status_code, withdraw_form=form)
    messages.success(request, MSG_WITHDRAWN.format(ref=legal_request.ref))
    return redirect("web:portal-detail", ref=legal_request.ref)


@officer_required
@require_GET
def portal_response(request: HttpRequest, ref: str) -> HttpResponse:
    """The signed letter, as an attachment; the service audits the download."""
    try:
        response, pdf = response_download(user=request.user, ref=ref, via="web")
    except DomainError as error:
        return error_page(request, error)
    notifications_mark_read_for_request(user=request.user, legal_request=response.legal_request)
    return pdf_response(pdf, filename=response_filename(response.legal_request.ref))
