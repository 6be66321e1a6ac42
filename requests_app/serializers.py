from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lawreq.fields import (
    RejectUnknownFieldsMixin,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
)
from lawreq.roles import is_legal_staff
from requests_app.choices import (
    AuthorityType,
    Category,
    EnforcingDecision,
    IpPurpose,
    LegalChannel,
    OffenseCategory,
    Outcome,
    ProcessType,
    RefusalGround,
    SignatureFormat,
    SignatureStatus,
    TargetType,
)
from requests_app.models import FollowUpState, Jurisdiction, LegalRequest
from requests_app.services import MAX_TARGETS
from requests_app.states import State

ERR_UNKNOWN_JURISDICTION = "Unknown jurisdiction '{code}'."
ERR_DUPLICATE_CATEGORY = "Each category may appear once."
ERR_ENFORCING_STATE_CODE = "Give the enforcing state as a two-letter member-state code, e.g. IE."

AUTHENTICITY_CERTIFICATE_HELP = (
    "true asks for a certificate of authenticity of business records in the response letter, in the form US courts "
    "accept for self-authentication (Federal Rules of Evidence 902(11) and 902(13), with a declaration under "
    "28 U.S.C. § 1746): on a page of its own inside the signed PDF, in English, naming the custodian of records' "
    "function and giving the SHA-256 of each attached record file. Only a letter that discloses records carries "
    "one (not a rejection nor a no-records letter). Default false; settable on a draft and while the request waits "
    "for information (needs_info)"
)
ERR_NESTED_KEY_REQUIRED = (
    "This field is required: a correction replaces the whole object, so send it with all its fields."
)
USER_NOTICE_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["pending", "sent", "withheld", "not_required"]},
        "due_at": {"type": "string", "format": "date-time", "nullable": True},
        "sent_at": {"type": "string", "format": "date-time", "nullable": True},
        "reason": {"type": "string", "description": "Why notice is withheld: the legal team only"},
    },
    "required": ["status", "due_at", "sent_at"],
}


@extend_schema_field(OpenApiTypes.STR)
class JurisdictionCodeField(serializers.Field):
    default_error_messages = {"unknown": ERR_UNKNOWN_JURISDICTION, "invalid": "Not a valid jurisdiction code."}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not 2 <= len(data) <= 10:
            self.fail("invalid")
        jurisdiction = Jurisdiction.objects.filter(code=data.upper()).first()
        if jurisdiction is None:
            self.fail("unknown", code=data[:10])
        return jurisdiction

    def to_representation(self, value):
        return value.code


class IssuingAuthoritySerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    type = serializers.ChoiceField(choices=AuthorityType.choices)
    name = StrictCharField(max_length=200, allow_blank=True, required=False, default="")


class EnforcingAuthoritySerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    state = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        max_length=2,
        help_text="The member state where the order is enforced (ISO 3166-1 alpha-2, e.g. IE): an EU member state "
        "bound by Regulation (EU) 2023/1543, other than the issuing state",
        error_messages={
            "invalid": ERR_ENFORCING_STATE_CODE,
            "blank": ERR_ENFORCING_STATE_CODE,
            "max_length": ERR_ENFORCING_STATE_CODE,
        },
    )
    name = StrictCharField(max_length=200, allow_blank=True, required=False, default="")
    notified = StrictBooleanField(
        required=False,
        default=False,
        help_text="The issuing authority notified the enforcing authority (Art. 8): for traffic data other than "
        "data requested solely to identify the user, and for content data",
    )


class TargetInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    type = serializers.ChoiceField(choices=TargetType.choices)
    value = StrictCharField(max_length=200, trim_whitespace=True)


class LegalRequestWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """What an officer sends to create or correct a request. Domain rules live in the services."""

    jurisdiction = JurisdictionCodeField()
    process_type = serializers.ChoiceField(choices=ProcessType.choices)
    legal_channel = serializers.ChoiceField(choices=LegalChannel.choices, required=False)
    emergency = StrictBooleanField(
        required=False,
        help_text="An emergency (danger to life or of serious physical injury): needs `emergency_justification`. "
        "A request of process_type `emergency_disclosure` is always an emergency: the flag is set whatever is sent",
    )
    emergency_justification = StrictCharField(max_length=5000, allow_blank=True, required=False)
    case_number = StrictCharField(max_length=100, allow_blank=True, required=False)
    offense = StrictCharField(max_length=5000, allow_blank=True, required=False)
    offense_category = serializers.ChoiceField(choices=OffenseCategory.choices, allow_blank=True, required=False)
    offense_max_sentence_years = StrictIntegerField(min_value=0, max_value=200, allow_null=True, required=False)
    terms_violation = StrictBooleanField(required=False)
    issuing_authority = IssuingAuthoritySerializer(required=False)
    issued_at = StrictDateField(allow_null=True, required=False)
    nondisclosure_until = StrictDateField(allow_null=True, required=False)
    authenticity_certificate = StrictBooleanField(required=False, help_text=AUTHENTICITY_CERTIFICATE_HELP)
    date_from = StrictDateField(allow_null=True, required=False)
    date_to = StrictDateField(allow_null=True, required=False)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices), min_length=1, max_length=len(Category.choices)
    )
    targets = serializers.ListField(child=TargetInputSerializer(), min_length=1, max_length=MAX_TARGETS)
    preservation_of = StrictCharField(max_length=20, required=False, allow_blank=True)
    # e-Evidence (Regulation (EU) 2023/1543): the certificate's fields, for a European Production Order
    # (EPOC, Annex I) or Preservation Order (EPOC-PR, Annex II) from an EU member state only.
    certificate_reference = StrictCharField(
        max_length=100, allow_blank=True, required=False, help_text="The EPOC or EPOC-PR's own reference"
    )
    ip_purpose = serializers.ChoiceField(
        choices=IpPurpose.choices,
        allow_blank=True,
        required=False,
        help_text="Why IP addresses are requested: `identification` (solely to identify the user, Art. 3(10): a "
        "judge, court or prosecutor, any offence) or `traffic` (traffic data: a judge or court, offences of at "
        "least 3 years or listed ones)",
    )
    validating_authority = IssuingAuthoritySerializer(
        required=False,
        allow_null=True,
        help_text="The judge, court or prosecutor who validated an order issued by another authority (Art. 4(1)(b), "
        "4(2)(b)); null clears it",
    )
    enforcing_authority = EnforcingAuthoritySerializer(
        required=False,
        allow_null=True,
        help_text="null clears it. A correction sends the whole object (a part of it is refused with a 400). Once "
        "a notified order was submitted, the enforcing authority and `emergency` can no longer be changed (400): "
        "the enforcing state's window is never shortened",
    )

    def validate_categories(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError(ERR_DUPLICATE_CATEGORY)
        return sorted(value)

    # A correction (PATCH) replaces a nested authority whole: its required keys are required there too, so a
    # part of one is refused (400), never merged half-way nor taken as clearing it.
    NESTED_REQUIRED = {"issuing_authority": "type", "validating_authority": "type", "enforcing_authority": "state"}

    def _require_whole_authorities(self, attrs: dict) -> None:
        errors = {
            field: {key: [ERR_NESTED_KEY_REQUIRED.format(key=key)]}
            for field, key in self.NESTED_REQUIRED.items()
            if attrs.get(field) is not None and key not in attrs[field]
        }
        if errors:
            raise serializers.ValidationError(errors)

    def validate(self, attrs: dict) -> dict:
        self._require_whole_authorities(attrs)
        authority = attrs.pop("issuing_authority", None)
        if authority is not None:
            attrs["issuing_authority_type"] = authority["type"]
            attrs["issuing_authority_name"] = authority.get("name", "")
        if "validating_authority" in attrs:
            validating = attrs.pop("validating_authority") or {"type": "", "name": ""}
            attrs["validating_authority_type"] = validating["type"]
            attrs["validating_authority_name"] = validating.get("name", "")
        if "enforcing_authority" in attrs:
            enforcing = attrs.pop("enforcing_authority") or {"state": "", "name": "", "notified": False}
            attrs["enforcing_state"] = enforcing["state"].upper()
            attrs["enforcing_authority_name"] = enforcing.get("name", "")
            attrs["enforcing_authority_notified"] = enforcing.get("notified", False)
        return attrs


class TargetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    value = serializers.CharField(source="display_value")


class DocumentSignatureSerializer(serializers.Serializer):
    """The document's digital signature as last checked. Officers get ``signed`` and ``verified``
    only; the legal team gets the rest."""

    signed = serializers.BooleanField(source="is_signed")
    verified = serializers.SerializerMethodField(help_text="The signature is valid and chains to a trust root")
    status = serializers.ChoiceField(
        source="signature_status", choices=SignatureStatus.choices, required=False, help_text="Legal team only"
    )
    format = serializers.ChoiceField(
        source="signature_format",
        choices=SignatureFormat.choices,
        allow_blank=True,
        required=False,
        help_text="Legal team only",
    )
    signer = serializers.CharField(source="signature_signer", required=False, help_text="Legal team only: CN, O")
    issuer = serializers.CharField(source="signature_issuer", required=False, help_text="Legal team only")
    qualified = serializers.BooleanField(
        source="signature_qualified",
        required=False,
        help_text="Legal team only: the signer's certificate declares an EU qualified seal or signature (QCStatements)",
    )
    signed_at = serializers.DateTimeField(source="signature_signed_at", allow_null=True, required=False)
    checked_at = serializers.DateTimeField(source="signature_checked_at", allow_null=True, required=False)
    reason = serializers.CharField(source="signature_reason", required=False, help_text="Legal team only")

    OFFICER_FIELDS = frozenset({"signed", "verified"})

    def get_verified(self, document) -> bool:
        return document.signature_status == SignatureStatus.VALID

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not is_legal_staff(request.user):
            return {key: value for key, value in data.items() if key in self.OFFICER_FIELDS}
        return data


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    signature = DocumentSignatureSerializer(source="*", read_only=True)


class ValidatingAuthorityOutSerializer(serializers.Serializer):
    type = serializers.CharField(source="validating_authority_type")
    name = serializers.CharField(source="validating_authority_name")


class EnforcingAuthorityOutSerializer(serializers.Serializer):
    state = serializers.CharField(source="enforcing_state")
    name = serializers.CharField(source="enforcing_authority_name")
    notified = serializers.BooleanField(source="enforcing_authority_notified")
    window_ends_at = serializers.DateTimeField(
        source="enforcing_window_ends_at",
        allow_null=True,
        help_text="Until when the enforcing authority may raise grounds for refusal (10 days after receipt; "
        "96 hours after notification in an emergency); null when no window runs",
    )
    decision = serializers.ChoiceField(
        source="enforcing_decision", choices=EnforcingDecision.choices, allow_blank=True, help_text="'' until recorded"
    )
    decided_at = serializers.DateTimeField(source="enforcing_decision_at", allow_null=True)
    grounds = serializers.ListField(
        source="enforcing_grounds", child=serializers.ChoiceField(choices=RefusalGround.choices)
    )


class EnforcingDecisionSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=EnforcingDecision.choices,
        help_text="`no_grounds`: the enforcing authority confirmed it raises no grounds (the data may go before "
        "the window ends); `grounds_raised`: it raised grounds for refusal (the data may not go)",
    )
    grounds = serializers.ListField(
        child=serializers.ChoiceField(choices=RefusalGround.choices),
        required=False,
        default=list,
        max_length=len(RefusalGround.choices),
        help_text="With `grounds_raised`: the grounds of Art. 12(1) it raised",
    )


class IssuingAuthorityOutSerializer(serializers.Serializer):
    type = serializers.CharField(source="issuing_authority_type")
    name = serializers.CharField(source="issuing_authority_name")


CLOCK_PAUSED_HELP = (
    "True while the request waits for the officer (needs_info): the response clock is stopped, the request is "
    "never overdue, and on resubmission due_at moves later by the time it was stopped"
)


class LegalRequestSummarySerializer(serializers.ModelSerializer):
    """The list view: no target identifiers, so a list read discloses no personal data."""

    jurisdiction = serializers.CharField(source="jurisdiction.code")
    agency = serializers.CharField(source="agency.name")
    overdue = serializers.BooleanField(source="is_overdue")
    clock_paused = serializers.BooleanField(read_only=True, help_text=CLOCK_PAUSED_HELP)
    assignee = serializers.SerializerMethodField(help_text="Username of the assignee (legal team only), or null")

    @extend_schema_field({"type": "string", "nullable": True})
    def get_assignee(self, legal_request: LegalRequest) -> str | None:
        return _assignee_for(self, legal_request)

    class Meta:
        model = LegalRequest
        fields = [
            "ref", "state", "outcome", "jurisdiction", "agency", "process_type", "emergency", "case_number",
            "received_at", "due_at", "overdue", "clock_paused", "assignee", "created_at",
        ]  # fmt: skip


class LetterStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["queued", "rendering", "failed", "signed", "pending"])
    error = serializers.CharField(allow_null=True)
    note = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)


# The letter belongs to the letters app, a layer above this one: it registers how its status is read.
_letter_status_reader: Callable[[LegalRequest, bool], dict | None] | None = None


def register_letter_status(reader: Callable[[LegalRequest, bool], dict | None]) -> None:
    global _letter_status_reader
    _letter_status_reader = reader


# The answer in the form of Annex III of Regulation (EU) 2023/1543 belongs to the disclosure app, a
# layer above: it registers how the request's Annex III answer is read.
_annex_iii_reader: Callable[[LegalRequest], dict | None] | None = None


def register_annex_iii_reader(reader: Callable[[LegalRequest], dict | None]) -> None:
    global _annex_iii_reader
    _annex_iii_reader = reader


ANNEX_III_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": (
        "Set once decided when the answer to a European Production or Preservation Order (EPOC, EPOC-PR) of an EU "
        "jurisdiction does not comply fully or in time: the letter then takes the form of Annex III of Regulation "
        "(EU) 2023/1543. `grounds` are the ticked boxes of its Section D(a): `box` (their place in the form), "
        "`label`, `citation`; `explanation` is Section D(b), written for the issuing authority; `late`: answered "
        "after the deadline. Null otherwise."
    ),
    "properties": {
        "certificate": {"type": "string", "enum": ["EPOC", "EPOC-PR"]},
        "grounds": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "box": {"type": "integer"},
                    "label": {"type": "string"},
                    "citation": {"type": "string"},
                },
            },
        },
        "explanation": {"type": "string"},
        "late": {"type": "boolean"},
    },
}


class FollowUpSerializer(serializers.Serializer):
    state = serializers.ChoiceField(source="followup_state", choices=FollowUpState.choices)
    due_at = serializers.DateTimeField(source="followup_due_at")
    received_at = serializers.DateTimeField(source="followup_received_at", allow_null=True)


class LegalRequestSerializer(serializers.Serializer):
    """A request as GET returns it (API.md), plus a few additions. Declared field by field: a
    ModelSerializer would introspect the model again on every response."""

    ref = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        allow_null=True,
        help_text="Once answered. `preserved` (added December 2026): a preservation order (EU EPOC-PR, US 2703(f)) "
        "answered by preserving the data of the accounts found; nothing is disclosed and no account counts as "
        "affected",
    )
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    agency = serializers.CharField(source="agency.name")
    process_type = serializers.ChoiceField(choices=ProcessType.choices)
    legal_channel = serializers.ChoiceField(choices=LegalChannel.choices)
    emergency = serializers.BooleanField()
    emergency_justification = serializers.CharField()
    case_number = serializers.CharField()
    offense = serializers.CharField()
    offense_category = serializers.CharField()
    offense_max_sentence_years = serializers.IntegerField(allow_null=True)
    terms_violation = serializers.BooleanField()
    issuing_authority = IssuingAuthorityOutSerializer(source="*")
    issued_at = serializers.DateField(allow_null=True)
    nondisclosure_until = serializers.DateField(allow_null=True)
    authenticity_certificate = serializers.BooleanField(help_text=AUTHENTICITY_CERTIFICATE_HELP)
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    categories = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices))
    targets = TargetSerializer(many=True)
    documents = DocumentSerializer(many=True)
    preservation_of = serializers.CharField(source="preservation_of.ref", allow_null=True, default=None)
    certificate_reference = serializers.CharField()
    ip_purpose = serializers.ChoiceField(choices=IpPurpose.choices, allow_blank=True)
    validating_authority = serializers.SerializerMethodField()
    enforcing_authority = serializers.SerializerMethodField(
        help_text="The enforcing authority of a European Production Order, its window and decision; null when none"
    )
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue")
    clock_paused = serializers.BooleanField(help_text=CLOCK_PAUSED_HELP)
    responded_at = serializers.DateTimeField(allow_null=True)
    rejection_reasons = serializers.ListField(child=serializers.CharField())
    info_requested = serializers.CharField()
    assignee = serializers.SerializerMethodField(
        help_text="The analyst or reviewer in charge, or null; shown to the legal team only (null for officers)"
    )
    followup = serializers.SerializerMethodField(
        help_text="After an emergency disclosure, the follow-up legal process the agency owes (attach it as a "
        "document): {state: awaiting|received|overdue, due_at, received_at}; null when none is owed"
    )
    created_at = serializers.DateTimeField()
    letter = serializers.SerializerMethodField(
        help_text="Where the response letter is, null while none is due. The legal team sees `queued`, "
        "`rendering`, `failed` (with `error`) or `signed`, and a `note` (waiting for the timestamp authority, "
        "signed without a timestamp); an officer sees `pending` or `signed` only, never an error."
    )
    user_notice = serializers.SerializerMethodField(
        help_text=(
            "Notice to the users whose data was disclosed: status pending (will be given; due_at says when), "
            "sent (sent_at), withheld (by a non-disclosure order until due_at, after an emergency disclosure until "
            "due_at, LAWREQ_EMERGENCY_NOTICE_DELAY_DAYS after the answer, or by the rules) or not_required. "
            "reason, why it is withheld, is given to the legal team only."
        )
    )
    annex_iii = serializers.SerializerMethodField()
    legal_hold = serializers.SerializerMethodField(
        help_text="While true, nothing of the request is purged by retention. An internal decision of the legal "
        "team: shown to the legal team only (null for officers)"
    )

    @extend_schema_field(USER_NOTICE_SCHEMA)
    def get_user_notice(self, legal_request: LegalRequest) -> dict:
        notice = {
            "status": legal_request.user_notice_status,
            "due_at": _iso(legal_request.user_notice_due_at),
            "sent_at": _iso(legal_request.user_notice_sent_at),
        }
        request = self.context.get("request")
        if request is not None and is_legal_staff(request.user) and legal_request.user_notice_status == "withheld":
            notice["reason"] = legal_request.user_notice_reason
        return notice

    @extend_schema_field(ValidatingAuthorityOutSerializer(allow_null=True))
    def get_validating_authority(self, legal_request: LegalRequest) -> dict | None:
        if not legal_request.validating_authority_type:
            return None
        return ValidatingAuthorityOutSerializer(legal_request).data

    @extend_schema_field(EnforcingAuthorityOutSerializer(allow_null=True))
    def get_enforcing_authority(self, legal_request: LegalRequest) -> dict | None:
        if not legal_request.enforcing_state:
            return None
        return EnforcingAuthorityOutSerializer(legal_request).data

    @extend_schema_field({"type": "boolean", "nullable": True})
    def get_legal_hold(self, legal_request: LegalRequest) -> bool | None:
        request = self.context.get("request")
        if request is None or not is_legal_staff(request.user):
            return None
        return legal_request.legal_hold

    @extend_schema_field({"type": "string", "nullable": True})
    def get_assignee(self, legal_request: LegalRequest) -> str | None:
        return _assignee_for(self, legal_request)

    @extend_schema_field(LetterStatusSerializer(allow_null=True))
    def get_letter(self, legal_request: LegalRequest) -> dict | None:
        if _letter_status_reader is None:
            return None
        request = self.context.get("request")
        staff = request is not None and is_legal_staff(request.user)
        return _letter_status_reader(legal_request, staff)

    @extend_schema_field(ANNEX_III_SCHEMA)
    def get_annex_iii(self, legal_request: LegalRequest) -> dict | None:
        return _annex_iii_reader(legal_request) if _annex_iii_reader is not None else None

    @extend_schema_field(FollowUpSerializer(allow_null=True))
    def get_followup(self, legal_request: LegalRequest) -> dict | None:
        return FollowUpSerializer(legal_request).data if legal_request.followup_state else None


def _iso(moment) -> str | None:
    return serializers.DateTimeField().to_representation(moment) if moment else None


def _assignee_for(serializer: serializers.Serializer, legal_request: LegalRequest) -> str | None:
    """Staff usernames are internal: an officer sees null."""
    request = serializer.context.get("request")
    if request is None or not is_legal_staff(request.user) or legal_request.assignee_id is None:
        return None
    return legal_request.assignee.username


class TokenRequestSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=256, trim_whitespace=False)
    otp = StrictCharField(max_length=12, required=False, allow_blank=True)


class SubmitSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Submitting takes no field; a body, if any, must still be a well-formed empty object."""


class WithdrawSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")


class AssignSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    assignee = StrictCharField(
        max_length=150, allow_null=True, help_text="The username of an analyst or reviewer; null to unassign"
    )


class LegalHoldSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    legal_hold = serializers.BooleanField(help_text="true places the hold, false lifts it")
    reason = StrictCharField(max_length=500, required=False, allow_blank=True, default="")
