"""The auditors' reports: a request's verified trail, activity, personal-data access, permission
denials, deadlines and transparency.

Reports answer JSON, CSV or PDF by ``?format=``; every report fetched is itself audited.
"""

from __future__ import annotations

import datetime as dt

import orjson
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.actions import AuditAction
from audit.api import AuditEntrySerializer, IsAuditor
from audit.selectors import request_trail
from audit.services import audit_record
from lawreq.api import CSVRenderer, PDFRenderer
from lawreq.errors import InvalidInput
from lawreq.roles import Role, has_role
from reports import pages, rendering
from reports import selectors as reports
from reports.transparency import response_time_report

ERR_FORMAT = "format must be one of: {formats}"
ERR_SIGNING_UNAVAILABLE = "The signing key is not configured, so no signed PDF can be made."


class ServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "unavailable"


class IsAuditorOrAdmin(BasePermission):
    message = "Only compliance auditors and administrators may read reports."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, Role.AUDITOR, Role.ADMIN)


class FormatsMixin:
    """``?format=json|csv|pdf`` (DRF's own URL override); errors are always answered in JSON."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            formats = ", ".join(renderer.format for renderer in self.get_renderers())
            raise InvalidInput(ERR_FORMAT.format(formats=formats), field="format")

    def handle_exception(self, exc):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def output_format(self) -> str:
        return self.request.accepted_renderer.format

    def download(self, content: bytes, filename: str) -> Response:
        return Response(content, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    def audit_export(self, report: str, *, request_ref: str = "", **parameters) -> None:
        audit_record(
            action=AuditAction.REPORT_EXPORTED,
            actor=self.request.user,
            request_ref=request_ref,
            details={"report": report, "format": self.output_format(), **parameters},
        )


# Reports


@extend_schema(
    tags=["audit"],
    parameters=[OpenApiParameter("format", str, enum=["json", "csv", "pdf"])],
    responses=OpenApiTypes.OBJECT,
)
class RequestTrailView(FormatsMixin, APIView):
    """Every entry naming one request, in order, each verified (hash, neighbours, inclusion proof)."""

    permission_classes = [IsAuthenticated, IsAuditor]
    renderer_classes = [JSONRenderer, CSVRenderer, PDFRenderer]

    def get(self, request, ref: str):
        trail = request_trail(ref=ref)
        fmt = self.output_format()
        if fmt == "pdf":
            try:
                content = rendering.trail_pdf(trail, platform=settings.LAWREQ_PLATFORM_NAME)
            except ImproperlyConfigured:
                raise ServiceUnavailable(ERR_SIGNING_UNAVAILABLE)
        self.audit_export("request_trail", request_ref=ref)
        if fmt == "csv":
            return self.download(rendering.trail_csv(trail), f"audit-trail-{ref}.csv")
        if fmt == "pdf":
            return self.download(content, f"audit-trail-{ref}.pdf")
        return Response(
            {
                "ref": trail.ref,
                "ok": trail.ok,
                "first_bad_seq": trail.first_bad_seq,
                "checkpoint_problem": trail.checkpoint_problem,
                "checkpoint": orjson.loads(trail.checkpoint_document) if trail.checkpoint_document else None,
                "entries": [
                    {
                        **AuditEntrySerializer(item.entry).data,
                        "verified": item.ok,
                        "problems": item.problems,
                        "leaf_index": item.leaf_index,
                        "inclusion_proof": item.inclusion_proof,
                    }
                    for item in trail.entries
                ],
            }
        )


class HalfYearQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    half = serializers.ChoiceField(choices=[1, 2])


class WindowQuery(serializers.Serializer):
    since = serializers.DateTimeField(required=False, default_timezone=dt.UTC)
    until = serializers.DateTimeField(required=False, default_timezone=dt.UTC)
    period = serializers.ChoiceField(choices=list(reports.PERIODS), required=False, default="month")


def _query(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(
    tags=["reports"],
    parameters=[HalfYearQuery, OpenApiParameter("format", str, enum=["json", "csv", "pdf"])],
    responses=OpenApiTypes.OBJECT,
)
class TransparencyReportView(FormatsMixin, APIView):
    """Per jurisdiction and half-year: received, by process type, emergency, outcomes, accounts affected."""

    permission_classes = [IsAuthenticated, IsAuditorOrAdmin]
    renderer_classes = [JSONRenderer, CSVRenderer, PDFRenderer]

    def get(self, request):
        query = _query(HalfYearQuery, request)
        report = reports.transparency_report(year=query["year"], half=int(query["half"]))
        self.audit_export("transparency", year=report.year, half=report.half)
        name = f"transparency-{report.year}-h{report.half}"
        if self.output_format() == "csv":
            return self.download(rendering.transparency_csv(report), f"{name}.csv")
        if self.output_format() == "pdf":
            return self.download(
                rendering.transparency_pdf(report, platform=settings.LAWREQ_PLATFORM_NAME), f"{name}.pdf"
            )
        return Response(report.as_dict())


class _WindowReportView(FormatsMixin, APIView):
    """``?format=pdf``: the report as the auditors' page shows it (``reports.pages``), chart included."""

    permission_classes = [IsAuthenticated, IsAuditorOrAdmin]
    renderer_classes = [JSONRenderer, CSVRenderer, PDFRenderer]
    report_name = ""

    def rows(self, query: dict) -> list[dict]:
        raise NotImplementedError

    def page(self, query: dict) -> pages.ReportPage:
        raise NotImplementedError

    def get(self, request):
        query = _query(WindowQuery, request)
        window = {key: query[key].isoformat() for key in ("since", "until") if key in query}
        if self.output_format() == "pdf":
            content = rendering.report_pdf(self.page(query), platform=settings.LAWREQ_PLATFORM_NAME)
            self.audit_export(self.report_name, **window)
            return self.download(content, f"{self.report_name}.pdf")
        rows = self.rows(query)
        self.audit_export(self.report_name, **window)
        if self.output_format() == "csv":
            return self.download(rendering.rows_csv(rows), f"{self.report_name}.csv")
        return Response({**window, "rows": rows})


# The reports over a window of time: the same query and formats.
window_report_schema = extend_schema(
    tags=["reports"],
    parameters=[
        WindowQuery,
        OpenApiParameter("format", str, enum=["json", "csv", "pdf"], description="pdf: the report with its chart"),
    ],
    responses=OpenApiTypes.OBJECT,
)


@window_report_schema
class ActivityReportView(_WindowReportView):
    """Audit entries counted by period (day, week, month), user, role and action."""

    report_name = "activity"

    def rows(self, query):
        return reports.activity_report(since=query.get("since"), until=query.get("until"), period=query["period"])

    def page(self, query):
        return pages.activity_page(since=query.get("since"), until=query.get("until"), period=query["period"])


@window_report_schema
class PersonalDataAccessReportView(_WindowReportView):
    """Reads of personal data per user: request pages, searches by target, legal document downloads,
    snapshots, letter previews and downloads."""

    report_name = "personal_data_access"

    def rows(self, query):
        return reports.personal_data_access_report(since=query.get("since"), until=query.get("until"))

    def page(self, query):
        return pages.personal_data_access_page(since=query.get("since"), until=query.get("until"))


@window_report_schema
class PermissionDenialsReportView(_WindowReportView):
    """Refused accesses per user, role and resource."""

    report_name = "permission_denials"

    def rows(self, query):
        return reports.permission_denials_report(since=query.get("since"), until=query.get("until"))

    def page(self, query):
        return pages.permission_denials_page(since=query.get("since"), until=query.get("until"))


@window_report_schema
class SlaReportView(FormatsMixin, APIView):
    """Requests answered in the window, per jurisdiction: how many late and by how long."""

    permission_classes = [IsAuthenticated, IsAuditorOrAdmin]
    renderer_classes = [JSONRenderer, CSVRenderer, PDFRenderer]

    def get(self, request):
        query = _query(WindowQuery, request)
        if self.output_format() == "pdf":
            page = pages.sla_page(since=query.get("since"), until=query.get("until"))
            self.audit_export("sla")
            return self.download(rendering.report_pdf(page, platform=settings.LAWREQ_PLATFORM_NAME), "sla.pdf")
        report = reports.sla_report(since=query.get("since"), until=query.get("until"))
        self.audit_export("sla")
        if self.output_format() == "csv":
            return self.download(rendering.rows_csv(report["late_requests"]), "sla-late-requests.csv")
        return Response(report)


class PeriodQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    half = serializers.ChoiceField(choices=[1, 2], required=False, help_text="1 (January to June) or 2")
    quarter = serializers.ChoiceField(choices=[1, 2, 3, 4], required=False, help_text="1 to 4; instead of half")

    def validate(self, attrs):
        if ("half" in attrs) == ("quarter" in attrs):
            raise serializers.ValidationError({"half": "Give either half or quarter."})
        return attrs


@extend_schema(
    tags=["reports"],
    parameters=[PeriodQuery, OpenApiParameter("format", str, enum=["json", "csv", "pdf"])],
    responses=OpenApiTypes.OBJECT,
)
class ResponseTimesReportView(FormatsMixin, APIView):
    """Requests answered in a half-year or quarter, per jurisdiction (and ``total``), process type (and
    ``all``), emergencies apart: how many, and the median and 90th percentile (nearest rank) of the hours
    from first receipt to the answer, computed from the audit trail as it is now. The public transparency
    dataset publishes the same rows at a signed checkpoint."""

    permission_classes = [IsAuthenticated, IsAuditorOrAdmin]
    renderer_classes = [JSONRenderer, CSVRenderer, PDFRenderer]

    def get(self, request):
        query = _query(PeriodQuery, request)
        period = {key: int(query[key]) for key in ("half", "quarter") if key in query}
        name = f"response-times-{query['year']}-" + (
            f"h{period['half']}" if "half" in period else f"q{period['quarter']}"
        )
        if self.output_format() == "pdf":
            page = pages.response_times_page(year=query["year"], **period)
            self.audit_export("response_times", year=query["year"], **period)
            return self.download(rendering.report_pdf(page, platform=settings.LAWREQ_PLATFORM_NAME), f"{name}.pdf")
        report = response_time_report(year=query["year"], **period)
        self.audit_export("response_times", year=query["year"], **period)
        if self.output_format() == "csv":
            return self.download(rendering.rows_csv(report["rows"]), f"{name}.csv")
        return Response(report)
