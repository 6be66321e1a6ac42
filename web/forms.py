"""Web forms: they parse and type what people type. Domain rules stay in the services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from casework.services import MAX_BODY_CHARS
from disclosure.annex_iii import EPOC, GROUNDS, certificate_of
from disclosure.models import CallBackOutcome, Decision
from disclosure.selectors import legal_requests_awaiting_approval_by
from disclosure.services import ERR_DATE_AFTER, ERR_DATE_BEFORE
from lawreq.errors import DomainError
from lawreq.views import megabytes
from requests_app.choices import (
    AuthorityType,
    Category,
    IpPurpose,
    LegalChannel,
    OffenseCategory,
    ProcessType,
    TargetType,
    in_sentence,
    label_of,
)
from requests_app.e_evidence import (
    E_EVIDENCE_FIELDS,
    E_EVIDENCE_PROCESS_TYPES,
    NOTIFIED_PROCESS_TYPES,
    is_eu_order,
    member_state_codes,
    refusal_reasons,
)
from requests_app.login import CredentialsLoginForm
from requests_app.models import Agency, Jurisdiction, LegalRequest, Target
from requests_app.selectors import (
    legal_requests_matching,
    legal_requests_naming_target,
    legal_staff_members,
    target_identifier_readable,
)
from requests_app.services import MAX_TARGETS
from requests_app.states import OPEN_STATES, State
from rules.selectors import categories_out_of_reach_at_intake, fields_required_by_rules, process_types_recognised

ERR_TARGET_LINE = _("Line {line}: write 'type:value', where type is phone, username or account_id.")
ERR_TARGET_TYPE = _("Line {line}: '{type}' is not a target type (phone, username or account_id).")
ERR_TARGET_EMPTY = _("Line {line}: the value after '{type}:' is empty.")
ERR_TARGETS_NONE = _("Name at least one target, one per line.")
ERR_PROCESS_NOT_RECOGNISED = _(
    "The rules of this jurisdiction do not recognise this legal process: choose one of the list, which shows those "
    "they do."
)
ERR_TARGETS_TOO_MANY = _("At most {limit} targets, one per line.")
ERR_IDEMPOTENCY = _("This form is out of date: reload the page and try again.")
ERR_NO_FILE = _("Choose the PDF file of the legal document.")
ERR_FILE_TOO_LARGE = _("This file is larger than {size}: choose a smaller PDF.")
WARN_CATEGORY_UNREACHABLE = _(
    "{category} cannot be obtained with a {process}: {message} ({citation}). Remove it, or file the legal process "
    "that reaches it."
)
ERR_NO_TARGET = "Include at least one target in the disclosure."
ERR_TARGET_CATEGORIES = "Choose at least one category for each included target."
ERR_DATES_REVERSED = "The start date is after the end date."
ERR_CATEGORY_NOT_ALLOWED = "{category} is not allowed by the checks of this request."
ERR_REASONS = "Give at least one reason, one per line: they are shown in the letter."
ERR_QUESTION = "Write the question to the officer."

LABEL_NOT_ALLOWED = " (not allowed by the checks)"

TARGET_TYPES = frozenset(TargetType.values)
BLANK = [("", "—")]
ERR_ON_LINE = _("Line {line}: {message}")
CATEGORY_CHOICES = Category.choices


class DateInput(forms.DateInput):
    input_type = "date"


def parse_targets(text: str) -> list[tuple[int, dict[str, str]]]:
    """'phone:+33 6 12 34 56 78' lines into (line number, target dict); the services normalise the values."""
    targets: list[tuple[int, dict[str, str]]] = []
    numbered = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not numbered:
        raise forms.ValidationError(ERR_TARGETS_NONE)
    if len(numbered) > MAX_TARGETS:
        raise forms.ValidationError(ERR_TARGETS_TOO_MANY.format(limit=MAX_TARGETS))
    errors: list[str] = []
    for number, line in numbered:
        target_type, separator, value = line.partition(":")
        target_type, value = target_type.strip().lower(), value.strip()
        if not separator:
            errors.append(ERR_TARGET_LINE.format(line=number))
        elif target_type not in TARGET_TYPES:
            errors.append(ERR_TARGET_TYPE.format(line=number, type=target_type[:20]))
        elif not value:
            errors.append(ERR_TARGET_EMPTY.format(line=number, type=target_type))
        else:
            targets.append((number, {"type": target_type, "value": value}))
    if errors:
        raise forms.ValidationError(errors)
    return targets


def targets_as_text(legal_request: LegalRequest) -> str:
    return "\n".join(f"{target.type}:{target.display_value}" for target in legal_request.targets.all())


def add_domain_error(form: forms.Form, error: DomainError, *, field_map: dict[str, str] | None = None) -> bool:
    """Put a service's error on the form field it names. False when it names none of them."""
    field = error.field or ""
    field = (field_map or {}).get(field, field)
    if field.startswith("targets[") and "targets" in form.fields:
        # The services count targets from 0; people count the lines they typed, blank ones too.
        index = field[len("targets[") :].partition("]")[0]
        lines = getattr(form, "target_line_numbers", [])
        line = lines[int(index)] if index.isdigit() and int(index) < len(lines) else None
        form.add_error("targets", ERR_ON_LINE.format(line=line, message=error.message) if line else error.message)
        return True
    if field in form.fields:
        form.add_error(field, error.message)
        return True
    return False


class LegalRequestForm(forms.Form):
    """Every field of the API's request body, for officers creating or correcting a request.

    ``agency`` presets a new request: its country as the jurisdiction, and the issuing authority
    type of its latest request. ``needed_by_rules`` are the fields the rules in force for the form's
    jurisdiction need before filing: with the form's own required fields, the page marks them.
    """

    jurisdiction = forms.ModelChoiceField(
        queryset=Jurisdiction.objects.filter(is_region=False),
        to_field_name="code",
        empty_label=_("— choose —"),
        label=_("Jurisdiction"),
        error_messages={"required": _("Choose the jurisdiction whose law the request invokes.")},
    )
    process_type = forms.ChoiceField(
        choices=BLANK + ProcessType.choices,
        label=_("Legal process"),
        error_messages={"required": _("Choose the legal process of the document.")},
    )
    legal_channel = forms.ChoiceField(choices=LegalChannel.choices, initial=LegalChannel.DIRECT, label=_("Channel"))
    emergency = forms.BooleanField(
        required=False,
        label=_("Emergency (danger of death or serious physical injury)"),
        help_text=_(
            "For any legal process sent in an emergency (a European Production Order issued in an emergency, for "
            "example). An emergency disclosure request is an emergency by its nature: choosing it counts as ticked."
        ),
    )
    emergency_justification = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Emergency justification")
    )
    case_number = forms.CharField(required=False, max_length=100, label=_("Case number"))
    offense = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Offence under investigation"),
    )
    offense_category = forms.ChoiceField(
        required=False, choices=BLANK + OffenseCategory.choices, label=_("Offence category")
    )
    offense_max_sentence_years = forms.IntegerField(
        required=False, min_value=0, max_value=200, label=_("Maximum sentence (years)")
    )
    terms_violation = forms.BooleanField(
        required=False, label=_("The suspect's conduct breaks the platform's terms of service")
    )
    issuing_authority_type = forms.ChoiceField(
        required=False, choices=BLANK + AuthorityType.choices, label=_("Issuing authority")
    )
    issuing_authority_name = forms.CharField(required=False, max_length=200, label=_("Name of the issuing authority"))
    issued_at = forms.DateField(required=False, widget=DateInput, label=_("Document issued on"))
    nondisclosure_until = forms.DateField(required=False, widget=DateInput, label=_("Non-disclosure order until"))
    authenticity_certificate = forms.BooleanField(
        required=False,
        label=_("Add a certificate of authenticity of the records (US Federal Rules of Evidence 902(11) and 902(13))"),
        help_text=_(
            "For records to be produced in a US court without a witness: the letter then carries, in English, the "
            "custodian of records' certificate with the SHA-256 of each attached record file. Only a letter that "
            "discloses records carries one."
        ),
    )
    date_from = forms.DateField(required=False, widget=DateInput, label=_("Data from"))
    date_to = forms.DateField(required=False, widget=DateInput, label=_("Data to"))
    categories = forms.MultipleChoiceField(
        choices=CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        label=_("Data requested"),
        error_messages={"required": _("Tick at least one kind of data.")},
    )
    targets = forms.CharField(
        max_length=MAX_TARGETS * 250,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        label=_("Targets"),
        help_text=_(
            "One per line, as type:value, e.g. phone:+33 6 12 34 56 78, username:@someone, account_id:12345. "
            "They are numbered 1, 2, 3 in this order, in the pages and in the letter."
        ),
        error_messages={"required": ERR_TARGETS_NONE},
    )
    preservation_of = forms.CharField(
        required=False,
        max_length=20,
        label=_("Earlier preservation request"),
        help_text=_("The reference (LR-…) of your agency's preservation request for the same targets, if any."),
    )
    # e-Evidence (Regulation (EU) 2023/1543): the certificate's fields of a European Production or Preservation
    # Order from a member state; the page shows them for those orders only (static/js/e_evidence.js).
    certificate_reference = forms.CharField(
        required=False, max_length=100, label=_("Certificate reference (EPOC / EPOC-PR)")
    )
    ip_purpose = forms.ChoiceField(
        required=False,
        choices=BLANK + IpPurpose.choices,
        label=_("Purpose of the IP request"),
        help_text=_(
            "IP addresses asked solely to identify the user may be ordered by a judge, a court or a prosecutor for "
            "any offence; as traffic data, only by a judge or a court, for offences of at least 3 years."
        ),
    )
    validating_authority_type = forms.ChoiceField(
        required=False, choices=BLANK + AuthorityType.choices, label=_("Validating authority")
    )
    validating_authority_name = forms.CharField(
        required=False, max_length=200, label=_("Name of the validating authority")
    )
    enforcing_state = forms.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        max_length=2,
        label=_("Enforcing state"),
        help_text=_("The member state where the platform receives the order, e.g. IE."),
        error_messages={"invalid": _("Give the enforcing state as a two-letter member-state code, e.g. IE.")},
    )
    enforcing_authority_name = forms.CharField(required=False, max_length=200, label=_("Enforcing authority"))
    enforcing_authority_notified = forms.BooleanField(
        required=False,
        label=_("The enforcing authority was notified (traffic or content data)"),
    )
    # A fresh key per rendered form, so a double-clicked "Create" makes one draft, not two.
    idempotency_key = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args, agency: Agency | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4().hex
        if agency is not None and not self.is_bound:
            for name, value in agency_presets(agency).items():
                self.initial.setdefault(name, value)
        self.needed_by_rules: frozenset[str] = frozenset()
        self.jurisdiction_code = ""
        jurisdiction = self.data.get("jurisdiction") if self.is_bound else self.initial.get("jurisdiction")
        if jurisdiction and Jurisdiction.objects.filter(code=jurisdiction, is_region=False).exists():
            self.jurisdiction_code = jurisdiction
            self.needed_by_rules = fields_required_by_rules(jurisdiction_code=jurisdiction)
            self._offer_recognised_processes(jurisdiction)
        for name, field in self.fields.items():
            if (field.required or name in self.needed_by_rules) and not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs["aria-required"] = "true"
                field.marked_required = True

    @cached_property
    def e_evidence(self) -> dict[str, Any]:
        """For the page: whether the certificate's fields show now, and for which jurisdictions and legal
        processes the script shows them as the officer changes the form."""
        process = (self.data if self.is_bound else self.initial).get("process_type", "")
        return {
            "shown": self.jurisdiction_code in member_state_codes() and process in E_EVIDENCE_PROCESS_TYPES,
            "jurisdictions": member_state_codes(),
            "process_types": sorted(E_EVIDENCE_PROCESS_TYPES),
            # Only a European Production Order is notified to the enforcing authority (Art. 8), never an EPOC-PR.
            "notified_shown": process in NOTIFIED_PROCESS_TYPES,
            "notified_process_types": sorted(NOTIFIED_PROCESS_TYPES),
        }

    def _offer_recognised_processes(self, jurisdiction: str) -> None:
        """Only the legal processes the jurisdiction's rules recognise (and the request's own, when
        it is being corrected), so that a US officer is not offered an EPOC nor a French one a subpoena."""
        recognised = set(process_types_recognised(jurisdiction_code=jurisdiction, at=timezone.now()))
        current = self.initial.get("process_type")
        field = self.fields["process_type"]
        field.choices = [
            (value, label) for value, label in field.choices if not value or value in recognised or value == current
        ]
        field.error_messages["invalid_choice"] = ERR_PROCESS_NOT_RECOGNISED

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("process_type") == ProcessType.EMERGENCY_DISCLOSURE:
            cleaned["emergency"] = True
        return cleaned

    def clean_targets(self) -> list[dict[str, str]]:
        numbered = parse_targets(self.cleaned_data["targets"])
        self.target_line_numbers = [number for number, _ in numbered]
        return [target for _, target in numbered]

    def clean_categories(self) -> list[str]:
        return sorted(set(self.cleaned_data["categories"]))

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"]
        if key and not key.isprintable():
            raise forms.ValidationError(ERR_IDEMPOTENCY)
        return key

    def clean_enforcing_state(self) -> str:
        return self.cleaned_data["enforcing_state"].upper()

    def service_data(self) -> dict[str, Any]:
        """The cleaned form as the request services take it. The certificate's fields, hidden for any other
        legal process, are sent empty then: what a hidden field kept must not refuse the request."""
        data = dict(self.cleaned_data)
        data.pop("idempotency_key", None)
        jurisdiction = data.get("jurisdiction")
        if jurisdiction is None or not is_eu_order(jurisdiction=jurisdiction, process_type=data.get("process_type")):
            data.update(E_EVIDENCE_FIELDS)
        elif data.get("process_type") not in NOTIFIED_PROCESS_TYPES:
            data["enforcing_authority_notified"] = False  # the box is hidden for a preservation order
        return data

    @classmethod
    def initial_from(cls, legal_request: LegalRequest) -> dict[str, Any]:
        initial = {
            name: getattr(legal_request, name)
            for name in cls.base_fields
            if name not in {"targets", "preservation_of", "idempotency_key", "jurisdiction"}
        }
        initial["jurisdiction"] = legal_request.jurisdiction.code
        initial["targets"] = targets_as_text(legal_request)
        initial["preservation_of"] = legal_request.preservation_of.ref if legal_request.preservation_of else ""
        return initial


def agency_presets(agency: Agency) -> dict[str, str]:
    """A new request's jurisdiction (the agency's country, when requests can name it) and issuing
    authority type (as the agency's latest request named it)."""
    presets = {}
    if Jurisdiction.objects.filter(code=agency.country.upper(), is_region=False).exists():
        presets["jurisdiction"] = agency.country.upper()
    latest = (
        LegalRequest.objects.filter(agency=agency)
        .exclude(issuing_authority_type="")
        .order_by("-created_at", "-id")
        .values_list("issuing_authority_type", flat=True)
        .first()
    )
    if latest:
        presets["issuing_authority_type"] = latest
    return presets


def unreachable_categories_by_process(form: LegalRequestForm) -> dict:
    """For the form's jurisdiction, per legal process it offers, the sentence for each category that
    process cannot reach: the request form's script (static/js/category_reach.js) shows them while
    the officer ticks, before the draft is created. Empty until the jurisdiction is known."""
    jurisdiction = form.jurisdiction_code
    if not jurisdiction:
        return {}
    by_process = {}
    for process_type, _label in form.fields["process_type"].choices:
        if not process_type:
            continue
        refused = categories_out_of_reach_at_intake(
            jurisdiction_code=jurisdiction, process_type=process_type, categories=Category.values
        )
        by_process[process_type] = {
            item.category: str(
                WARN_CATEGORY_UNREACHABLE.format(
                    category=label_of(Category, item.category),
                    process=in_sentence(label_of(ProcessType, process_type)),
                    message=item.message,
                    citation=item.citation,
                )
            )
            for item in refused
        }
    return {"jurisdiction": jurisdiction, "processes": by_process}


def unreachable_category_warnings(legal_request: LegalRequest) -> list[str]:
    """A sentence for each asked category the chosen process cannot reach, in the rules' words."""
    refused = categories_out_of_reach_at_intake(
        jurisdiction_code=legal_request.jurisdiction.code,
        process_type=legal_request.process_type,
        categories=legal_request.categories,
        emergency=legal_request.emergency,
        legal_channel=legal_request.legal_channel,
    )
    return [
        WARN_CATEGORY_UNREACHABLE.format(
            category=label_of(Category, item.category),
            process=in_sentence(label_of(ProcessType, legal_request.process_type)),
            message=item.message,
            citation=item.citation,
        )
        for item in refused
    ]


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Legal document (PDF)"),
        error_messages={"required": ERR_NO_FILE},
        # Signed orders may also come enveloped (.p7m) or in an ASiC (e-CODEX) container holding the PDF.
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf,.p7m,.asics,.asice,.scs,.sce"}),
    )

    def __init__(self, *args, optional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # In the new-request form the document may come later, on the request's page.
        self.fields["file"].required = not optional
        size = megabytes(settings.LAWREQ_MAX_DOCUMENT_BYTES)
        self.fields["file"].help_text = _(
            "A PDF of at most {size}. A signed order may also be a .p7m or an ASiC container holding the PDF."
        ).format(size=size)
        # Checked in the browser too (static/js/upload_limit.js), so typed fields are not lost to a 413.
        self.fields["file"].widget.attrs.update(
            {
                "data-max-bytes": str(settings.LAWREQ_MAX_DOCUMENT_BYTES),
                "data-too-large": str(ERR_FILE_TOO_LARGE).format(size=size),
            }
        )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason (optional)")
    )


QUEUE_STATES = [(state, label) for state, label in State.choices if state != State.DRAFT]


ERR_TARGET_UNREADABLE = "This cannot be read as a phone number, a username or an account id."


class QueueView:
    ALL, MINE, UNASSIGNED, AWAITING_ME = "all", "mine", "unassigned", "awaiting"
    CHOICES = [
        (ALL, "All"),
        (MINE, "Mine"),
        (UNASSIGNED, "Unassigned"),
        (AWAITING_ME, "Awaiting my approval"),
    ]


class QueueFilterForm(forms.Form):
    """The queue's views and filters, all in the query string. Only the target search names
    personal data: it goes through the audited selector, which keeps the identifier hashed."""

    view = forms.ChoiceField(required=False, choices=QueueView.CHOICES, widget=forms.HiddenInput)
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Reference or case number",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "LR-2026-000042"}),
    )
    target = forms.CharField(
        required=False,
        max_length=200,
        label="Target",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "phone, @username or account id"}),
    )
    state = forms.ChoiceField(required=False, choices=[("", "All open")] + QUEUE_STATES)
    jurisdiction = forms.ChoiceField(required=False)
    emergency = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("yes", "Emergency only"), ("no", "Not emergency")]
    )

    def clean_target(self) -> str:
        identifier = self.cleaned_data["target"].strip()
        if identifier and not target_identifier_readable(identifier):
            raise forms.ValidationError(ERR_TARGET_UNREADABLE)
        return identifier

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = Jurisdiction.objects.filter(is_region=False).values_list("code", "name")
        self.fields["jurisdiction"].choices = [("", "All")] + [(code, f"{code} {name}") for code, name in codes]

    def apply(self, requests: QuerySet[LegalRequest], *, user) -> QuerySet[LegalRequest]:
        filters = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if self.is_bound and "target" in self.errors:
            return requests.none()  # the form says what to correct; no list pretends to answer the search
        view = filters.get("view") or QueueView.ALL
        if view == QueueView.MINE:
            requests = requests.filter(assignee=user)
        elif view == QueueView.UNASSIGNED:
            requests = requests.filter(assignee__isnull=True)
        elif view == QueueView.AWAITING_ME:
            requests = legal_requests_awaiting_approval_by(requests, user=user)
        if filters.get("q"):
            requests = legal_requests_matching(requests, filters["q"])
        if filters.get("target"):
            requests = legal_requests_naming_target(requests, identifier=filters["target"], actor=user)
        state = filters.get("state")
        searching = bool(filters.get("q") or filters.get("target"))
        if state:
            requests = requests.filter(state=state)
        elif not searching:  # a search finds closed requests too
            requests = requests.filter(state__in=OPEN_STATES)
        if filters.get("jurisdiction"):
            requests = requests.filter(jurisdiction__code=filters["jurisdiction"])
        if filters.get("emergency"):
            requests = requests.filter(emergency=filters["emergency"] == "yes")
        return requests


ERR_ASSIGNEE_NOT_CHOSEN = "Choose whom to assign the requests to, or “Nobody (unassign)”."
# Parentheses never appear in a username, so this choice cannot be mistaken for a person.
ASSIGNEE_NOBODY = "(nobody)"


class BulkAssignForm(forms.Form):
    """Assign the requests ticked in the queue to one member of the legal team, or explicitly to
    nobody. The blank first choice is refused: a click on "Assign" never unassigns by default."""

    assignee = forms.ChoiceField(label="Assign to", error_messages={"required": ERR_ASSIGNEE_NOT_CHOSEN})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Choose…"), (ASSIGNEE_NOBODY, "Nobody (unassign)")] + [
            (user.username, user.get_full_name() or user.username) for user in legal_staff_members()
        ]

    def assignee_username(self) -> str | None:
        """The chosen username, None for nobody."""
        chosen = self.cleaned_data["assignee"]
        return None if chosen == ASSIGNEE_NOBODY else chosen


class SecondFactorForm(forms.Form):
    password = forms.CharField(label=_("Your password"), strip=False, widget=forms.PasswordInput)
    otp = forms.CharField(
        label=_("Code shown by the app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class LoginForm(CredentialsLoginForm):
    """The log-in page's form: the one the admin site uses too (``requests_app.login``)."""

    method = "web"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = _("Police officers: the e-mail address you registered with.")


# The legal team's decision forms. What may be proposed or approved is the services' call.


@dataclass(frozen=True)
class TargetRow:
    number: int  # by position, as the letter numbers it: database ids are internal
    target: Target
    include: forms.BoundField
    categories: forms.BoundField
    date_from: forms.BoundField
    date_to: forms.BoundField


class AnnexIIIFields:
    """The Annex III grounds (Regulation (EU) 2023/1543), offered only on an answer to a European
    Production or Preservation Order of an EU jurisdiction; the services say when they are required."""

    def add_annex_iii_fields(self, legal_request: LegalRequest) -> None:
        self.certificate = certificate_of(legal_request)
        if not self.certificate:
            return
        self.fields["annex_iii_grounds"] = forms.MultipleChoiceField(
            required=False,
            choices=[
                (ground.code, f"{ground.box}. {ground.label} ({ground.citation})")
                for ground in GROUNDS
                if self.certificate == EPOC or not ground.epoc_only
            ],
            widget=forms.CheckboxSelectMultiple,
            label=f"Annex III grounds for the issuing authority ({self.certificate}; printed in the letter)",
            help_text="Required when the answer does not comply fully or in time: rejected, narrowed, no records, "
            "or past the deadline.",
        )
        self.fields["annex_iii_explanation"] = forms.CharField(
            required=False,
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 2}),
            label="Annex III explanation for the issuing authority (Section D(b), printed in the letter)",
        )

    def annex_iii_arguments(self) -> dict[str, Any]:
        if "annex_iii_grounds" not in self.fields:
            return {}
        return {
            "annex_iii_grounds": list(self.cleaned_data.get("annex_iii_grounds") or []),
            "annex_iii_explanation": self.cleaned_data.get("annex_iii_explanation", ""),
        }


class DiscloseForm(AnnexIIIFields, forms.Form):
    """Per target: include it or not, and which of the asked categories for which days."""

    decision = forms.CharField(widget=forms.HiddenInput, initial=Decision.DISCLOSE)
    reasons = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reasons for the requester (one per line, printed in the letter)",
        help_text="Why the answer is narrowed, if it is. The letter also quotes the rules' own messages.",
    )
    reason = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Justification for the reviewer (internal, never in the letter)",
    )

    def __init__(self, *args, legal_request: LegalRequest, allowed_categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        asked = set(legal_request.categories)
        allowed = set(asked if allowed_categories is None else allowed_categories)
        choices = [
            (value, label + ("" if value in allowed else LABEL_NOT_ALLOWED))
            for value, label in CATEGORY_CHOICES
            if value in asked
        ]
        proposed = [value for value, _ in choices if value in allowed]
        self.legal_request = legal_request
        self.allowed_categories = allowed
        self.targets = list(legal_request.targets.all())
        for target in self.targets:
            prefix = f"target_{target.pk}"
            self.fields[f"{prefix}_include"] = forms.BooleanField(required=False, initial=True, label="Include")
            self.fields[f"{prefix}_categories"] = forms.MultipleChoiceField(
                required=False,
                choices=choices,
                initial=proposed,
                widget=forms.CheckboxSelectMultiple,
                label="Categories",
            )
            self.fields[f"{prefix}_date_from"] = forms.DateField(
                required=False, initial=legal_request.date_from, widget=DateInput, label="From"
            )
            self.fields[f"{prefix}_date_to"] = forms.DateField(
                required=False, initial=legal_request.date_to, widget=DateInput, label="To"
            )
        self.add_annex_iii_fields(legal_request)

    def rows(self) -> list[TargetRow]:
        return [
            TargetRow(
                number=number,
                target=target,
                include=self[f"target_{target.pk}_include"],
                categories=self[f"target_{target.pk}_categories"],
                date_from=self[f"target_{target.pk}_date_from"],
                date_to=self[f"target_{target.pk}_date_to"],
            )
            for number, target in enumerate(self.targets, start=1)
        ]

    def clean(self) -> dict[str, Any]:
        """What the services would refuse, said in the form's words at the field concerned (the
        services' messages name API fields and are the last guard, not the first)."""
        cleaned = super().clean()
        included = [t for t in self.targets if cleaned.get(f"target_{t.pk}_include")]
        if not included:
            raise forms.ValidationError(ERR_NO_TARGET)
        asked_from, asked_to = self.legal_request.date_from, self.legal_request.date_to
        for target in included:
            prefix = f"target_{target.pk}"
            categories = cleaned.get(f"{prefix}_categories")
            if not categories and f"{prefix}_categories" not in self.errors:
                self.add_error(f"{prefix}_categories", ERR_TARGET_CATEGORIES)
            for category in categories or ():
                if category not in self.allowed_categories:
                    self.add_error(
                        f"{prefix}_categories", ERR_CATEGORY_NOT_ALLOWED.format(category=label_of(Category, category))
                    )
            date_from, date_to = cleaned.get(f"{prefix}_date_from"), cleaned.get(f"{prefix}_date_to")
            if date_from and asked_from and date_from < asked_from:
                self.add_error(f"{prefix}_date_from", ERR_DATE_BEFORE.format(date=asked_from))
            if date_to and asked_to and date_to > asked_to:
                self.add_error(f"{prefix}_date_to", ERR_DATE_AFTER.format(date=asked_to))
            if date_from and date_to and date_from > date_to:
                self.add_error(f"{prefix}_date_from", ERR_DATES_REVERSED)
                self.add_error(f"{prefix}_date_to", ERR_DATES_REVERSED)
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        scopes = [
            {
                "id": target.pk,
                "categories": sorted(cleaned[f"target_{target.pk}_categories"]),
                "date_from": cleaned.get(f"target_{target.pk}_date_from"),
                "date_to": cleaned.get(f"target_{target.pk}_date_to"),
            }
            for target in self.targets
            if cleaned.get(f"target_{target.pk}_include")
        ]
        return {
            "decision": Decision.DISCLOSE,
            "targets": scopes,
            "categories": sorted({category for scope in scopes for category in scope["categories"]}),
            "reason": cleaned["reason"],
            "reasons": reasons_from_lines(cleaned.get("reasons", "")),
            **self.annex_iii_arguments(),
        }


def reasons_from_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class RejectForm(AnnexIIIFields, forms.Form):
    decision = forms.CharField(widget=forms.HiddenInput, initial=Decision.REJECT)
    reasons = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reasons for the requester (one per line, printed in the letter)",
        error_messages={"required": ERR_REASONS},
    )
    reason = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Justification for the reviewer (internal, never in the letter)",
    )

    def __init__(self, *args, legal_request: LegalRequest | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if legal_request is not None and not self.is_bound:
            # The enforcing authority's grounds (Regulation (EU) 2023/1543 Art. 12) are the first reasons.
            grounds = refusal_reasons(legal_request)
            if grounds:
                self.initial.setdefault("reasons", "\n".join(grounds))
        if legal_request is not None:
            self.add_annex_iii_fields(legal_request)

    def clean_reasons(self) -> list[str]:
        reasons = reasons_from_lines(self.cleaned_data["reasons"])
        if not reasons:
            raise forms.ValidationError(ERR_REASONS)
        return reasons

    def service_arguments(self) -> dict[str, Any]:
        return {
            "decision": Decision.REJECT,
            "reasons": self.cleaned_data["reasons"],
            "reason": self.cleaned_data["reason"],
            **self.annex_iii_arguments(),
        }


class NeedInfoForm(forms.Form):
    decision = forms.CharField(widget=forms.HiddenInput, initial=Decision.NEED_INFO)
    question = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Question to the officer",
        error_messages={"required": ERR_QUESTION},
    )

    def __init__(self, *args, legal_request: LegalRequest | None = None, **kwargs):
        super().__init__(*args, **kwargs)

    def service_arguments(self) -> dict[str, Any]:
        return {"decision": Decision.NEED_INFO, "reason": self.cleaned_data["question"]}


PROPOSAL_FORMS: dict[str, type[forms.Form]] = {
    Decision.DISCLOSE: DiscloseForm,
    Decision.REJECT: RejectForm,
    Decision.NEED_INFO: NeedInfoForm,
}
# The services name the free-text field 'reason' for every decision; each form calls it its own way.
SERVICE_FIELD_NAMES: dict[str, dict[str, str]] = {
    Decision.DISCLOSE: {},
    Decision.REJECT: {},
    Decision.NEED_INFO: {"reason": "question"},
}


class ApprovalForm(forms.Form):
    APPROVE, SEND_BACK = "approve", "send_back"

    verdict = forms.ChoiceField(choices=[(APPROVE, "Approve"), (SEND_BACK, "Send back")])
    comment = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Comment (required to send back)",
    )

    def service_arguments(self) -> dict[str, Any]:
        return {"approve": self.cleaned_data["verdict"] == self.APPROVE, "comment": self.cleaned_data["comment"]}


# The public verification page


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("Signed response (PDF)"), allow_empty_file=False)


# The conversation and the legal team's notes


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=format_lazy(
            _("At most {limit} characters. Never printed in the response letter."), limit=MAX_BODY_CHARS
        ),
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Internal note",
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For the legal team only: never shown to the officer, never in a letter.",
    )


class OfficerRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(
        max_length=150,
        label=_("Official e-mail address"),
        help_text=_(
            "Your agency's address: its domain identifies your agency. It is also your username: you log in with it."
        ),
    )
    badge_number = forms.CharField(label=_("Badge or service number"), max_length=50)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)


class CallBackForm(forms.Form):
    """A call-back to the agency: the number is the registry's, shown on the page, never a field."""

    spoke_to = forms.CharField(
        required=False,
        max_length=200,
        label="Whom you spoke to (name, rank, unit): required unless nobody answered",
    )
    outcome = forms.ChoiceField(choices=CallBackOutcome.choices, widget=forms.RadioSelect, label="Outcome")
    note = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label="Note (internal)"
    )


class FollowUpReceivedForm(forms.Form):
    """The follow-up legal process of an emergency disclosure, received: one of the documents the
    agency added after the response, or none (received by another channel)."""

    document = forms.ChoiceField(required=False, label="Follow-up document")

    def __init__(self, *args, legal_request: LegalRequest, **kwargs):
        super().__init__(*args, **kwargs)
        documents = legal_request.documents.all()
        if legal_request.responded_at:
            documents = documents.filter(uploaded_at__gte=legal_request.responded_at)
        self.fields["document"].choices = [("", "None (received by another channel)")] + [
            (str(document.pk), f"{document.name} ({document.uploaded_at:%Y-%m-%d %H:%M} UTC)") for document in documents
        ]

    def document_id(self) -> int | None:
        value = self.cleaned_data.get("document")
        return int(value) if value else None
