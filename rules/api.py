"""API of the rule engine: the jurisdictions the rules accept, and a request's check results."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from requests_app.selectors import legal_request_get_for_officer, legal_request_get_for_staff
from rules.selectors import jurisdictions_in_force, latest_check_run
from rules.services import legal_request_check, legal_request_precheck

CHECKS_RESOURCE = "rules.checkrun"


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


class RiskSignalSerializer(serializers.Serializer):
    signal = serializers.CharField()
    message = serializers.CharField()


class CheckRunSerializer(serializers.Serializer):
    ref = serializers.CharField(source="legal_request.ref")
    check_run = serializers.IntegerField(source="pk")
    created_at = serializers.DateTimeField()
    run_by = serializers.CharField(source="run_by.username", default=None)
    recommendation = serializers.CharField()
    allowed_categories = serializers.ListField(child=serializers.CharField())
    missing_information = serializers.ListField(child=serializers.CharField())
    response_deadline = serializers.DateTimeField()
    out_of_band_verification = serializers.BooleanField(
        help_text="A confirmed call-back to the agency's registry number is required before a disclosure"
    )
    followup_hours = serializers.IntegerField(
        allow_null=True, help_text="After an emergency disclosure: the window for the follow-up legal process"
    )
    risk_signals = RiskSignalSerializer(
        many=True, help_text="Advisory signals recorded with this check (staff only; they block nothing)"
    )
    rule_versions = RuleSetVersionUsedSerializer(source="versions", many=True)
    results = RuleResultSerializer(many=True)


class JurisdictionListView(APIView):
    @extend_schema(responses=JurisdictionSerializer(many=True))
    def get(self, request):
        return Response(JurisdictionSerializer(jurisdictions_in_force(at=timezone.now()), many=True).data)


class RequestChecksView(APIView):
    @extend_schema(responses=CheckRunSerializer)
    def get(self, request, ref: str):
        legal_request = legal_request_get_for_staff(user=request.user, ref=ref, resource=CHECKS_RESOURCE)
        check_run = latest_check_run(legal_request)
        if check_run is None:
            return Response({"ref": legal_request.ref, "check_run": None, "rule_versions": [], "results": []})
        return Response(CheckRunSerializer(check_run).data)

    @extend_schema(request=None, responses={201: CheckRunSerializer})
    def post(self, request, ref: str):
        legal_request = legal_request_get_for_staff(user=request.user, ref=ref, resource=CHECKS_RESOURCE)
        check_run = legal_request_check(legal_request=legal_request, actor=request.user)
        return Response(CheckRunSerializer(check_run).data, status=status.HTTP_201_CREATED)


class PrecheckFindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["fail", "warn"])
    message = serializers.CharField(help_text="The rule's message and what it found, in words.")
    citation = serializers.CharField()
    missing_information = serializers.BooleanField(
        help_text="True when the rule fails only for want of something the officer can add (also in `missing`)."
    )


class RetentionWindowSerializer(serializers.Serializer):
    category = serializers.CharField()
    days = serializers.IntegerField(allow_null=True, help_text="null: the rules set no retention limit for it.")
    oldest_kept = serializers.DateField(allow_null=True, help_text="Data older than this day is not kept.")
    message = serializers.CharField()
    citation = serializers.CharField()


class PrecheckSerializer(serializers.Serializer):
    recommendation = serializers.ChoiceField(choices=["proceed", "needs_info", "reject"])
    findings = PrecheckFindingSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField())
    retention = RetentionWindowSerializer(many=True)


class PrecheckThrottle(UserRateThrottle):
    """Per user: each pre-check runs the rules and writes an audit entry, so a loop would flood both."""

    scope = "precheck"

    def get_rate(self) -> str:
        return settings.LAWREQ_PRECHECK_RATE  # read per call, so a deployment (or a test) may change it


class RequestPrecheckView(APIView):
    throttle_classes = [PrecheckThrottle]

    @extend_schema(
        request=None,
        responses={200: PrecheckSerializer},
        description=(
            "The check before filing: the rules that validate a submission, run on a draft or on a request in "
            "`needs_info`, as its officer may read them. `findings` are the failed and warned rules the officer "
            "can act on, with their citations (never the legal team's notes nor the identity checks); `missing` "
            "what must be added before filing (the legal document included); `retention` how far back each asked "
            "category is kept under the rules in force. The agency's officers only (others: 403; another agency's "
            "request: 404); 409 in any other state. Changes nothing but one audit entry (`request.prechecked`). "
            "At most `LAWREQ_PRECHECK_RATE` per user (30 a minute by default): past it, 429 with Retry-After."
        ),
    )
    def post(self, request, ref: str):
        legal_request = legal_request_get_for_officer(user=request.user, ref=ref)
        precheck = legal_request_precheck(legal_request=legal_request, actor=request.user)
        return Response(PrecheckSerializer(precheck).data)
