"""The legal hold, placed or lifted from the request page by the legal team (audited by the service)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from lawreq.errors import DomainError
from requests_app.legal_hold import legal_request_legal_hold_set
from web.views.common import request_under_review, staff_required

MSG_HOLD_ON = "Legal hold placed: nothing of this request is purged while it is on."
MSG_HOLD_OFF = "Legal hold lifted."


@staff_required
@require_POST
def legal_hold(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = request_under_review(request, ref)
    on = request.POST.get("legal_hold") == "on"
    try:
        legal_request_legal_hold_set(
            legal_request=legal_request, actor=request.user, on=on, reason=request.POST.get("reason", "")[:500]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, MSG_HOLD_ON if on else MSG_HOLD_OFF)
    return redirect("web:staff-detail", ref=legal_request.ref)
