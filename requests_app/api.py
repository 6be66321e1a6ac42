from __future__ import annotations

import django_filters
from django.db.models import prefetch_related_objects
from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.converters import REF_REGEX
from lawreq.errors import InvalidInput, NotFound
from requests_app import selectors, services
from requests_app.auth import token_obtain
from requests_app.models import LegalRequest
from requests_app.serializers import (
    AssignSerializer,
    DocumentSerializer,
    LegalRequestSerializer,
    LegalRequestSummarySerializer,
    LegalRequestWriteSerializer,
    TokenRequestSerializer,
)
from requests_app.states import OPEN_STATES, State

ERR_IDEMPOTENCY_KEY = "Idempotency-Key must be 1 to 200 printable characters."
ERR_NO_FILE = "Send the document as multipart form field 'file'."
ASSIGN_RESOURCE = "requests_app.legalrequest.assign"


class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()})},
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = token_obtain(
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
            client_ip=request.META.get("REMOTE_ADDR", ""),
            otp=serializer.validated_data.get("otp", ""),
        )
        return Response({"token": token})


def request_detail_response(
    legal_request: LegalRequest, status_code: int = status.HTTP_200_OK, *, request=None
) -> Response:
    """The request as GET returns it: every endpoint that acts on a request answers with it.
    ``request`` tells who asks: only the legal team sees who of them is assigned."""
    prefetch_related_objects([legal_request], "targets", "documents")
    return Response(LegalRequestSerializer(legal_request, context={"request": request}).data, status=status_code)


class LegalRequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Reference or case number (exact, case-insensitive)")
    target = django_filters.CharFilter(
        method="filter_target",
        label="A phone number in any format, a username or an account id (analysts and reviewers; audited)",
    )
    assignee = django_filters.CharFilter(
        method="filter_assignee", label="'me', 'none' (unassigned) or the username of an analyst or reviewer"
    )
    state = django_filters.ChoiceFilter(choices=State.choices)
    jurisdiction = django_filters.CharFilter(field_name="jurisdiction__code", lookup_expr="iexact")
    emergency = django_filters.BooleanFilter()
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = LegalRequest
        fields = ["q", "target", "assignee", "state", "jurisdiction", "emergency", "overdue"]

    def filter_q(self, queryset, name, value):
        return selectors.legal_requests_matching(queryset, value)

    def filter_target(self, queryset, name, value):
        return selectors.legal_requests_naming_target(queryset, identifier=value, actor=self.request.user)

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee__username=value)

    def filter_overdue(self, queryset, name, value):
        late = {"state__in": OPEN_STATES, "due_at__lt": timezone.now()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


@extend_schema(tags=["requests"])
class LegalRequestViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    lookup_field = "ref"
    lookup_value_regex = REF_REGEX
    filterset_class = LegalRequestFilter
    serializer_class = LegalRequestSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LegalRequest.objects.none()
        return selectors.legal_requests_visible_to(self.request.user).order_by("-created_at", "-id")

    def get_serializer_class(self):
        return LegalRequestSummarySerializer if self.action == "list" else LegalRequestSerializer

    @extend_schema(
        request=AssignSerializer,
        responses={200: LegalRequestSerializer},
        description="Give the request to an analyst or a reviewer (`null`: to nobody). Analysts and reviewers "
        "only (anyone else: 404, as for every review resource); audited.",
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, ref=None):
        legal_request = selectors.legal_request_get_for_staff(user=request.user, ref=ref, resource=ASSIGN_RESOURCE)
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignee = services.assignee_by_username(serializer.validated_data["assignee"])
        services.legal_request_assign(legal_request=legal_request, actor=request.user, assignee=assignee)
        return request_detail_response(legal_request, request=request)

    def _officer_request(self, ref: str) -> LegalRequest:
        return selectors.legal_request_get_for_officer(user=self.request.user, ref=ref)

    @extend_schema(
        request=LegalRequestWriteSerializer,
        responses={201: LegalRequestSerializer, 200: LegalRequestSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER)],
    )
    def create(self, request):
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (0 < len(key) <= 200 and key.isprintable()):
            raise InvalidInput(ERR_IDEMPOTENCY_KEY)
        serializer = LegalRequestWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        legal_request, created = services.legal_request_create(
            actor=request.user, data=serializer.validated_data, idempotency_key=key, raw_payload=request.data
        )
        return request_detail_response(legal_request, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def retrieve(self, request, ref=None):
        legal_request = selectors.legal_request_get(user=request.user, ref=ref)
        selectors.legal_request_shown(user=request.user, legal_request=legal_request, via="api")
        return request_detail_response(legal_request, request=request)

    @extend_schema(request=LegalRequestWriteSerializer, responses=LegalRequestSerializer)
    def partial_update(self, request, ref=None):
        legal_request = self._officer_request(ref)
        serializer = LegalRequestWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.legal_request_update(legal_request=legal_request, actor=request.user, data=serializer.validated_data)
        return request_detail_response(legal_request)

    @extend_schema(
        request={"multipart/form-data": inline_serializer("DocumentUpload", {"file": serializers.FileField()})},
        responses={201: DocumentSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def documents(self, request, ref=None):
        legal_request = self._officer_request(ref)
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(ERR_NO_FILE, field="file")
        document = services.legal_request_add_document(legal_request=legal_request, actor=request.user, upload=upload)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>\d+)")
    def document_download(self, request, ref=None, document_id=None):
        legal_request = selectors.legal_request_get(user=request.user, ref=ref)
        document = legal_request.documents.filter(pk=document_id).first()
        if document is None:
            raise NotFound(selectors.ERR_NOT_FOUND)
        audit_record(
            action=AuditAction.DOCUMENT_DOWNLOADED,
            actor=request.user,
            obj=document,
            request_ref=legal_request.ref,
            details={"sha256": document.sha256},
        )
        response = FileResponse(
            document.file.open("rb"), as_attachment=True, filename=document.name, content_type="application/pdf"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
