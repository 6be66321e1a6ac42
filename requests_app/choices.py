"""The request's vocabularies, each value with its display label: the one place a label is written.

Pages, letters, reports and the rule engine's explanations show ``Category(value).label``, never the
code itself. Plain enums without models, so the pure rule engine can use them too.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _


class ProcessType(models.TextChoices):
    SUBPOENA = "subpoena", _("Subpoena")
    COURT_ORDER = "court_order", _("Court order")
    SEARCH_WARRANT = "search_warrant", _("Search warrant")
    PRODUCTION_ORDER = "production_order", _("European Production Order (EPOC)")
    PRESERVATION_ORDER = "preservation_order", _("Preservation order (EU EPOC-PR, US 2703(f))")
    EMERGENCY_DISCLOSURE = "emergency_disclosure", _("Emergency disclosure request")
    MLAT_REQUEST = "mlat_request", _("Mutual legal assistance (MLAT) request")
    OTHER = "other", _("Other legal process")


class Category(models.TextChoices):
    PHONE_NUMBER = "phone_number", _("Phone numbers")
    IP_ADDRESSES = "ip_addresses", _("IP addresses (with timestamps and ports)")
    SUBSCRIBER_PROFILE = "subscriber_profile", _("Subscriber profile")
    CONTENT = "content", _("Message content")


class Outcome(models.TextChoices):
    DISCLOSED = "disclosed", _("Disclosed")
    PARTIALLY_DISCLOSED = "partially_disclosed", _("Partially disclosed")
    NO_RECORDS = "no_records", _("No records")
    REJECTED = "rejected", _("Rejected")
    # A preservation order (EU EPOC-PR, US 2703(f)) answered: the data is kept, nothing is disclosed.
    PRESERVED = "preserved", _("Preserved (nothing disclosed)")


class AuthorityType(models.TextChoices):
    JUDGE = "judge", _("Judge")
    COURT = "court", _("Court")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    POLICE = "police", _("Police")
    OTHER = "other", _("Other authority")


class IpPurpose(models.TextChoices):
    """Why IP addresses are asked for (Regulation (EU) 2023/1543 Art. 3(10) against Art. 3(11))."""

    IDENTIFICATION = "identification", _("Solely to identify the user")
    TRAFFIC = "traffic", _("Traffic data (beyond identifying the user)")


class EnforcingDecision(models.TextChoices):
    """What the enforcing authority notified of a European Production Order answered (Art. 10, 12)."""

    NO_GROUNDS = "no_grounds", _("No grounds for refusal raised")
    GROUNDS_RAISED = "grounds_raised", _("Grounds for refusal raised")


class DataKind(models.TextChoices):
    """The Regulation's data categories (Art. 3(9)-(12)), which decide who may order them and whether the
    enforcing state is notified; a request's kinds follow from its categories and the IP purpose."""

    SUBSCRIBER = "subscriber", _("Subscriber data")
    IDENTIFICATION = "identification", _("Data requested solely to identify the user")
    TRAFFIC = "traffic", _("Traffic data")
    CONTENT = "content", _("Content data")


def data_kind_of(category: str, *, ip_purpose: str) -> str:
    """An IP address asked solely to identify the user is identification data (Art. 3(10)); without that
    stated purpose it is traffic data, the stricter reading."""
    if category == Category.CONTENT:
        return DataKind.CONTENT
    if category == Category.IP_ADDRESSES:
        return DataKind.IDENTIFICATION if ip_purpose == IpPurpose.IDENTIFICATION else DataKind.TRAFFIC
    return DataKind.SUBSCRIBER


def data_kinds(categories, *, ip_purpose: str) -> frozenset[str]:
    return frozenset(data_kind_of(category, ip_purpose=ip_purpose) for category in categories)


class RefusalGround(models.TextChoices):
    """The grounds for refusal an enforcing authority may raise against a European Production Order (Art. 12(1))."""

    IMMUNITY_OR_PRIVILEGE = (
        "immunity_or_privilege",
        _("Immunities or privileges, or freedom of the press and expression"),
    )
    FUNDAMENTAL_RIGHTS = "fundamental_rights", _("A manifest breach of a fundamental right")
    NE_BIS_IN_IDEM = "ne_bis_in_idem", _("Ne bis in idem")
    DOUBLE_CRIMINALITY = "double_criminality", _("Not an offence under the law of the enforcing state")


class LegalChannel(models.TextChoices):
    DIRECT = "direct", _("Direct request to the provider")
    MLAT = "mlat", _("Mutual legal assistance")
    AGREEMENT = "agreement", _("Recognised international agreement")


class OffenseCategory(models.TextChoices):
    TERRORISM = "terrorism", _("Terrorism")
    CHILD_SEXUAL_ABUSE = "child_sexual_abuse", _("Child sexual abuse")
    VIOLENT_CRIME = "violent_crime", _("Violent crime")
    DRUG_TRAFFICKING = "drug_trafficking", _("Drug trafficking")
    FRAUD = "fraud", _("Fraud")
    CYBERCRIME = "cybercrime", _("Cybercrime")
    OTHER = "other", _("Other offence")


class TargetType(models.TextChoices):
    PHONE = "phone", _("Phone number")
    USERNAME = "username", _("Username")
    ACCOUNT_ID = "account_id", _("Account id")


class Resolution(models.TextChoices):
    PENDING = "pending", _("Not looked up yet")
    FOUND = "found", _("Found")
    NOT_FOUND = "not_found", _("Not found")


def label_of(choices: type[models.TextChoices], value: str | None, *, language: str | None = None) -> str:
    """The display label of a stored value, in the active language (or ``language``: text that is
    stored, such as the rules' findings, is written in English); a value no longer in the vocabulary
    shows as unknown, never as its code."""
    with override(language or get_language()):
        try:
            return str(choices(value).label)
        except ValueError:
            return str(_("(unknown)"))


def in_sentence(label: str) -> str:
    """A label inside a sentence: 'Court order' -> 'court order'; acronyms stay ('IP addresses')."""
    if (len(label) > 1 and label[1].isupper()) or get_language() == "de":  # German nouns keep their capital
        return label
    return label[:1].lower() + label[1:]


class UserNoticeStatus(models.TextChoices):
    PENDING = "pending", _("Will be given")
    SENT = "sent", _("Given")
    WITHHELD = "withheld", _("Withheld")
    NOT_REQUIRED = "not_required", _("Not required")


class SignatureStatus(models.TextChoices):
    """What the digital signature of an incoming legal document proved when it was last checked."""

    UNSIGNED = "unsigned", _("Not signed")
    VALID = "valid", _("Valid signature")
    INVALID = "invalid", _("Invalid signature (altered or broken)")
    UNTRUSTED = "untrusted", _("Signature from an untrusted authority")
    EXPIRED = "expired", _("Signing certificate expired or not yet valid")
    UNSUPPORTED = "unsupported", _("Signature format not supported")


class SignatureFormat(models.TextChoices):
    PADES = "pades", _("PAdES (inside the PDF)")
    CADES = "cades", _("CAdES (.p7s / .p7m)")
    ASIC = "asic", _("ASiC container")
