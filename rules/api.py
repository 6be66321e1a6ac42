"""API of the rule engine: the jurisdictions the rules accept, and a request's check results."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from lawreq.errors import NotFound, NotPermitted
from lawreq.roles import Role, has_role
from requests_app.models import LegalRequest
from rules.selectors import jurisdictions_in_force, latest_check_run
from rules.services import legal_request_check

ERR_REQUEST_NOT_FOUND = "No such request."
ERR_CHECKS_ROLE = "Only the legal team reads check results."
ERR_RERUN_ROLE = "Only analysts run checks again."


class JurisdictionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    process_types = serializers.ListField(child=serializers.CharField())
    categories = serializers.ListField(child=serializers.CharField())
    legal_channels = serializers.ListField(child=serializers.CharField())
    rules = serializers.ChoiceField(choices=["own", "inherited", "fallback"])


class RuleResultSerializer(serializers.Serializer):
    rule = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["pass", "fail", "warn"])
    message = serializers.CharField()
    citation = serializers.CharField()
    detail = serializers.CharField()
    ruleset = serializers.CharField()
    missing_information = serializers.BooleanField()
    officer_visible = serializers.BooleanField()
    note = serializers.CharField()


class RuleSetVersionUsedSerializer(serializers.Serializer):
    ruleset = serializers.CharField()
    version = serializers.IntegerField()
    effective_from = serializers.DateField()


class CheckRunSerializer(serializers.Serializer):
    ref = serializers.CharField(source="legal_request.ref")
    check_run = serializers.IntegerField(source="pk")
    created_at = serializers.DateTimeField()
    run_by = serializers.CharField(source="run_by.username", default=None)
    recommendation = serializers.CharField()
    allowed_categories = serializers.ListField(child=serializers.CharField())
    missing_information = serializers.ListField(child=serializers.CharField())
    response_deadline = serializers.DateTimeField()
    out_of_band_verification = serializers.BooleanField()
    rule_versions = RuleSetVersionUsedSerializer(source="versions", many=True)
    results = RuleResultSerializer(many=True)


class JurisdictionListView(APIView):
    @extend_schema(responses=JurisdictionSerializer(many=True))
    def get(self, request):
        return Response(JurisdictionSerializer(jurisdictions_in_force(at=timezone.now()), many=True).data)


def _request_for_legal_team(user, ref: str) -> LegalRequest:
    """Analysts and reviewers reach every request; an officer is told nothing exists (404), other
    roles that they may not (403)."""
    if not has_role(user, Role.ANALYST, Role.REVIEWER):
        if has_role(user, Role.OFFICER) or hasattr(user, "officer"):
            raise NotFound(ERR_REQUEST_NOT_FOUND)
        raise NotPermitted(ERR_CHECKS_ROLE)
    legal_request = LegalRequest.objects.filter(ref=ref).first()
    if legal_request is None:
        raise NotFound(ERR_REQUEST_NOT_FOUND)
    return legal_request


class RequestChecksView(APIView):
    @extend_schema(responses=CheckRunSerializer)
    def get(self, request, ref: str):
        legal_request = _request_for_legal_team(request.user, ref)
        check_run = latest_check_run(legal_request)
        if check_run is None:
            return Response({"ref": legal_request.ref, "check_run": None, "rule_versions": [], "results": []})
        return Response(CheckRunSerializer(check_run).data)

    @extend_schema(request=None, responses={201: CheckRunSerializer})
    def post(self, request, ref: str):
        legal_request = _request_for_legal_team(request.user, ref)
        if not has_role(request.user, Role.ANALYST):
            raise NotPermitted(ERR_RERUN_ROLE)
        check_run = legal_request_check(legal_request=legal_request, actor=request.user)
        return Response(CheckRunSerializer(check_run).data, status=status.HTTP_201_CREATED)
