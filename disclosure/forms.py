"""The legal team's decision forms. What may be proposed or approved is the services' call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from disclosure.models import Decision
from requests_app.forms import CATEGORY_CHOICES, DateInput
from requests_app.models import LegalRequest, Target

ERR_NO_TARGET = "Include at least one target in the disclosure."
ERR_TARGET_CATEGORIES = "Choose at least one category for each included target."
ERR_REASONS = "Give at least one reason, one per line: they are shown in the letter."
ERR_QUESTION = "Write the question to the officer."

LABEL_NOT_ALLOWED = " (not allowed by the checks)"


@dataclass(frozen=True)
class TargetRow:
    target: Target
    include: forms.BoundField
    categories: forms.BoundField
    date_from: forms.BoundField
    date_to: forms.BoundField


class DiscloseForm(forms.Form):
    """Per target: include it or not, and which of the asked categories for which days."""

    decision = forms.CharField(widget=forms.HiddenInput, initial=Decision.DISCLOSE)
    reason = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Justification for the reviewer",
    )

    def __init__(
        self, *args, legal_request: LegalRequest, allowed_categories=None, verification_required=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if verification_required:
            number = legal_request.agency.callback_phone or "the number in the independent directory"
            self.fields["out_of_band_verified"] = forms.BooleanField(
                required=False,
                label=f"I called the agency back on {number} and it confirmed this emergency request",
            )
        asked = set(legal_request.categories)
        allowed = set(asked if allowed_categories is None else allowed_categories)
        choices = [
            (value, label + ("" if value in allowed else LABEL_NOT_ALLOWED))
            for value, label in CATEGORY_CHOICES
            if value in asked
        ]
        proposed = [value for value, _ in choices if value in allowed]
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

    def rows(self) -> list[TargetRow]:
        return [
            TargetRow(
                target=target,
                include=self[f"target_{target.pk}_include"],
                categories=self[f"target_{target.pk}_categories"],
                date_from=self[f"target_{target.pk}_date_from"],
                date_to=self[f"target_{target.pk}_date_to"],
            )
            for target in self.targets
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        included = [t for t in self.targets if cleaned.get(f"target_{t.pk}_include")]
        if not included:
            raise forms.ValidationError(ERR_NO_TARGET)
        for target in included:
            if not cleaned.get(f"target_{target.pk}_categories"):
                self.add_error(f"target_{target.pk}_categories", ERR_TARGET_CATEGORIES)
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
            "out_of_band_verified": bool(cleaned.get("out_of_band_verified")),
            "targets": scopes,
            "categories": sorted({category for scope in scopes for category in scope["categories"]}),
            "reason": cleaned["reason"],
        }


class RejectForm(forms.Form):
    decision = forms.CharField(widget=forms.HiddenInput, initial=Decision.REJECT)
    reasons = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reasons (one per line, shown in the letter)",
        error_messages={"required": ERR_REASONS},
    )

    def __init__(self, *args, legal_request: LegalRequest | None = None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_reasons(self) -> list[str]:
        reasons = [line.strip() for line in self.cleaned_data["reasons"].splitlines() if line.strip()]
        if not reasons:
            raise forms.ValidationError(ERR_REASONS)
        return reasons

    def service_arguments(self) -> dict[str, Any]:
        return {"decision": Decision.REJECT, "reasons": self.cleaned_data["reasons"]}


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
    Decision.REJECT: {"reason": "reasons"},
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
