"""Preservation over the API: the legal team, or the requesting agency's officers, extend the holds a
preservation order placed, once, while they run."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lawreq.roles import is_legal_staff
from requests_app.selectors import legal_request_get, legal_request_get_for_staff
from subscribers.selectors import preservation_holds_of
from subscribers.services import preservation_holds_extend

HOLDS_RESOURCE = "subscribers.preservationhold"

HoldsSerializer = inline_serializer(
    "PreservationHolds",
    {
        "accounts_held": serializers.IntegerField(),
        "expires_at": serializers.DateTimeField(allow_null=True),
        "extended": serializers.BooleanField(),
    },
)


def _preservation_for(request, ref: str):
    """The legal team's view of the request, or the agency's own (404 for anyone else)."""
    if hasattr(request.user, "officer") and not is_legal_staff(request.user):
        return legal_request_get(user=request.user, ref=ref)
    return legal_request_get_for_staff(user=request.user, ref=ref, resource=HOLDS_RESOURCE)


def _holds_summary(legal_request) -> dict:
    holds = preservation_holds_of(legal_request=legal_request)
    return {
        "accounts_held": len(holds),
        "expires_at": max((hold.expires_at for hold in holds), default=None),
        "extended": any(hold.extended_at is not None for hold in holds),
    }


@extend_schema(tags=["review"])
class PreservationView(APIView):
    @extend_schema(responses=HoldsSerializer)
    def get(self, request, ref: str):
        return Response(_holds_summary(_preservation_for(request, ref)))


@extend_schema(tags=["review"])
class PreservationExtendView(APIView):
    @extend_schema(request=None, responses=HoldsSerializer)
    def post(self, request, ref: str):
        legal_request = _preservation_for(request, ref)
        preservation_holds_extend(legal_request=legal_request, actor=request.user)
        return Response(_holds_summary(legal_request))
