"""Error pages: under /api/ every error is JSON, as a client of the API expects; elsewhere a page in
the site's style, saying what happened in words and offering a way back."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from lawreq.middleware import API_PREFIX, database_error_in_flight, database_unavailable
from lawreq.sessions import SESSION_EXPIRED_USER_KEY

NOT_FOUND = "Not found."
SERVER_ERROR = "Server error."
BAD_REQUEST = "Bad request."
FORBIDDEN = "You do not have permission to perform this action."
CSRF_FAILED = "CSRF Failed: the form's token is missing or out of date."

TITLE_BAD_REQUEST = _("This request could not be read")
TITLE_FORBIDDEN = _("This page is not for you")
TITLE_NOT_FOUND = _("Not found")
TITLE_TOO_LARGE = _("The upload is too large")
TITLE_CSRF = _("This form is out of date")
TITLE_SERVER_ERROR = _("Something went wrong on our side")

TEXT_BAD_REQUEST = _("The page could not make sense of what the browser sent. Go back and try again.")
TEXT_FORBIDDEN = _("Your account's role does not give access to this page.")
TEXT_NOT_FOUND = _("There is no such page, or it is outside your reach.")
TEXT_TOO_LARGE = _(
    "A legal document may be at most {limit}. Nothing was stored: go back, choose a smaller PDF "
    "(a scan at a lower resolution, or only the pages of the order) and upload it again."
)
TEXT_CSRF = _(
    "The page you sent was opened before you logged in again (in another tab or window), or it stayed "
    "open too long. Nothing was saved. Go back, reload the page and send the form again."
)
TITLE_LOGGED_OUT = _("You were logged out")
TEXT_LOGGED_OUT = _(
    "Your session ended before this form was sent (after a time without activity, or at the end of the "
    "working day), so it could not be accepted and nothing was saved. Log in again, then fill in the form "
    "and send it."
)
TEXT_SERVER_ERROR = _("The error was recorded for the operators. Please try again in a few minutes.")


# The forms a person who is not logged in may send: their token failing is not a log-out.
FORMS_OF_VISITORS = frozenset(
    {"web:login", "web:register", "web:register-confirm", "web:verify", "set_language", "admin:login"}
)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def way_back(request: HttpRequest) -> str:
    """The page the browser came from, when it is one of ours; else the start page."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # the very reason a 400 page may be shown
        return "/"
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={host}, require_https=request.is_secure()):
        return referer
    return "/"


def error_page(request: HttpRequest, *, status: int, title, text, detail: str = "", log_in: str = "") -> HttpResponse:
    """One template for every error: the site's frame, what happened, a way back (and the log-in
    page, with where to come back, when the person was logged out)."""
    context = {
        "status": status,
        "title": title,
        "text": text,
        "detail": detail,
        "way_back": way_back(request),
        "log_in": log_in,
    }
    return render(request, "error_page.html", context, status=status)


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": f"The request body is larger than the limit of {limit} bytes."}, status=413)
    text = str(TEXT_TOO_LARGE).format(limit=megabytes(settings.LAWREQ_MAX_DOCUMENT_BYTES))
    return error_page(request, status=413, title=TITLE_TOO_LARGE, text=text)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": BAD_REQUEST}, status=400)
    return error_page(request, status=400, title=TITLE_BAD_REQUEST, text=TEXT_BAD_REQUEST)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": FORBIDDEN}, status=403)
    # The views raise PermissionDenied with a sentence written for the person (the page's role).
    detail = str(exception) if exception is not None and str(exception) else ""
    return error_page(request, status=403, title=TITLE_FORBIDDEN, text=TEXT_FORBIDDEN, detail=detail)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": NOT_FOUND}, status=404)
    return error_page(request, status=404, title=TITLE_NOT_FOUND, text=TEXT_NOT_FOUND)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": CSRF_FAILED}, status=403)
    if logged_out(request):
        log_in = f"{settings.LOGIN_URL}?{urlencode({'next': request.path})}"
        return error_page(request, status=403, title=TITLE_LOGGED_OUT, text=TEXT_LOGGED_OUT, log_in=log_in)
    return error_page(request, status=403, title=TITLE_CSRF, text=TEXT_CSRF)


def logged_out(request: HttpRequest) -> bool:
    """A form refused for its token whose sender is no longer logged in: their session timed out
    (``SessionPolicyMiddleware`` just ended it) or its cookies are gone (expired or cleared), on a
    page only a logged-in person has forms on."""
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    if SESSION_EXPIRED_USER_KEY in request.session:
        return True
    try:
        page = resolve(request.path_info).view_name
    except Resolver404:
        return False
    return page not in FORMS_OF_VISITORS


def server_error(request: HttpRequest) -> HttpResponse:
    # A middleware that lost the database (the session, the log-in) fails before any view could answer.
    error = database_error_in_flight()
    if error is not None:
        return database_unavailable(request, error)
    if is_api(request):
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    # No context processors and no database: the page must render whatever broke.
    context = {"bare": True, "status": 500, "title": TITLE_SERVER_ERROR, "text": TEXT_SERVER_ERROR, "way_back": "/"}
    return HttpResponse(loader.get_template("error_page.html").render(context), status=500)
