"""Write services of the conversation about a request: messages, internal notes, revisions.

Each is atomic and writes its audit entry inside. Bodies are sealed at rest; the trail records a
keyed hash and the length of a body, never its text (it may name people)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_hash_identifier, audit_record
from casework.models import AuthorRole, InternalNote, Message, MessageKind, RequestRevision, SealedBody
from lawreq.errors import InvalidInput, NotFound, TransitionNotAllowed
from lawreq.roles import Role, has_role, is_legal_staff
from requests_app.choices import AuthorityType, Category, LegalChannel, OffenseCategory, ProcessType, label_of
from requests_app.models import LegalRequest
from requests_app.states import State
from vault.crypto import seal

ERR_BODY_EMPTY = "Write the message."
ERR_BODY_TOO_LONG = "A message is at most {limit} characters."
ERR_BODY_CONTROL = "The message contains characters that cannot be shown (control characters)."
ERR_DRAFT = "The conversation starts once the request is submitted."
ERR_NOT_IN_CONVERSATION = "Only the agency's officers and the legal team write in this conversation."
ERR_NOTES_STAFF_ONLY = "Only the legal team writes internal notes."

MAX_BODY_CHARS = 5000
# Line breaks and tabs are text; any other control character (a NUL byte, an escape) is not.
ALLOWED_CONTROL = frozenset("\n\r\t")

# What an officer may change and a revision compares, with how each value reads to a person.
_CHOICES = {
    "process_type": ProcessType,
    "legal_channel": LegalChannel,
    "offense_category": OffenseCategory,
    "issuing_authority_type": AuthorityType,
}
REVISED_FIELDS = {
    "jurisdiction": "Jurisdiction",
    "process_type": "Legal process",
    "legal_channel": "Legal channel",
    "emergency": "Emergency",
    "emergency_justification": "Emergency justification",
    "case_number": "Case number",
    "offense": "Offence",
    "offense_category": "Offence category",
    "offense_max_sentence_years": "Maximum sentence (years)",
    "terms_violation": "Terms of service violated",
    "issuing_authority_type": "Issuing authority",
    "issuing_authority_name": "Issuing authority's name",
    "issued_at": "Issued on",
    "nondisclosure_until": "Non-disclosure until",
    "authenticity_certificate": "Certificate of authenticity of the records",
    "date_from": "Data from",
    "date_to": "Data to",
    "categories": "Data categories",
    "preservation_of": "Preservation request",
}

# Fields a revision recorded before they existed held their default: no change to report.
FIELDS_ADDED_LATER = {"authenticity_certificate": False}


def body_clean(body: str) -> str:
    """The body as stored: trimmed, non-empty, not too long, without control characters."""
    body = (body or "").strip()
    if not body:
        raise InvalidInput(ERR_BODY_EMPTY, field="body")
    if len(body) > MAX_BODY_CHARS:
        raise InvalidInput(ERR_BODY_TOO_LONG.format(limit=MAX_BODY_CHARS), field="body")
    if any(unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROL for char in body):
        raise InvalidInput(ERR_BODY_CONTROL, field="body")
    return body


def author_role_of(user) -> str:
    if has_role(user, Role.REVIEWER):
        return AuthorRole.REVIEWER
    if has_role(user, Role.ANALYST):
        return AuthorRole.ANALYST
    return AuthorRole.OFFICER


def _store_sealed(row: SealedBody, body: str) -> SealedBody:
    # The envelope is bound to the row's id, known only once the row exists.
    row.save()
    row.body_sealed = seal(body.encode(), context=row.seal_context())
    row.save(update_fields=["body_sealed"])
    return row


def _body_details(row: SealedBody, body: str) -> dict[str, Any]:
    return {"id": row.pk, "author_role": row.author_role, "length": len(body), "body": audit_hash_identifier(body)}


def _in_conversation(legal_request: LegalRequest, user) -> bool:
    if is_legal_staff(user):
        return user.pk != legal_request.created_by_id
    officer = getattr(user, "officer", None)
    return officer is not None and officer.agency_id == legal_request.agency_id


def _message_store(message: Message, body: str) -> Message:
    """Store a message sealed and audit it (a keyed hash and the length of its body, never the text)."""
    message = _store_sealed(message, body)
    audit_record(
        action=AuditAction.MESSAGE_POSTED,
        actor=message.author,
        obj=message,
        request_ref=message.legal_request.ref,
        details={**_body_details(message, body), "kind": message.kind},
    )
    return message


@transaction.atomic
def message_post(*, legal_request: LegalRequest, author, body: str) -> Message:
    """A message from the agency's officer to the legal team, or back. Not on a draft: the legal
    team has not received it yet."""
    body = body_clean(body)
    if not _in_conversation(legal_request, author):
        raise NotFound(ERR_NOT_IN_CONVERSATION)
    if legal_request.state == State.DRAFT:
        raise TransitionNotAllowed(ERR_DRAFT)
    return _message_store(Message(legal_request=legal_request, author=author, author_role=author_role_of(author)), body)


@transaction.atomic
def question_post(*, legal_request: LegalRequest, question: str, actor=None) -> Message | None:
    """The legal team's question (or the automatic checks', without ``actor``) as a message of the
    conversation, so it stays readable after the officer answers and resubmits."""
    question = (question or "").strip()[:MAX_BODY_CHARS]
    if not question:
        return None
    role = author_role_of(actor) if actor is not None else AuthorRole.SYSTEM
    return _message_store(
        Message(legal_request=legal_request, author=actor, author_role=role, kind=MessageKind.QUESTION), question
    )


@transaction.atomic
def note_add(*, legal_request: LegalRequest, author, body: str) -> InternalNote:
    """An internal note of the legal team (the requesting officer never, even with a staff role)."""
    body = body_clean(body)
    if not is_legal_staff(author) or author.pk == legal_request.created_by_id:
        raise NotFound(ERR_NOTES_STAFF_ONLY)
    note = _store_sealed(
        InternalNote(legal_request=legal_request, author=author, author_role=author_role_of(author)), body
    )
    audit_record(
        action=AuditAction.NOTE_ADDED,
        actor=author,
        obj=note,
        request_ref=legal_request.ref,
        details=_body_details(note, body),
    )
    return note


# Revisions


def _display(field: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if field in _CHOICES:
        return label_of(_CHOICES[field], value, language="en")  # stored text: one language
    if field == "categories":
        return ", ".join(label_of(Category, item, language="en") for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _snapshot(legal_request: LegalRequest) -> dict[str, Any]:
    values = {}
    for field in REVISED_FIELDS:
        if field == "jurisdiction":
            value = legal_request.jurisdiction.code
        elif field == "preservation_of":
            value = legal_request.preservation_of.ref if legal_request.preservation_of_id else None
        else:
            value = getattr(legal_request, field)
            if hasattr(value, "isoformat"):
                value = value.isoformat()
        values[field] = sorted(value) if field == "categories" else value
    return values


def _target_hashes(legal_request: LegalRequest) -> list[dict[str, str]]:
    return sorted(
        (
            {"type": target.type, "hash": audit_hash_identifier(f"{target.type}:{target.value}")}
            for target in legal_request.targets.all()
        ),
        key=lambda item: item["hash"],
    )


def _changes(previous: RequestRevision, fields: dict, targets: list[dict], documents: list[int]) -> list[dict]:
    before_fields = {**FIELDS_ADDED_LATER, **previous.fields}
    changes = [
        {
            "field": field,
            "label": label,
            "before": _display(field, before_fields.get(field)),
            "after": _display(field, fields[field]),
        }
        for field, label in REVISED_FIELDS.items()
        if before_fields.get(field) != fields[field]
    ]
    before = {item["hash"]: item["type"] for item in previous.target_hashes}
    after = {item["hash"]: item["type"] for item in targets}
    added = sorted(after[key] for key in after.keys() - before.keys())
    removed = sorted(before[key] for key in before.keys() - after.keys())
    if added or removed:
        changes.append(
            {
                "field": "targets",
                "label": "Targets",
                "before": f"{len(removed)} removed ({', '.join(removed)})" if removed else "none removed",
                "after": f"{len(added)} added ({', '.join(added)})" if added else "none added",
            }
        )
    new_documents = sorted(set(documents) - set(previous.document_ids))
    if new_documents:
        changes.append(
            {"field": "documents", "label": "Legal documents", "before": "—", "after": f"{len(new_documents)} added"}
        )
    return changes


@transaction.atomic
def revision_record(*, legal_request: LegalRequest, actor) -> RequestRevision | None:
    """Keep the request as submitted now; on a resubmission, what changed since the last one.

    A resubmission that changed nothing records no revision (None): the timeline would otherwise
    say "Changed on resubmission" over an empty list."""
    previous = RequestRevision.objects.filter(legal_request=legal_request).order_by("-number").first()
    fields = _snapshot(legal_request)
    targets = _target_hashes(legal_request)
    documents = sorted(legal_request.documents.values_list("id", flat=True))
    changes = _changes(previous, fields, targets, documents) if previous else []
    if previous is not None and not changes:
        return None
    revision = RequestRevision.objects.create(
        legal_request=legal_request,
        number=previous.number + 1 if previous else 1,
        fields=fields,
        target_hashes=targets,
        document_ids=documents,
        changes=changes,
        submitted_by=actor,
    )
    if previous is not None:
        audit_record(
            action=AuditAction.REQUEST_REVISED,
            actor=actor,
            obj=revision,
            request_ref=legal_request.ref,
            details={"revision": revision.number, "fields": [change["field"] for change in changes]},
        )
    return revision
