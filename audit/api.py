"""The auditors' API on the trail itself: entries, chain verification, inclusion proofs and the
latest signed checkpoint. Reports built from the trail are in ``reports.api``."""

from __future__ import annotations

import django_filters
import orjson
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.anchoring import audit_verify_recorded
from audit.keys import checkpoint_signing_key, public_key_pem
from audit.models import AuditCheckpoint, AuditEntry
from audit.selectors import ERR_NO_ENTRY, entry_inclusion_proof
from audit.services import audit_sequence
from lawreq.errors import InvalidInput, NotFound
from lawreq.filters import FilterSet, IsoDateTimeFilter
from lawreq.roles import Role, has_role

ERR_NO_CHECKPOINT = "No checkpoint has been signed yet."
ERR_TREE_SIZE_NUMBER = "tree_size must be a whole number"
MAX_BIGINT = 2**63 - 1


class IsAuditor(BasePermission):
    message = "Only compliance auditors may read the audit trail."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, Role.AUDITOR)


# Entries


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")

    class Meta:
        model = AuditEntry
        fields = [
            "seq",
            "created_at",
            "actor_id",
            "actor",
            "role",
            "action",
            "object_type",
            "object_id",
            "request_ref",
            "details",
            "prev_hash",
            "entry_hash",
        ]


class AuditEntryFilter(FilterSet):
    request = django_filters.CharFilter(field_name="request_ref")
    actor = django_filters.CharFilter(method="filter_actor", help_text="username, or user id")
    action = django_filters.CharFilter(field_name="action")
    since = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ["request", "actor", "action", "since", "until"]

    def filter_actor(self, queryset, name, value):
        if value.isascii() and value.isdigit():
            return queryset.filter(actor_id=int(value)) if int(value) <= MAX_BIGINT else queryset.none()
        return queryset.filter(actor_username=value)


class AuditEntryPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


@extend_schema(tags=["audit"])
class AuditEntryListView(generics.ListAPIView):
    """Audit entries in sequence order, filtered by request, actor, action and time (UTC, `until` exclusive)."""

    permission_classes = [IsAuthenticated, IsAuditor]
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter
    pagination_class = AuditEntryPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no database
            return AuditEntry.objects.none()
        audit_sequence()  # chained first; an entry committed since shows last, with no seq yet
        return AuditEntry.objects.all()


@extend_schema(
    tags=["audit"],
    responses=inline_serializer(
        "ChainVerification",
        {
            "ok": serializers.BooleanField(),
            "entries_checked": serializers.IntegerField(),
            "first_bad_seq": serializers.IntegerField(allow_null=True),
            "problem": serializers.CharField(),
            "checkpoint_size": serializers.IntegerField(allow_null=True),
            "checked_against": serializers.ListField(child=serializers.CharField()),
            "pending": serializers.IntegerField(),
            "note": serializers.CharField(),
        },
    ),
)
class AuditVerifyView(APIView):
    """Chain what is pending, recompute the whole chain and compare it with the newest checkpoint
    exported outside the database, the witnesses' co-signed ones and the latest stored one (as
    `manage.py audit_verify` does). `pending`: entries committed since, not chained yet."""

    permission_classes = [IsAuthenticated, IsAuditor]

    def get(self, request):
        anchored = audit_verify_recorded(actor=request.user)
        newest = anchored.newest
        body = {
            "ok": anchored.ok,
            "entries_checked": anchored.result.entries_checked,
            "first_bad_seq": anchored.bad_seq(),
            "problem": anchored.describe_problem(),
            "checkpoint_size": newest.checkpoint.tree_size if newest else None,
            "checked_against": [anchor.source for anchor in anchored.anchors],
            "pending": anchored.pending,
            "note": anchored.note,
        }
        return Response(body)


@extend_schema(
    tags=["audit"],
    parameters=[OpenApiParameter("tree_size", int, description="a stored checkpoint's size (default: latest)")],
    responses=OpenApiTypes.OBJECT,
)
class AuditEntryProofView(APIView):
    """RFC 6962 inclusion proof of one entry in a signed checkpoint, with the checkpoint itself."""

    permission_classes = [IsAuthenticated, IsAuditor]

    def get(self, request, seq: int):
        raw = request.query_params.get("tree_size")
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) <= MAX_BIGINT):
            raise InvalidInput(ERR_TREE_SIZE_NUMBER, field="tree_size")
        if seq > MAX_BIGINT:
            raise NotFound(ERR_NO_ENTRY.format(seq=seq))
        return Response(entry_inclusion_proof(seq=seq, tree_size=int(raw) if raw else None))


@extend_schema(tags=["audit"], responses=OpenApiTypes.OBJECT)
class AuditCheckpointLatestView(APIView):
    """The latest signed checkpoint, as the file an auditor keeps, and the key that verifies it."""

    permission_classes = [IsAuthenticated, IsAuditor]

    def get(self, request):
        stored = AuditCheckpoint.objects.order_by("-tree_size", "-id").first()
        if stored is None:
            raise NotFound(ERR_NO_CHECKPOINT)
        return Response(
            {
                "checkpoint": orjson.loads(stored.document),
                "public_key_pem": public_key_pem(checkpoint_signing_key().public_key()).decode(),
            }
        )
