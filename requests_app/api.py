from __future__ import annotations

import django_filters
from django.contrib.auth import logout
from django.db.models import prefetch_related_objects
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from lawreq.api import PDF_DOWNLOAD_RENDERERS, JSONErrorsMixin
from lawreq.clientip import client_address
from lawreq.converters import REF_REGEX
from lawreq.errors import InvalidInput
from lawreq.filters import FilterSet
from requests_app import selectors, services
from requests_app.auth import token_obtain, token_revoke
from requests_app.e_evidence import enforcing_decision_record
from requests_app.legal_hold import legal_request_legal_hold_set
from requests_app.models import ApiToken, LegalRequest
from requests_app.serializers import (
    AssignSerializer,
    DocumentSerializer,
    EnforcingDecisionSerializer,
    LegalHoldSerializer,
    LegalRequestSerializer,
    LegalRequestSummarySerializer,
    LegalRequestWriteSerializer,
    TokenRequestSerializer,
)
from requests_app.states import OPEN_STATES, State

ERR_IDEMPOTENCY_KEY = "Idempotency-Key must be 1 to 200 printable characters."
ERR_NO_FILE = "Send the document as multipart form field 'file'."
LEGAL_HOLD_RESOURCE = "requests_app.legalrequest.legal_hold"
ASSIGN_RESOURCE = "requests_app.legalrequest.assign"
ENFORCING_DECISION_RESOURCE = "requests_app.legalrequest.enforcing_decision"


class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "Token",
                {
                    "token": serializers.CharField(help_text="Send as `Authorization: Token <token>`; shown once."),
                    "expires_at": serializers.DateTimeField(
                        help_text="When the token stops working: within a working day for staff, "
                        "30 days for officers. A logout, a password change or a deactivation ends it sooner."
                    ),
                },
            )
        },
        description="A new API token for valid credentials (and `otp` where a second factor is required). "
        "Attempts are throttled per username and address (429).",
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, expires_at = token_obtain(
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
            client_ip=client_address(request),
            otp=serializer.validated_data.get("otp", ""),
        )
        return Response({"token": token, "expires_at": expires_at})


class LogoutView(APIView):
    @extend_schema(
        tags=["auth"],
        request=None,
        responses={204: None},
        description="Revokes the token this request is authenticated with: it then gets 401. "
        "Authenticated by a session instead, ends the session.",
    )
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            token_revoke(token=request.auth)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


def request_detail_response(
    legal_request: LegalRequest, status_code: int = status.HTTP_200_OK, *, request=None
) -> Response:
    """The request as GET returns it: every endpoint that acts on a request answers with it.
    ``request`` tells who asks: only the legal team sees who of them is assigned."""
    prefetch_related_objects([legal_request], "targets", "documents")
    return Response(LegalRequestSerializer(legal_request, context={"request": request}).data, status=status_code)


class LegalRequestFilter(FilterSet):
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
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Open and past due_at, the clock running (a request waiting for the officer is never overdue)",
    )

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
        # A request waiting for the officer has its clock stopped: it is not late.
        late = {"state__in": OPEN_STATES, "clock_paused_at__isnull": True, "due_at__lt": timezone.now()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


@extend_schema(tags=["requests"])
class LegalRequestViewSet(JSONErrorsMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
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

    @extend_schema(
        request=LegalHoldSerializer,
        responses={200: LegalRequestSerializer},
        description="Place (`legal_hold: true`) or lift (`legal_hold: false`) the legal hold, with a `reason` either "
        "way (400 without): while it is on, retention "
        "purges nothing of the request (snapshot, letter, documents). Analysts and reviewers only (anyone else: "
        "404); audited with the reason.",
    )
    @action(detail=True, methods=["post"], url_path="legal-hold")
    def legal_hold(self, request, ref=None):
        legal_request = selectors.legal_request_get_for_staff(user=request.user, ref=ref, resource=LEGAL_HOLD_RESOURCE)
        serializer = LegalHoldSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        legal_request_legal_hold_set(
            legal_request=legal_request,
            actor=request.user,
            on=serializer.validated_data["legal_hold"],
            reason=serializer.validated_data["reason"],
        )
        return request_detail_response(legal_request, request=request)

    @extend_schema(
        request=EnforcingDecisionSerializer,
        responses={200: LegalRequestSerializer},
        description="Record what the enforcing authority notified of a European Production Order answered within "
        "its window (Regulation (EU) 2023/1543 Art. 10(2), 12): `no_grounds` (it confirmed it raises none: the data "
        "may be disclosed before the window ends) or `grounds_raised` with the `grounds` of Art. 12(1) (the data "
        "may not be disclosed). Once per request, while the window runs (409 otherwise, or when no enforcing "
        "authority was notified). Until the window ends, approving a disclosure answers 409 unless `no_grounds` "
        "is recorded (not in an emergency, where the data goes within 8 hours). Analysts and reviewers only "
        "(anyone else: 404); audited.",
    )
    @action(detail=True, methods=["post"], url_path="enforcing-decision")
    def enforcing_decision(self, request, ref=None):
        legal_request = selectors.legal_request_get_for_staff(
            user=request.user, ref=ref, resource=ENFORCING_DECISION_RESOURCE
        )
        serializer = EnforcingDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enforcing_decision_record(
            legal_request=legal_request,
            actor=request.user,
            decision=serializer.validated_data["decision"],
            grounds=serializer.validated_data["grounds"],
        )
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
        request={
            "multipart/form-data": inline_serializer(
                "DocumentUpload",
                {
                    "file": serializers.FileField(
                        help_text="A PDF, a signed .p7m holding one, or an ASiC container (.asics, .asice, .scs, "
                        ".sce) holding one"
                    ),
                    "signature": serializers.FileField(
                        required=False, help_text="Optional: the PDF's detached CAdES signature (.p7s), at most 1 MB"
                    ),
                },
            )
        },
        responses={201: DocumentSerializer},
        description=(
            "Attach a legal document (a PDF, at most LAWREQ_MAX_DOCUMENT_BYTES). It is stored encrypted. A request "
            "holds at most LAWREQ_MAX_DOCUMENTS_PER_REQUEST documents (409 beyond) of at most "
            "LAWREQ_MAX_REQUEST_DOCUMENTS_BYTES in all (413 beyond); a refused upload stores nothing. "
            "A signed order may come signed inside the PDF (PAdES), with a detached signature (field 'signature'), "
            "as an enveloping .p7m or in an ASiC (e-CODEX) container; the PDF it holds is the document, anything "
            "else is a 415. The signature is validated offline against the trust roots configured for the "
            "request's jurisdiction and its region, and the result is in 'signature' (the officer sees only "
            "'signed' and 'verified')."
        ),
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def documents(self, request, ref=None):
        legal_request = self._officer_request(ref)
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(ERR_NO_FILE, field="file")
        document = services.legal_request_add_document(
            legal_request=legal_request, actor=request.user, upload=upload, signature=request.FILES.get("signature")
        )
        return Response(DocumentSerializer(document, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        description=(
            "The document as uploaded, decrypted as it is sent. The whole file is authenticated first: an "
            "altered file answers 409. Each download is recorded as a read of personal data."
        ),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<document_id>\d+)",
        renderer_classes=PDF_DOWNLOAD_RENDERERS,
    )
    def document_download(self, request, ref=None, document_id=None):
        legal_request = selectors.legal_request_get(user=request.user, ref=ref)
        download = services.legal_document_download(
            legal_request=legal_request, actor=request.user, document_id=int(document_id)
        )
        response = StreamingHttpResponse(download.chunks, content_type="application/pdf")
        response["Content-Length"] = str(download.size)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=download.name)
        response["X-Content-Type-Options"] = "nosniff"
        return response
