"""The fixed vocabulary of checks. A rule is one of these with parameters; it is never code.

Each check reads ``RequestFacts`` and the rule's parameters and returns a ``Finding``. Checks are
pure: no database, no clock. Absent dates (document date, date range) make the date checks not
applicable; whether they must be present is the job of ``mandatory_fields``. A check whose very
subject is absent (no issuing authority type, no offence category, no maximum sentence where one
is needed) reports missing information, which the officer can add.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from django.db.models import TextChoices
from django.utils.translation import override

from requests_app.choices import (
    Category,
    LegalChannel,
    ProcessType,
    SignatureFormat,
    SignatureStatus,
    in_sentence,
    label_of,
)
from rules.facts import DocumentSignature, RequestFacts

FIELD_LABELS = {
    "case_number": "the case number",
    "offense": "the offence under investigation",
    "offense_category": "the offence category",
    "offense_max_sentence_years": "the maximum sentence for the offence",
    "issuing_authority_type": "the type of issuing authority",
    "issuing_authority_name": "the name of the issuing authority",
    "issued_at": "the date the legal document was issued",
    "date_range": "the period of data requested (from and to dates)",
    "legal_document": "the legal document (PDF)",
    "targets": "at least one target account",
    "emergency_justification": "the emergency justification",
    "certificate_reference": "the certificate's reference",
    "ip_purpose": "the purpose of the IP request (solely to identify the user, or traffic data)",
    "validating_authority_type": "the type of validating authority",
    "validating_authority_name": "the name of the validating authority",
    "enforcing_state": "the enforcing state",
    "enforcing_authority_name": "the name of the enforcing authority",
}


class Finding(NamedTuple):
    # A named tuple rather than a frozen dataclass: one is built per rule and request, and tuples
    # are several times cheaper to build.
    ok: bool
    detail: str = ""
    # Failed only because something is missing that the officer can add.
    missing: bool = False
    applicable: bool = True
    # On failure, the categories this rule still permits (None: the rule does not speak of categories).
    permitted_categories: frozenset[str] | None = None
    deadline: dt.timedelta | None = None
    out_of_band_verification: bool = False
    preservation: tuple[int, int] | None = None
    # After an emergency disclosure: how long the agency has to send the follow-up legal process.
    followup: dt.timedelta | None = None


def not_applicable(reason: str) -> Finding:
    return Finding(ok=True, detail=f"Not applicable: {reason}.", applicable=False)


def words(choices: type[TextChoices], values) -> str:
    """Coded values as words in a sentence: ``court_order, search_warrant`` -> 'court order, search warrant'.
    In English whatever the page's language: findings are stored and quoted as the rule sets write them."""
    with override("en"):
        return ", ".join(in_sentence(label_of(choices, value)) for value in values)


def with_article(phrase: str) -> str:
    """'A court order', 'An emergency disclosure request', 'A European Production Order': "an" before a
    vowel sound (a leading "eu" sounds like "you")."""
    vowel_sound = phrase[:1].lower() in "aeio" and not phrase.lower().startswith("eu")
    return f"{'An' if vowel_sound else 'A'} {phrase}"


def _labels(values, labels: Mapping[str, str]) -> str:
    return ", ".join(labels.get(value, value) for value in values)


def _missing(*fields: str) -> Finding:
    return Finding(ok=False, missing=True, detail=f"Missing: {_labels(fields, FIELD_LABELS)}.")


def check_process_type_recognised(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    recognised = params["process_types"]
    if facts.process_type in recognised:
        return Finding(ok=True, detail=f"{with_article(words(ProcessType, [facts.process_type]))} is recognised.")
    return Finding(
        ok=False,
        detail=(
            f"{with_article(words(ProcessType, [facts.process_type]))} is not recognised here; "
            f"recognised: {words(ProcessType, recognised)}. "
            "Other process must come through mutual legal assistance (MLAT)."
        ),
    )


def check_categories_allowed(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    allowed = params["categories"]
    refused = [category for category in facts.categories if category not in allowed]
    if not refused:
        return Finding(ok=True, detail="Every requested category may be reached.")
    return Finding(
        ok=False,
        detail=f"Not reachable: {words(Category, refused)}.",
        permitted_categories=frozenset(allowed),
    )


def check_categories_never_disclosed(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    never = params["categories"]
    refused = [category for category in facts.categories if category in never]
    if not refused:
        return Finding(ok=True, detail="No category that is never disclosed was requested.")
    permitted = frozenset(category for category in Category.values if category not in never)
    return Finding(ok=False, detail=f"Never disclosed: {words(Category, refused)}.", permitted_categories=permitted)


def check_issuing_authority(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    authorities = params["authorities"]
    if not facts.issuing_authority_type:
        return _missing("issuing_authority_type")
    if facts.issuing_authority_type in authorities:
        return Finding(ok=True, detail=f"Issued by a {facts.issuing_authority_type}.")
    validation = params.get("validation_allowed", False)
    if validation and facts.validating_authority_type in authorities:
        return Finding(
            ok=True,
            detail=f"Issued by a {facts.issuing_authority_type}, validated by a {facts.validating_authority_type}.",
        )
    required = ", ".join(authorities) + (", or validation by one of them" if validation else "")
    return Finding(ok=False, detail=f"Issued by a {facts.issuing_authority_type}; required: {required}.")


def _field_present(facts: RequestFacts, field: str) -> bool:
    if field == "date_range":
        return facts.date_from is not None and facts.date_to is not None
    if field == "legal_document":
        return facts.documents_count > 0
    if field == "targets":
        return facts.targets_count > 0
    value = getattr(facts, field)
    return value is not None and value != ""


def check_mandatory_fields(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    absent = [field for field in params["fields"] if not _field_present(facts, field)]
    if absent:
        return _missing(*absent)
    return Finding(ok=True, detail="Every mandatory field is present.")


def check_offence_categories(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    categories = params["categories"]
    if not facts.offense_category:
        return _missing("offense_category")
    if facts.offense_category in categories:
        return Finding(ok=True, detail=f"Offence category: {facts.offense_category}.")
    return Finding(
        ok=False,
        detail=f"Offence category {facts.offense_category}; required: {', '.join(categories)}.",
    )


def check_offence_min_max_sentence(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    minimum = params["min_years"]
    if facts.offense_category and facts.offense_category in params.get("except_offense_categories", ()):
        return Finding(ok=True, detail=f"A listed offence ({facts.offense_category}) needs no minimum sentence.")
    if facts.offense_max_sentence_years is None:
        return _missing("offense_max_sentence_years")
    if facts.offense_max_sentence_years >= minimum:
        return Finding(ok=True, detail=f"Punishable by up to {facts.offense_max_sentence_years} years.")
    return Finding(
        ok=False,
        detail=f"Punishable by up to {facts.offense_max_sentence_years} years; at least {minimum} required.",
    )


def check_terms_violation_required(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    if facts.terms_violation:
        return Finding(ok=True, detail="The request states the conduct breaks the platform's terms.")
    return Finding(
        ok=False,
        missing=True,
        # The rule's message already says what must be stated: say where to state it, not the same again.
        detail="The request does not state it.",
    )


def check_document_max_age(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    if facts.issued_at is None:
        return not_applicable("no issue date given")
    age = (facts.received_on - facts.issued_at).days
    if age < 0:
        return Finding(ok=False, detail=f"Issued on {facts.issued_at.isoformat()}, after the request was received.")
    if age > params["max_days"]:
        return Finding(ok=False, detail=f"Issued {age} days before receipt; at most {params['max_days']} allowed.")
    return Finding(ok=True, detail=f"Issued {age} days before receipt.")


def check_date_range_max_span(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    if facts.date_from is None or facts.date_to is None:
        return not_applicable("no complete date range given")
    span = (facts.date_to - facts.date_from).days + 1
    if span > params["max_days"]:
        return Finding(ok=False, detail=f"The period spans {span} days; at most {params['max_days']} allowed.")
    return Finding(ok=True, detail=f"The period spans {span} days.")


def check_date_range_not_future(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    latest = facts.date_to or facts.date_from
    if latest is None:
        return not_applicable("no date range given")
    if latest > facts.received_on:
        return Finding(ok=False, detail=f"The period reaches {latest.isoformat()}, after the day of receipt.")
    return Finding(ok=True, detail="The period lies in the past.")


def check_date_range_within_retention(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    if facts.date_from is None:
        return not_applicable("no date range given")
    oldest_kept = facts.received_on - dt.timedelta(days=params["days"])
    if facts.date_from < oldest_kept:
        return Finding(
            ok=False,
            detail=f"Data before {oldest_kept.isoformat()} is not kept ({params['days']} days of retention).",
        )
    return Finding(ok=True, detail="The period lies within retention.")


def check_emergency(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    if not facts.emergency:
        return not_applicable("not an emergency request")
    deadline = dt.timedelta(hours=params["deadline_hours"]) if "deadline_hours" in params else None
    verification = params.get("out_of_band_verification", False)
    followup = dt.timedelta(hours=params["followup_hours"]) if "followup_hours" in params else None
    if not params["allowed"]:
        return Finding(ok=False, detail="Emergency requests are not accepted here.", deadline=deadline)
    categories = params.get("categories")
    if categories is not None:
        refused = [category for category in facts.categories if category not in categories]
        if refused:
            return Finding(
                ok=False,
                detail=f"Not available in an emergency: {words(Category, refused)}.",
                permitted_categories=frozenset(categories),
                deadline=deadline,
                out_of_band_verification=verification,
                followup=followup,
            )
    if params.get("justification_required", True) and not facts.emergency_justification:
        return Finding(
            ok=False,
            missing=True,
            detail="Missing: the emergency justification (the danger of death or serious physical injury).",
            deadline=deadline,
            out_of_band_verification=verification,
            followup=followup,
        )
    detail = "Emergency accepted"
    if verification:
        detail += (
            "; a call-back to the agency's registry number, recorded as confirmed, is required before a "
            "disclosure is proposed or approved"
        )
    if followup is not None:
        detail += f"; the follow-up legal process is due within {int(followup.total_seconds() // 3600)} hours"
    return Finding(
        ok=True, detail=detail + ".", deadline=deadline, out_of_band_verification=verification, followup=followup
    )


def check_response_deadline(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    if "hours" in params:
        delta, text = dt.timedelta(hours=params["hours"]), f"{params['hours']} hours"
    else:
        delta, text = dt.timedelta(days=params["days"]), f"{params['days']} days"
    due = facts.received_at + delta
    return Finding(
        ok=True, detail=f"Respond within {text} (by {due.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC).", deadline=delta
    )


def check_nondisclosure_order(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    if facts.nondisclosure_until is None:
        return not_applicable("no non-disclosure order")
    if not params["allowed"]:
        return Finding(ok=False, detail="Non-disclosure orders are not recognised here.")
    max_days = params.get("max_days")
    if max_days is not None:
        days = (facts.nondisclosure_until - facts.received_on).days
        if days > max_days:
            return Finding(ok=False, detail=f"The non-disclosure order runs {days} days; at most {max_days} allowed.")
    return Finding(ok=True, detail=f"User notice barred until {facts.nondisclosure_until.isoformat()}.")


def check_user_notice(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    """Whether the platform tells the affected users after a disclosure; never fails. What the
    notice service reads is the parameter (``rules.selectors.user_notice_rule``)."""
    if params["given"]:
        return Finding(ok=True, detail="The affected users are told after a disclosure, unless an order bars it.")
    return Finding(ok=True, detail="The platform does not tell the affected users of this request.")


def check_preservation(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    days, extension = params["days"], params["extension_days"]
    return Finding(
        ok=True,
        detail=f"Preserve for {days} days, extendable by {extension} days.",
        preservation=(days, extension),
    )


def check_enforcing_notification(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    """Whether the enforcing state was notified of the order (its rule's ``when`` says for which data), and
    the window in which it may raise grounds for refusal, which holds the disclosure back."""
    if not facts.enforcing_authority_notified:
        return Finding(ok=False, detail="The certificate does not say the enforcing authority was notified.")
    absent = [name for name in ("enforcing_state", "enforcing_authority_name") if not getattr(facts, name)]
    if absent:
        return _missing(*absent)
    window = (
        f"{params['emergency_window_hours']} hours after notification"
        if facts.emergency
        else f"{params['window_days']} days after receipt"
    )
    return Finding(
        ok=True,
        detail=f"Notified to {facts.enforcing_authority_name} ({facts.enforcing_state}); it may raise grounds "
        f"for refusal until {window}.",
    )


def check_legal_channel(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    channels = params["channels"]
    if facts.legal_channel in channels:
        return Finding(ok=True, detail=f"Channel: {words(LegalChannel, [facts.legal_channel])}.")
    return Finding(
        ok=False,
        detail=f"Channel: {words(LegalChannel, [facts.legal_channel])}; accepted: {words(LegalChannel, channels)}.",
    )


def check_agency_verified(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    if facts.agency_verified:
        return Finding(ok=True, detail="The agency is verified.")
    return Finding(ok=False, detail="The agency is not verified.")


def check_officer_email_domain(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    if facts.officer_email_domain and facts.officer_email_domain in facts.agency_email_domains:
        return Finding(ok=True, detail="The officer's e-mail domain is one of the agency's.")
    return Finding(ok=False, detail="The officer's e-mail domain is not one of the agency's official domains.")


def check_agency_country(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    if facts.agency_country == facts.jurisdiction_country:
        return Finding(ok=True, detail="The agency belongs to the request's jurisdiction.")
    return Finding(
        ok=False,
        detail=f"The agency is in {facts.agency_country or 'no country'}, the request is for {facts.jurisdiction}.",
    )


SIGNATURE_FAILURES = {
    SignatureStatus.INVALID: (
        "The order's digital signature does not match the document: it was altered after signing, or the "
        "signature is broken."
    ),
    SignatureStatus.EXPIRED: "The order's signing certificate had expired or was not yet valid.",
    SignatureStatus.UNTRUSTED: "The order's digital signature chains to no trust root configured here.",
}


def _signature_words(signature: DocumentSignature) -> str:
    kind = label_of(SignatureFormat, signature.signature_format, language="en") if signature.signature_format else ""
    return f"{'qualified ' if signature.qualified else ''}signature" + (f" ({kind})" if kind else "")


def check_signed_order(facts: RequestFacts, params: Mapping[str, Any]) -> Finding:
    process_types = params.get("process_types")
    if process_types and facts.process_type not in process_types:
        return not_applicable(f"the rule is for {words(ProcessType, process_types)}")
    signatures = facts.document_signatures
    if not signatures:
        return not_applicable("no legal document yet")
    # Worst first: one tampered document is enough, whatever the others carry.
    for status in (SignatureStatus.INVALID, SignatureStatus.EXPIRED, SignatureStatus.UNTRUSTED):
        if any(signature.status == status for signature in signatures):
            return Finding(ok=False, detail=SIGNATURE_FAILURES[status])
    accepted = params.get("accept_formats") or list(SignatureFormat.values)
    qualified_only = params.get("require", "valid") == "qualified"
    valid = [signature for signature in signatures if signature.status == SignatureStatus.VALID]
    for signature in valid:
        if signature.signature_format in accepted and (signature.qualified or not qualified_only):
            return Finding(ok=True, detail=f"The order carries a valid {_signature_words(signature)}.")
    if valid:
        wanted = "a qualified signature or seal" if qualified_only else "a signature"
        formats = ", ".join(label_of(SignatureFormat, value, language="en") for value in accepted)
        return Finding(
            ok=False,
            detail=f"The order's valid {_signature_words(valid[0])} is not accepted: {wanted} in {formats} is needed.",
        )
    unsupported = any(signature.status == SignatureStatus.UNSUPPORTED for signature in signatures)
    detail = (
        "The order's signature is in a format that cannot be checked (XAdES)."
        if unsupported
        else "The order carries no digital signature."
    )
    if params.get("allow_unsigned", False):
        return Finding(ok=True, detail=f"{detail} Recorded; not required here.")
    return Finding(ok=False, detail=detail)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    run: Callable[[RequestFacts, Mapping[str, Any]], Finding]
    summary: str
    # Whether a failure is shown to the officer by default (identity checks are internal signals).
    officer_visible: bool = True


def _check(run, summary: str, *, officer_visible: bool = True) -> Check:
    return Check(name=run.__name__.removeprefix("check_"), run=run, summary=summary, officer_visible=officer_visible)


CHECKS: Mapping[str, Check] = MappingProxyType(
    {
        check.name: check
        for check in (
            _check(check_process_type_recognised, "The request's process type is one the jurisdiction recognises."),
            _check(check_categories_allowed, "Every requested category is in the list."),
            _check(check_categories_never_disclosed, "No requested category is in the list."),
            _check(check_issuing_authority, "The issuing authority's type is in the list."),
            _check(check_mandatory_fields, "Every listed field is present."),
            _check(check_offence_categories, "The offence category is in the list."),
            _check(
                check_offence_min_max_sentence,
                "The offence is punishable by at least min_years, unless its category is excepted.",
            ),
            _check(check_terms_violation_required, "The request states the conduct breaks the platform's terms."),
            _check(check_document_max_age, "The legal document was issued at most max_days before receipt."),
            _check(check_date_range_max_span, "The requested period spans at most max_days days."),
            _check(check_date_range_not_future, "The requested period ends no later than the day of receipt."),
            _check(check_date_range_within_retention, "The requested period starts within the retention period."),
            _check(check_emergency, "Emergency requests: allowed, justified, categories, deadline, verification."),
            _check(check_response_deadline, "The response deadline in days or hours."),
            _check(check_nondisclosure_order, "A non-disclosure order is allowed and not longer than max_days."),
            _check(check_preservation, "Preservation period and extension."),
            _check(check_user_notice, "Whether the affected users are told after a disclosure (given)."),
            _check(
                check_enforcing_notification,
                "The enforcing authority was notified, and may raise grounds within window_days "
                "(emergency_window_hours in an emergency).",
            ),
            _check(check_legal_channel, "The request came through one of the listed channels."),
            _check(check_agency_verified, "The requesting agency is verified.", officer_visible=False),
            _check(
                check_officer_email_domain,
                "The officer's e-mail domain is one of the agency's.",
                officer_visible=False,
            ),
            _check(
                check_agency_country,
                "The agency's country is the request's jurisdiction.",
                officer_visible=False,
            ),
            _check(
                check_signed_order,
                "The order carries a valid digital signature (PAdES, CAdES, ASiC) chaining to the jurisdiction's "
                "trust roots; an invalid, untrusted or expired one fails.",
            ),
        )
    }
)
