"""The auditors' desk: the chain's status with a "verify now", the list of requests (no personal
data), the trail (whole and per request) with filters and repeated reads folded, and the reports as
pages with their charts and their CSV and PDF downloads (served, and audited, by ``reports.api``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from audit.actions import AuditAction
from audit.anchoring import audit_verify_recorded
from audit.selectors import (
    audit_entries_list,
    chain_status,
    fold_runs,
    latest_checkpoint_document,
    request_trail,
    trail_entries_filter,
)
from audit.services import audit_record
from lawreq.errors import DomainError, NotFound
from reports import pages
from reports.selectors import requests_for_auditors
from web.audit_forms import (
    AuditRequestFilterForm,
    AuditTrailFilterForm,
    ReportWindowForm,
    ResponseTimesForm,
    TransparencyForm,
    export_parameters,
)
from web.views.common import auditor_required, paginate, query_without_page

ERR_NO_CHECKPOINT = "No checkpoint has been signed yet."
VERIFIED_OK = "The chain is intact: {entries} entries checked, each against its hash and its neighbours{against}."
AGAINST_CHECKPOINT = " and against the signed checkpoint of {size}{extras}"
VERIFIED_BAD = "The chain is broken. The first bad entry is #{seq}: {problem}."
VERIFIED_BAD_UNPLACED = "The chain cannot be trusted: {problem}."
REQUESTS_PER_PAGE = 50
ENTRIES_PER_PAGE = 100


@auditor_required
@require_GET
def status_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/audit_status.html", {"status": chain_status(), "section": "status"})


def _anchors_in_words(anchors) -> str:
    """What the chain was checked against, in words: the file names and key ids stay in the
    command's output and in the checkpoint file itself."""
    latest = max(anchor.checkpoint.tree_size for anchor in anchors)
    extras = []
    if any(anchor.time_stamped for anchor in anchors):
        extras.append("time-stamped")
    witnesses = sum(1 for anchor in anchors if anchor.witnessed)
    if witnesses:
        extras.append(f"co-signed by {witnesses} witness{'es' if witnesses > 1 else ''}")
    size = f"{latest} {'entry' if latest == 1 else 'entries'}"
    return AGAINST_CHECKPOINT.format(size=size, extras="".join(f", {extra}" for extra in extras))


def verification_message(verification) -> str:
    if verification.ok:
        against = _anchors_in_words(verification.anchors) if verification.anchors else f" ({verification.note})"
        return VERIFIED_OK.format(entries=verification.result.entries_checked, against=against)
    seq = verification.bad_seq()
    if seq is None:
        return VERIFIED_BAD_UNPLACED.format(problem=verification.describe_problem())
    return VERIFIED_BAD.format(seq=seq, problem=verification.describe_problem())


@auditor_required
@require_POST
def verify_now(request: HttpRequest) -> HttpResponse:
    verification = audit_verify_recorded(actor=request.user)
    if verification.ok:
        messages.success(request, verification_message(verification))
    else:
        messages.error(request, verification_message(verification))
    return redirect("web:audit-status")


@auditor_required
@require_GET
def checkpoint_download(request: HttpRequest) -> HttpResponse:
    """The latest signed checkpoint, as the file an auditor keeps (and checks with the log's public key)."""
    stored = latest_checkpoint_document()
    if stored is None:
        raise Http404(ERR_NO_CHECKPOINT)
    name = stored.file_name or f"checkpoint-{stored.tree_size}.json"
    response = HttpResponse(stored.document, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@auditor_required
@require_GET
def requests_page(request: HttpRequest) -> HttpResponse:
    form = AuditRequestFilterForm(request.GET or None)
    rows = requests_for_auditors(**form.filters()) if form.is_bound else requests_for_auditors()
    context = {
        "form": form,
        "page": paginate(request, rows, REQUESTS_PER_PAGE),
        "query": query_without_page(request),
        "section": "requests",
    }
    return render(request, "web/audit_requests.html", context)


@auditor_required
@require_GET
def trail_whole(request: HttpRequest) -> HttpResponse:
    form = AuditTrailFilterForm(request.GET or None)
    entries = audit_entries_list(**(form.filters() if form.is_bound else {}))
    page = paginate(request, entries, ENTRIES_PER_PAGE)
    context = {
        "form": form,
        "page": page,
        "runs": fold_runs(page.object_list),
        "query": query_without_page(request),
        "show_request": True,
        "section": "trail",
    }
    return render(request, "web/audit_trail.html", context)


@auditor_required
@require_GET
def trail_page(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        trail = request_trail(ref=ref)
    except NotFound:
        raise Http404("no such request")
    form = AuditTrailFilterForm(request.GET or None)
    items = trail_entries_filter(trail.entries, **form.filters()) if form.is_bound else trail.entries
    context = {"form": form, "trail": trail, "runs": fold_runs(items), "verified": True, "section": "requests"}
    return render(request, "web/audit_trail.html", context)


# Reports: each page and its downloads.

REPORTS = {
    "activity": ("Activity", "report-activity", "Audit entries by period, user, role and action."),
    "personal-data-access": (
        "Personal-data access",
        "report-personal-data-access",
        "Who read personal data, how often, over how many requests.",
    ),
    "permission-denials": ("Permission denials", "report-permission-denials", "Refused accesses per user."),
    "sla": ("Deadlines (SLA)", "report-sla", "Requests answered late, per jurisdiction."),
    "transparency": (
        "Transparency report",
        "report-transparency",
        "Requests received and answered per jurisdiction and half-year: what is published.",
    ),
    "response-times": (
        "Response times",
        "report-response-times",
        "Median and 90th percentile of the hours from receipt to answer, per jurisdiction and process type, "
        "emergencies apart.",
    ),
}
PAGE_BUILDERS = {
    "activity": pages.activity_page,
    "personal-data-access": pages.personal_data_access_page,
    "permission-denials": pages.permission_denials_page,
    "sla": pages.sla_page,
}
# Reports over a named period (a half-year, a quarter) rather than a window of days.
PERIOD_REPORTS = {
    "transparency": (TransparencyForm, pages.transparency_page),
    "response-times": (ResponseTimesForm, pages.response_times_page),
}


@auditor_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    reports = [(slug, title, text) for slug, (title, _, text) in REPORTS.items()]
    return render(request, "web/audit_reports.html", {"reports": reports, "section": "reports"})


def _exports(url_name: str, parameters: dict) -> dict[str, str]:
    base = reverse(url_name)
    return {fmt: f"{base}?{urlencode({**parameters, 'format': fmt})}" for fmt in ("csv", "pdf")}


@auditor_required
@require_GET
def report_page(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in REPORTS:
        raise Http404("no such report")
    title, url_name, _ = REPORTS[slug]
    if slug in PERIOD_REPORTS:
        form_class, build = PERIOD_REPORTS[slug]
        form = form_class(request.GET or None)
    else:
        form, build = ReportWindowForm(request.GET or None, with_period=slug == "activity"), PAGE_BUILDERS[slug]
    arguments = form.report_arguments()
    parameters = export_parameters(arguments) if arguments is not None else {}
    page, error = None, ""
    if arguments is not None:
        try:
            page = build(**arguments)
        except DomainError as exc:
            error = exc.message
        else:
            report = slug.replace("-", "_")
            details = {"report": report, "format": "page", **parameters}
            audit_record(action=AuditAction.REPORT_EXPORTED, actor=request.user, details=details)
    context = {
        "title": title,
        "slug": slug,
        "form": form,
        "page": page,
        "error": error,
        "exports": _exports(url_name, parameters) if page is not None else None,
        "section": "reports",
    }
    return render(request, "web/audit_report.html", context)
