"""The public verification page: anyone can check that a PDF is a response we issued, unaltered."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lawreq.errors import PayloadTooLarge
from letters.api import VerificationThrottle
from letters.selectors import response_verify
from letters.uploads import read_pdf_upload
from web.forms import VerifyForm

VERIFY_TEMPLATE = "web/verify.html"
ERR_THROTTLED = _("Too many checks from your address; try again in a minute.")


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
            result = response_verify(read_pdf_upload(form.cleaned_data["file"]))
        except PayloadTooLarge as error:
            form.add_error("file", error.message)
            status = 413
    elif request.method == "POST":
        status = 400
    return render(request, VERIFY_TEMPLATE, {"form": form, "result": result}, status=status)
