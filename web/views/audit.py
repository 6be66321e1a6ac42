"""The auditors' web pages: the reports index and one request's verified trail."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from audit.selectors import REF_PATTERN, request_trail
from lawreq.errors import NotFound
from web.views.common import auditor_required


def report_links() -> list[tuple[str, str]]:
    return [
        ("Verify the whole chain", reverse("audit-verify")),
        ("Latest signed checkpoint", reverse("audit-checkpoint-latest")),
        ("Transparency report (JSON, add &format=csv or pdf)", reverse("report-transparency") + "?year=2026&half=2"),
        ("Activity by user, action and month (CSV)", reverse("report-activity") + "?format=csv"),
        ("Personal-data access by user (CSV)", reverse("report-personal-data-access") + "?format=csv"),
        ("Permission denials (CSV)", reverse("report-permission-denials") + "?format=csv"),
        ("Requests answered late (JSON)", reverse("report-sla")),
    ]


@auditor_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/audit_reports.html", {"links": report_links()})


@auditor_required
@require_GET
def trail_lookup(request: HttpRequest) -> HttpResponse:
    ref = request.GET.get("ref", "").strip().upper()
    if not REF_PATTERN.match(ref):
        return redirect("web:audit-reports")
    return redirect("web:audit-trail-page", ref=ref)


@auditor_required
@require_GET
def trail_page(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        trail = request_trail(ref=ref)
    except NotFound:
        raise Http404("no such request")
    return render(request, "web/audit_trail.html", {"trail": trail})
