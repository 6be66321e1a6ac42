"""The enforcing authority's decision on a European Production Order, recorded from the request page by
the legal team (audited by the service)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from lawreq.errors import DomainError
from requests_app.e_evidence import enforcing_decision_record
from web.views.common import request_under_review, staff_required

MSG_DECISION_RECORDED = "The enforcing authority's decision is recorded."


@staff_required
@require_POST
def enforcing_decision(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = request_under_review(request, ref)
    try:
        enforcing_decision_record(
            legal_request=legal_request,
            actor=request.user,
            decision=request.POST.get("decision", "")[:30],
            grounds=[ground[:30] for ground in request.POST.getlist("grounds")[:10]],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, MSG_DECISION_RECORDED)
    return redirect("web:staff-detail", ref=legal_request.ref)
