"""The request's vocabularies, each value with its display label: the one place a label is written.

Pages, letters, reports and the rule engine's explanations show ``Category(value).label``, never the
code itself. Plain enums without models, so the pure rule engine can use them too.
"""

from __future__ import annotations

from django.db import models


class ProcessType(models.TextChoices):
    SUBPOENA = "subpoena", "Subpoena"
    COURT_ORDER = "court_order", "Court order"
    SEARCH_WARRANT = "search_warrant", "Search warrant"
    PRODUCTION_ORDER = "production_order", "European Production Order (EPOC)"
    PRESERVATION_ORDER = "preservation_order", "Preservation order (EU EPOC-PR, US 2703(f))"
    EMERGENCY_DISCLOSURE = "emergency_disclosure", "Emergency disclosure request"
    MLAT_REQUEST = "mlat_request", "Mutual legal assistance (MLAT) request"
    OTHER = "other", "Other legal process"


class Category(models.TextChoices):
    PHONE_NUMBER = "phone_number", "Phone numbers"
    IP_ADDRESSES = "ip_addresses", "IP addresses (with timestamps and ports)"
    SUBSCRIBER_PROFILE = "subscriber_profile", "Subscriber profile"
    CONTENT = "content", "Message content"


class Outcome(models.TextChoices):
    DISCLOSED = "disclosed", "Disclosed"
    PARTIALLY_DISCLOSED = "partially_disclosed", "Partially disclosed"
    NO_RECORDS = "no_records", "No records"
    REJECTED = "rejected", "Rejected"


class AuthorityType(models.TextChoices):
    JUDGE = "judge", "Judge"
    COURT = "court", "Court"
    PROSECUTOR = "prosecutor", "Prosecutor"
    POLICE = "police", "Police"
    OTHER = "other", "Other authority"


class LegalChannel(models.TextChoices):
    DIRECT = "direct", "Direct request to the provider"
    MLAT = "mlat", "Mutual legal assistance"
    AGREEMENT = "agreement", "Recognised international agreement"


class OffenseCategory(models.TextChoices):
    TERRORISM = "terrorism", "Terrorism"
    CHILD_SEXUAL_ABUSE = "child_sexual_abuse", "Child sexual abuse"
    VIOLENT_CRIME = "violent_crime", "Violent crime"
    DRUG_TRAFFICKING = "drug_trafficking", "Drug trafficking"
    FRAUD = "fraud", "Fraud"
    CYBERCRIME = "cybercrime", "Cybercrime"
    OTHER = "other", "Other offence"


class TargetType(models.TextChoices):
    PHONE = "phone", "Phone number"
    USERNAME = "username", "Username"
    ACCOUNT_ID = "account_id", "Account id"


class Resolution(models.TextChoices):
    PENDING = "pending", "Not looked up yet"
    FOUND = "found", "Found"
    NOT_FOUND = "not_found", "Not found"


def label_of(choices: type[models.TextChoices], value: str | None) -> str:
    """The display label of a stored value; a value no longer in the vocabulary shows as unknown,
    never as its code."""
    try:
        return choices(value).label
    except ValueError:
        return "(unknown)"


def in_sentence(label: str) -> str:
    """A label inside a sentence: 'Court order' -> 'court order'; acronyms stay ('IP addresses')."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


class UserNoticeStatus(models.TextChoices):
    PENDING = "pending", "Will be given"
    SENT = "sent", "Given"
    WITHHELD = "withheld", "Withheld"
    NOT_REQUIRED = "not_required", "Not required"
