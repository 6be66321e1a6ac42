"""REST pieces of review and disclosure: the proposal and approval serializers (their endpoints are
journey steps, in ``workflow.api``) and the audited snapshot read.

Only the legal team (analysts, reviewers) reaches these; for anyone else the resources do not
exist (404), so an officer or an auditor learns nothing about the review from them.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from disclosure import selectors, services
from disclosure.annex_iii import GROUND_CODES, GROUNDS, MAX_GROUNDS
from disclosure.models import Approval, CallBackOutcome, Decision, Proposal
from disclosure.records import ApprovedDecision
from lawreq.fields import (
    RejectUnknownFieldsMixin,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
)
from requests_app.choices import Category
from requests_app.selectors import legal_request_get_for_staff
from requests_app.services import MAX_TARGETS

ERR_TARGET_ITEM = "Each target is an id, or an object with 'id' and optional 'categories', 'date_from', 'date_to'."
ERR_DUPLICATE_CATEGORY = "Each category may appear once."
READ_PURPOSE_API = "api: snapshot viewed by the legal team"
ERR_CHECKBOX_GONE = (
    "out_of_band_verified is no longer accepted: the out-of-band verification is a call-back recorded with "
    "POST /api/v1/requests/{ref}/callbacks/, to the agency's registry number."
)
ERR_NUMBER_CHOSEN = (
    "The number called is not chosen by the caller: it is the agency's number in the registry, taken by the "
    "system. Remove '{field}'."
)
CALLER_NUMBER_FIELDS = ("number_called", "number", "phone", "callback_phone")
SNAPSHOT_RESOURCE = "disclosure.snapshot"


class CategoriesField(serializers.ListField):
    child = serializers.ChoiceField(choices=Category.choices)

    def __init__(self, **kwargs):
        super().__init__(max_length=len(Category.choices), **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(set(value)) != len(value):
            raise serializers.ValidationError(ERR_DUPLICATE_CATEGORY)
        return value


class TargetScopeSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    id = StrictIntegerField(min_value=1)
    categories = CategoriesField(required=False, min_length=1)
    date_from = StrictDateField(required=False)
    date_to = StrictDateField(required=False)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "description": "a target id of this request"},
            {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "integer", "minimum": 1},
                    "categories": {"type": "array", "items": {"type": "string", "enum": Category.values}},
                    "date_from": {"type": "string", "format": "date"},
                    "date_to": {"type": "string", "format": "date"},
                },
                "additionalProperties": False,
            },
        ]
    }
)
class TargetItemField(serializers.Field):
    """A target id, or ``{"id", "categories"?, "date_from"?, "date_to"?}`` to narrow one target."""

    default_error_messages = {"invalid": ERR_TARGET_ITEM}

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            if data < 1:
                self.fail("invalid")
            return data
        if isinstance(data, dict):
            scope = TargetScopeSerializer(data=data)
            scope.is_valid(raise_exception=True)
            return dict(scope.validated_data)
        self.fail("invalid")

    def to_representation(self, value):
        return value


class ProposalWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    categories = CategoriesField(required=False)
    date_from = StrictDateField(required=False, allow_null=True)
    date_to = StrictDateField(required=False, allow_null=True)
    targets = serializers.ListField(child=TargetItemField(), required=False, max_length=MAX_TARGETS)
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=services.MAX_TEXT,
        default="",
        help_text="Internal: the analyst's justification for the reviewer, or the question to the officer "
        "(need_info). Never printed in a letter.",
    )
    reasons = serializers.ListField(
        child=StrictCharField(max_length=services.MAX_TEXT),
        required=False,
        max_length=50,
        default=list,
        help_text="For the requester: sentences the letter prints about a refusal or a narrowing, with the "
        "rules' own messages. Required for a rejection.",
    )

    annex_iii_grounds = serializers.ListField(
        child=StrictCharField(max_length=60),
        required=False,
        max_length=MAX_GROUNDS,
        default=list,
        help_text="Only for an answer to a European Production or Preservation Order (EPOC, EPOC-PR) of an EU "
        "jurisdiction that does not comply fully or in time (a rejection, a narrowing, no records, past the "
        "deadline), and then required: the boxes of Section D(a) of Annex III of Regulation (EU) 2023/1543 "
        "printed in the letter. An unknown code, a code for another answer, or none where required: 400. "
        "Codes: " + "; ".join(f"`{g.code}` (box {g.box}, {g.citation})" for g in GROUNDS) + ".",
    )
    annex_iii_explanation = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=services.MAX_TEXT,
        default="",
        help_text="For the issuing authority, printed in Section D(b) of Annex III: required with "
        "`de_facto_impossibility`, `immunities_or_press_freedom`, `third_country_conflict`, `other_reasons`.",
    )

    def to_internal_value(self, data):
        if isinstance(data, dict) and "out_of_band_verified" in data:
            raise serializers.ValidationError({"out_of_band_verified": [ERR_CHECKBOX_GONE]})
        return super().to_internal_value(data)


class ApprovalWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    approve = StrictBooleanField()
    comment = StrictCharField(required=False, allow_blank=True, max_length=services.MAX_TEXT, default="")


class ApprovalSerializer(serializers.ModelSerializer):
    approved_by = serializers.CharField(source="approved_by.get_username")

    class Meta:
        model = Approval
        fields = ["approve", "comment", "approved_by", "created_at"]


class ProposalSerializer(serializers.ModelSerializer):
    proposed_by = serializers.CharField(source="proposed_by.get_username")
    annex_iii_grounds = serializers.ListField(
        child=serializers.ChoiceField(choices=GROUND_CODES),
        help_text="Annex III grounds (Regulation (EU) 2023/1543), in the form's order; see the proposal's POST",
    )
    annex_iii_explanation = serializers.CharField(
        help_text="For the issuing authority: printed in Section D(b) of Annex III (empty when none)"
    )
    targets = serializers.SerializerMethodField()
    approval = serializers.SerializerMethodField()
    state = serializers.CharField(source="legal_request.state")

    class Meta:
        model = Proposal
        fields = [
            "id",
            "decision",
            "status",
            "state",
            "categories",
            "date_from",
            "date_to",
            "targets",
            "reason",
            "reasons",
            "annex_iii_grounds",
            "annex_iii_explanation",
            "rule_versions",
            "proposed_by",
            "created_at",
            "approval",
        ]

    def get_targets(self, proposal: Proposal) -> list[dict]:
        return [
            {
                "id": scope.target_id,
                "categories": scope.categories,
                "date_from": scope.date_from.isoformat(),
                "date_to": scope.date_to.isoformat(),
            }
            for scope in proposal.targets.all()
        ]

    def get_approval(self, proposal: Proposal) -> dict | None:
        approval = getattr(proposal, "approval", None)
        return ApprovalSerializer(approval).data if approval is not None else None


class CallBackWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    spoke_to = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=services.MAX_SPOKE_TO,
        help_text="Whom the caller spoke to at the agency: required unless the outcome is no_answer",
    )
    outcome = serializers.ChoiceField(choices=CallBackOutcome.choices)
    note = StrictCharField(
        required=False, allow_blank=True, max_length=services.MAX_TEXT, default="", help_text="Internal, sealed"
    )

    def to_internal_value(self, data):
        if isinstance(data, dict):
            for field in CALLER_NUMBER_FIELDS:
                if field in data:
                    raise serializers.ValidationError({field: [ERR_NUMBER_CHOSEN.format(field=field)]})
        return super().to_internal_value(data)


class CallBackSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number_called = serializers.CharField(help_text="The agency's number in the registry when the call was recorded")
    called_by = serializers.CharField()
    called_at = serializers.DateTimeField()
    spoke_to = serializers.CharField()
    outcome = serializers.ChoiceField(choices=CallBackOutcome.choices)
    note = serializers.CharField(help_text="Internal note of the legal team")


class FollowUpReceivedSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    document = StrictIntegerField(
        required=False, allow_null=True, default=None, min_value=1, help_text="The follow-up document's id"
    )


def _decision_json(decision: ApprovedDecision) -> dict:
    return {
        "decision": decision.decision,
        "outcome": decision.outcome,
        "approved_at": decision.approved_at,
        "proposed_by_role": decision.proposed_by_role,
        "approved_by_role": decision.approved_by_role,
        "reasons": list(decision.reasons),
        "refused": [{"what": item.what, "reason": item.reason} for item in decision.refused],
        "accounts_affected": decision.accounts_affected,
        "targets": [
            {
                "target_id": target.target_id,
                "type": target.target_type,
                "value": target.target_value,
                "found": target.found,
                "account_id": target.account_id,
                "categories": list(target.categories),
                "date_from": target.date_from,
                "date_to": target.date_to,
                "phone_numbers": [
                    {"number": p.number, "valid_from": p.valid_from, "valid_to": p.valid_to}
                    for p in target.phone_numbers
                ],
                "ip_events": [{"ts": e.ts, "ip": e.ip, "port": e.port} for e in target.ip_events],
                "profile": target.profile,
            }
            for target in decision.targets
        ],
    }


@extend_schema(tags=["review"])
class SnapshotView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, ref: str):
        legal_request = legal_request_get_for_staff(user=request.user, ref=ref, resource=SNAPSHOT_RESOURCE)
        decision = selectors.approved_decision(
            legal_request=legal_request, actor=request.user, purpose=READ_PURPOSE_API
        )
        return Response(_decision_json(decision))
