"""The web UI: the officers' portal, the legal team's queue and request pages, and each role's start page.

Views are thin: they check the page's role, call selectors and services, and turn a domain error
into a message on the page with the error's HTTP status. Every page that shows a request's targets
is a read of personal data and is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.errors import DomainError, NotFound, NotPermitted, PayloadTooLarge, UnsupportedMediaType
from lawreq.roles import Role, has_role
from letters.api import pdf_response, response_filename
from letters.models import Response
from letters.selectors import response_stored
from letters.services import response_download
from requests_app import selectors, services
from requests_app.forms import (
    DocumentUploadForm,
    LegalRequestForm,
    LoginForm,
    QueueFilterForm,
    WithdrawForm,
    add_domain_error,
)
from requests_app.models import LegalRequest, State
from requests_app.states import can_transition
from rules.selectors import latest_check_run, officer_findings
from rules.services import legal_request_check

ERR_NO_ROLE = "Your account has no role in lawreq yet: ask an administrator to give you one."
ERR_STAFF_ONLY = "This page is for the legal team (analysts and reviewers)."
ERR_OFFICERS_ONLY = "This page is for police officers."
ERR_ANALYSTS_ONLY = "Only analysts run the checks again."

MSG_CREATED = "Draft {ref} created. Add the legal document (PDF), then submit the request."
MSG_UPDATED = "Request {ref} updated."
MSG_DOCUMENT_ADDED = "Document “{name}” added."
MSG_SUBMITTED = "Request {ref} submitted. The legal team's checks are running."
MSG_WITHDRAWN = "Request {ref} withdrawn."
MSG_CHECKS_RUN = "The checks ran again with the rules in force."
MSG_NOT_CORRECTABLE = "The legal team has this request now: it can be corrected only when they ask for information."

QUEUE_PAGE_SIZE = 25
CHECKABLE_STATES = frozenset({State.RECEIVED, State.NEEDS_INFO, State.IN_REVIEW})
# Failures first, then warnings: what the analyst must look at comes before what passed.
OUTCOME_ORDER = {"fail": 0, "warn": 1, "pass": 2}
# The officer reads the checks' failures when they are the reason for the state, not while staff deliberate.
FINDINGS_STATES = frozenset({State.NEEDS_INFO, State.REJECTED})
PORTAL_PAGE_SIZE = 25


def is_officer(user) -> bool:
    return hasattr(user, "officer")


def is_auditor(user) -> bool:
    return has_role(user, Role.AUDITOR)


def role_required(allowed: Callable[[Any], bool], message: str):
    """Log in first; then a page of another role answers 403 before any object is looked up,
    so the answer says nothing about whether a reference exists."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not allowed(request.user):
                if "ref" in kwargs:
                    audit_record(
                        action=AuditAction.PERMISSION_DENIED,
                        actor=request.user,
                        request_ref=kwargs["ref"][:20],
                        details={"reason": "role", "via": "web"},
                    )
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return login_required(never_cache(wrapper))

    return decorator


def is_analyst(user) -> bool:
    return has_role(user, Role.ANALYST)


staff_required = role_required(selectors.is_request_staff, ERR_STAFF_ONLY)
analyst_required = role_required(is_analyst, ERR_ANALYSTS_ONLY)
officer_required = role_required(is_officer, ERR_OFFICERS_ONLY)


def visible_request(request: HttpRequest, ref: str) -> LegalRequest:
    """The request if the user may see it; 404 (audited by the selector) otherwise."""
    try:
        return selectors.legal_request_get(user=request.user, ref=ref)
    except NotFound:
        raise Http404(selectors.ERR_NOT_FOUND)


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A domain error with no page to show it on: its message, with its status."""
    if isinstance(error, NotFound):
        raise Http404(error.message)
    if isinstance(error, NotPermitted):
        raise PermissionDenied(error.message)
    return render(request, "requests_app/error.html", {"error": error}, status=error.status_code)


def show_domain_error(request: HttpRequest, error: DomainError, form=None, field_map=None) -> None:
    """On the field the error names when the form has it, else as a message at the top of the page."""
    if form is None or not add_domain_error(form, error, field_map=field_map):
        messages.error(request, error.message)


def paginate(request: HttpRequest, items, per_page: int):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# Log-in and the start page


class WebLoginView(LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=429 if form.throttled else 200)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each role to its own start page."""
    user = request.user
    if is_officer(user):
        return redirect("web:portal")
    if selectors.is_request_staff(user):
        return redirect("web:queue")
    if is_auditor(user):
        return redirect("audit-reports")
    if has_role(user, Role.ADMIN) or user.is_staff:
        return redirect("admin:index")
    raise PermissionDenied(ERR_NO_ROLE)


# The legal team


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    filters = QueueFilterForm(request.GET or None)
    requests = filters.apply(selectors.legal_requests_visible_to(request.user))
    requests = requests.order_by(F("due_at").asc(nulls_last=True), "id")
    return render(
        request,
        "requests_app/queue.html",
        {
            "filters": filters,
            "page": paginate(request, requests, QUEUE_PAGE_SIZE),
            "query": query_without_page(request),
        },
    )


def _outcome_rank(result: dict) -> int:
    return OUTCOME_ORDER.get(result.get("outcome"), len(OUTCOME_ORDER))


def staff_detail_context(request: HttpRequest, legal_request: LegalRequest, forms: dict | None = None) -> dict:
    # disclosure.views builds on this module (its forms post back to this page): imported late.
    from disclosure.views import decision_context

    legal_request = LegalRequest.objects.prefetch_related("targets", "documents").get(pk=legal_request.pk)
    check_run = latest_check_run(legal_request)
    user = request.user
    return {
        "legal_request": legal_request,
        "check_run": check_run,
        "check_results": sorted(check_run.results, key=_outcome_rank) if check_run else [],
        "letter": Response.objects.filter(legal_request=legal_request).first(),
        "can_run_checks": is_analyst(user) and legal_request.state in CHECKABLE_STATES,
        **decision_context(request, legal_request, check_run=check_run, forms=forms or {}),
    }


def render_staff_detail(
    request: HttpRequest, legal_request: LegalRequest, *, status: int = 200, forms: dict | None = None
) -> HttpResponse:
    """The request page for the legal team. It shows the targets, so each showing is audited."""
    audit_record(
        action=AuditAction.REQUEST_VIEWED,
        actor=request.user,
        obj=legal_request,
        request_ref=legal_request.ref,
        details={"via": "web"},
    )
    context = staff_detail_context(request, legal_request, forms)
    return render(request, "requests_app/staff_detail.html", context, status=status)


@staff_required
@require_GET
def staff_detail(request: HttpRequest, ref: str) -> HttpResponse:
    return render_staff_detail(request, visible_request(request, ref))


@analyst_required
@require_POST
def checks_run(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = visible_request(request, ref)
    try:
        legal_request_check(legal_request=legal_request, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return render_staff_detail(request, legal_request, status=error.status_code)
    messages.success(request, MSG_CHECKS_RUN)
    return redirect("web:staff-detail", ref=legal_request.ref)


# Police officers


@officer_required
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    requests = selectors.legal_requests_visible_to(request.user).order_by("-created_at", "-id")
    return render(
        request,
        "requests_app/portal.html",
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
) -> HttpResponse:
    """The officer's page of one request. It shows the targets, so each showing is audited."""
    audit_record(
        action=AuditAction.REQUEST_VIEWED,
        actor=request.user,
        obj=legal_request,
        request_ref=legal_request.ref,
        details={"via": "web"},
    )
    legal_request = LegalRequest.objects.prefetch_related("targets", "documents").get(pk=legal_request.pk)
    correctable = can_transition(legal_request.state, State.RECEIVED)
    return render(
        request,
        "requests_app/portal_detail.html",
        {
            "legal_request": legal_request,
            "findings": officer_findings(latest_check_run(legal_request))
            if legal_request.state in FINDINGS_STATES
            else [],
            "can_edit": correctable,
            "can_submit": correctable,
            "can_withdraw": can_transition(legal_request.state, State.WITHDRAWN),
            "response": response_stored(legal_request=legal_request),
            "upload_form": upload_form or DocumentUploadForm(),
            "withdraw_form": withdraw_form or WithdrawForm(),
        },
        status=status,
    )


@officer_required
@require_GET
def portal_detail(request: HttpRequest, ref: str) -> HttpResponse:
    return render_portal_detail(request, visible_request(request, ref))


def _render_request_form(request, form, *, legal_request=None, status=200) -> HttpResponse:
    return render(
        request, "requests_app/request_form.html", {"form": form, "legal_request": legal_request}, status=status
    )


@officer_required
def portal_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_request_form(request, LegalRequestForm())
    form = LegalRequestForm(request.POST)
    if not form.is_valid():
        return _render_request_form(request, form, status=400)
    try:
        legal_request, _ = services.legal_request_create(
            actor=request.user,
            data=form.service_data(),
            idempotency_key=form.cleaned_data["idempotency_key"] or None,
        )
    except DomainError as error:
        show_domain_error(request, error, form)
        return _render_request_form(request, form, status=error.status_code)
    messages.success(request, MSG_CREATED.format(ref=legal_request.ref))
    return redirect("web:portal-detail", ref=legal_request.ref)


@officer_required
def portal_edit(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = visible_request(request, ref)
    if request.method != "POST" and not can_transition(legal_request.state, State.RECEIVED):
        messages.info(request, MSG_NOT_CORRECTABLE)
        return redirect("web:portal-detail", ref=legal_request.ref)
    if request.method != "POST":
        form = LegalRequestForm(initial=LegalRequestForm.initial_from(legal_request))
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
    return redirect("web:portal-detail", ref=legal_request.ref)


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
        services.legal_request_submit(legal_request=legal_request, actor=request.user)
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
        services.legal_request_withdraw(
            legal_request=legal_request, actor=request.user, reason=form.cleaned_data["reason"]
        )
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
    return pdf_response(pdf, filename=response_filename(response.legal_request.ref))
