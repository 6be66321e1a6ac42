"""Web pages of responses: the public verification page and the legal team's inline preview."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lawreq.errors import NotFound, NotPermitted, PayloadTooLarge
from letters import selectors, services
from letters.api import VerificationThrottle, pdf_response, response_filename
from letters.forms import VerifyForm
from letters.uploads import read_pdf_upload

VERIFY_TEMPLATE = "letters/verify.html"
ERR_THROTTLED = "Too many checks from your address; try again in a minute."


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Upload a PDF, learn whether it is a response we issued, unaltered, and its reference."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    result, status = None, 200
    if request.method == "POST" and not VerificationThrottle().allow_request(request, None):
        form.add_error(None, ERR_THROTTLED)
        return render(request, VERIFY_TEMPLATE, {"form": form, "result": None}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            result = selectors.response_verify(read_pdf_upload(form.cleaned_data["file"]))
        except PayloadTooLarge as error:
            form.add_error("file", error.message)
            status = 413
    elif request.method == "POST":
        status = 400
    return render(request, VERIFY_TEMPLATE, {"form": form, "result": result}, status=status)


@login_required
@never_cache
def preview(request: HttpRequest, ref: str) -> HttpResponse:
    """The signed letter shown inline to analysts and reviewers (audited as a preview)."""
    try:
        response, pdf = services.response_preview(user=request.user, ref=ref)
    except NotFound as error:
        raise Http404(error.message)
    except NotPermitted as error:
        raise PermissionDenied(error.message)
    return pdf_response(pdf, filename=response_filename(response.legal_request.ref), inline=True)
