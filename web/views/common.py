"""What every page shares: the role a page asks for, the request a user may see, how a domain error
is shown, the log-in and each role's start page.

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
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lawreq.errors import DomainError, NotFound, NotPermitted
from lawreq.roles import Role, has_role, is_legal_staff
from requests_app import selectors
from requests_app.login import CredentialsLoginView
from requests_app.models import LegalRequest
from web.forms import LoginForm, add_domain_error
from web.views.kept_form import keep_post_after_expiry

ERR_NO_ROLE = _("Your account has no role in lawreq yet: ask an administrator to give you one.")
ERR_STAFF_ONLY = "This page is for the legal team (analysts and reviewers)."
ERR_OFFICERS_ONLY = _("This page is for police officers.")
ERR_ANALYSTS_ONLY = "Only analysts run the checks again."
ERR_AUDITORS_ONLY = "These pages are for compliance auditors."
MSG_FORM_KEPT = _("Your session had ended. Log in again: what you typed in the form is kept.")

REASON_ROLE = "the page is for another role"


def is_officer(user) -> bool:
    return hasattr(user, "officer")


def is_auditor(user) -> bool:
    return has_role(user, Role.AUDITOR)


def is_analyst(user) -> bool:
    return has_role(user, Role.ANALYST)


def role_required(allowed: Callable[[Any], bool], message: str):
    """Log in first; then a page of another role answers 403 before any object is looked up,
    so the answer says nothing about whether a reference exists. A refused page about a request
    is recorded as a denial."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not allowed(request.user):
                if "ref" in kwargs:
                    selectors.legal_request_refused(
                        user=request.user, ref=kwargs["ref"], resource=page_resource(request), reason=REASON_ROLE
                    )
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return login_required(never_cache(wrapper))

    return decorator


staff_required = role_required(is_legal_staff, ERR_STAFF_ONLY)
analyst_required = role_required(is_analyst, ERR_ANALYSTS_ONLY)
officer_required = role_required(is_officer, ERR_OFFICERS_ONLY)
auditor_required = role_required(is_auditor, ERR_AUDITORS_ONLY)


def keeps_typed_form(view):
    """A form page whose post, sent after the session timed out, is kept across the log-in
    (``web.views.kept_form``); the page's GET restores it with ``restore_kept_post``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated and keep_post_after_expiry(request):
            messages.info(request, MSG_FORM_KEPT)
            return redirect_to_login(request.path)
        return view(request, *args, **kwargs)

    return wrapper


def page_resource(request: HttpRequest) -> str:
    """The page, as a refusal names it in the audit trail."""
    return f"web:{request.resolver_match.url_name}"


def visible_request(request: HttpRequest, ref: str) -> LegalRequest:
    """The request if the user may see it; 404 (audited by the selector) otherwise."""
    try:
        return selectors.legal_request_get(user=request.user, ref=ref)
    except NotFound:
        raise Http404(selectors.ERR_NOT_FOUND)


def request_under_review(request: HttpRequest, ref: str) -> LegalRequest:
    """The request, for the legal team's pages about it; 404 (audited by the selector) for anyone
    else, the requesting officer included even if they hold a staff role."""
    try:
        return selectors.legal_request_get_for_staff(user=request.user, ref=ref, resource=page_resource(request))
    except NotFound:
        raise Http404(selectors.ERR_NOT_FOUND)


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A domain error with no page to show it on: its message, with its status."""
    if isinstance(error, NotFound):
        raise Http404(error.message)
    if isinstance(error, NotPermitted):
        raise PermissionDenied(error.message)
    return render(request, "web/error.html", {"error": error}, status=error.status_code)


def show_domain_error(request: HttpRequest, error: DomainError, form=None, field_map=None) -> None:
    """On the field the error names when the form has it, else as a message at the top of the page."""
    if form is None or not add_domain_error(form, error, field_map=field_map):
        messages.error(request, error.message)


def show_error_on_form(error: DomainError, form, field_map=None) -> None:
    """On the field the error names, else at the top of the form itself, never only at the top of a
    long page: the decision forms sit far down the request page."""
    if not add_domain_error(form, error, field_map=field_map):
        form.add_error(None, error.message)


def paginate(request: HttpRequest, items, per_page: int):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class WebLoginView(CredentialsLoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each role to its own start page."""
    user = request.user
    if is_officer(user):
        return redirect("web:portal")
    if is_legal_staff(user):
        return redirect("web:queue")
    if is_auditor(user):
        return redirect("web:audit-status")
    if has_role(user, Role.ADMIN) or user.is_staff:
        return redirect("admin:index")
    raise PermissionDenied(ERR_NO_ROLE)
