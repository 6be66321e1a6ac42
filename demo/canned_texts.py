"""The standard texts a fresh installation starts with, so the analyst's "Insert a standard text"
lists are not empty. Administrators edit or retire them in the admin; this only adds what is missing.

Narrowing and rejection texts are printed in the letter: they are written for the requester."""

from __future__ import annotations

from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from disclosure.models import CannedText, CannedTextKind

DEMO_CANNED_TEXTS: tuple[tuple[str, str, str], ...] = (
    (
        CannedTextKind.QUESTION,
        "Signed legal process missing",
        "Please upload the signed legal process (order, subpoena or warrant) that this request relies on, "
        "showing the issuing authority, its date and the signature.",
    ),
    (
        CannedTextKind.QUESTION,
        "Link of the account to the offence",
        "Please explain how the account you named is connected to the offence under investigation, and "
        "confirm that its user is a suspect in the criminal case.",
    ),
    (
        CannedTextKind.QUESTION,
        "Period not justified",
        "Please state why records for the whole period requested are needed, or narrow the period to the "
        "days relevant to the offence.",
    ),
    (
        CannedTextKind.QUESTION,
        "Emergency not substantiated",
        "Please describe the danger of death or serious physical injury that makes this an emergency, and "
        "give a number at your agency on which we can call you back to confirm the request.",
    ),
    (
        CannedTextKind.NARROWING,
        "Period limited to the offence",
        "Records are disclosed only for the period relevant to the offence described in the legal process.",
    ),
    (
        CannedTextKind.NARROWING,
        "No message content",
        "The content of messages is never disclosed by this platform; the other categories requested are "
        "disclosed as far as the legal process allows.",
    ),
    (
        CannedTextKind.NARROWING,
        "Categories limited by the process",
        "The legal process you used permits the disclosure of subscriber and identification data only; "
        "other categories need an order issued by a judge or court.",
    ),
    (
        CannedTextKind.REJECTION,
        "Not a valid order",
        "The request is not accompanied by a valid order from a competent authority, so no data can be "
        "disclosed on its basis.",
    ),
    (
        CannedTextKind.REJECTION,
        "Mutual legal assistance required",
        "The request cannot be answered directly from your jurisdiction; please send it through mutual legal "
        "assistance (MLAT) to the competent authority.",
    ),
    (
        CannedTextKind.REJECTION,
        "User not a suspect",
        "The request does not establish that the user of the account is a suspect in a criminal case, which "
        "is the condition under which this platform discloses user data.",
    ),
)


@transaction.atomic
def demo_canned_texts_create() -> int:
    """Add the standard texts that are missing (matched by kind and title); returns how many were added.
    A text an administrator edited or retired is left as it is."""
    added = 0
    for kind, title, body in DEMO_CANNED_TEXTS:
        text, created = CannedText.objects.get_or_create(kind=kind, title=title, defaults={"body": body})
        if created:
            audit_record(action=AuditAction.ADMIN_ADDED, obj=text, details={"via": "demo_setup"})
            added += 1
    return added
