"""Read access to a request's conversation, notes and timeline.

What an officer reads is built apart from what the legal team reads: staff usernames, internal notes,
check results, proposals and decisions never enter an officer's view. The timeline comes from the
audit trail (one query), joined to the messages, notes and revisions it names (one query each)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.actions import AuditAction
from audit.models import AuditEntry
from casework.models import AuthorRole, InternalNote, Message, MessageKind, RequestRevision, SealedBody
from disclosure.models import CALLBACK_OUTCOME_WORDS
from lawreq.roles import is_legal_staff
from requests_app.models import LegalRequest
from requests_app.states import State
from vault.crypto import unseal

# In English in the API; the timeline translates them for the page being shown.
LEGAL_TEAM = gettext_noop("Legal team")
AUTOMATIC_MESSAGE = gettext_noop("Automatic message")
PLATFORM = "lawreq"
ROLE_LEGAL_TEAM = "legal_team"


@dataclass(frozen=True)
class ThreadItem:
    id: int
    kind: str
    author_role: str
    author: str
    body: str
    created_at: dt.datetime
    from_agency: bool


@dataclass(frozen=True)
class TimelineEvent:
    at: dt.datetime
    kind: str  # state, check, proposal, decision, message, question, note, document, revision, letter
    title: str
    actor: str
    text: str = ""
    changes: list[dict] = field(default_factory=list)


def _body(row: SealedBody, *, reader, ref: str) -> str:
    return unseal(bytes(row.body_sealed), context=row.seal_context(), actor=reader, request_ref=ref).decode()


def reads_as_legal_team(reader, created_by_id: int) -> bool:
    """Whether ``reader`` sees a request's conversation and timeline as the legal team does: staff,
    and not the officer who filed it (an officer who also holds a staff role reads their own request
    as its requester: no staff usernames, no internal steps)."""
    return is_legal_staff(reader) and reader.pk != created_by_id


def _author_for(row: SealedBody, reader) -> tuple[str, str]:
    """(author_role, author) as ``reader`` may see them: an officer sees the legal team's function,
    never a staff username."""
    staff_reader = reads_as_legal_team(reader, row.legal_request.created_by_id)
    if row.author_role == AuthorRole.OFFICER:
        return AuthorRole.OFFICER, row.author.get_username()
    if not staff_reader:
        return ROLE_LEGAL_TEAM, LEGAL_TEAM
    if row.author_role == AuthorRole.SYSTEM:
        return AuthorRole.SYSTEM, AUTOMATIC_MESSAGE
    return row.author_role, row.author.get_username()


def _items(rows, *, reader, ref: str) -> list[ThreadItem]:
    items = []
    for row in rows:
        author_role, author = _author_for(row, reader)
        items.append(
            ThreadItem(
                id=row.pk,
                kind=getattr(row, "kind", "note"),
                author_role=author_role,
                author=author,
                body=_body(row, reader=reader, ref=ref),
                created_at=row.created_at,
                from_agency=row.author_role == AuthorRole.OFFICER,
            )
        )
    return items


def messages_of(*, legal_request: LegalRequest, reader) -> list[ThreadItem]:
    """The conversation, oldest first. The caller has checked that ``reader`` may see the request."""
    rows = (
        Message.objects.filter(legal_request=legal_request)
        .select_related("author", "legal_request")
        .order_by("created_at", "id")
    )
    return _items(rows, reader=reader, ref=legal_request.ref)


def notes_of(*, legal_request: LegalRequest, reader) -> list[ThreadItem]:
    """The legal team's notes, oldest first; the caller has checked that ``reader`` is on the team."""
    rows = (
        InternalNote.objects.filter(legal_request=legal_request)
        .select_related("author", "legal_request")
        .order_by("created_at", "id")
    )
    return _items(rows, reader=reader, ref=legal_request.ref)


# Timeline

STAFF_ACTIONS = frozenset(
    {
        AuditAction.REQUEST_CREATED,
        AuditAction.REQUEST_UPDATED,
        AuditAction.REQUEST_DOCUMENT_ADDED,
        AuditAction.REQUEST_TRANSITIONED,
        AuditAction.REQUEST_REVISED,
        AuditAction.REQUEST_CHECKED,
        AuditAction.PROPOSAL_MADE,
        AuditAction.PROPOSAL_APPROVED,
        AuditAction.PROPOSAL_SENT_BACK,
        AuditAction.SNAPSHOT_FROZEN,
        AuditAction.RESPONSE_ISSUED,
        AuditAction.RESPONSE_FAILED,
        AuditAction.MESSAGE_POSTED,
        AuditAction.NOTE_ADDED,
        AuditAction.CLOCK_PAUSED,
        AuditAction.CLOCK_RESUMED,
        AuditAction.DEADLINE_REMINDED,
        AuditAction.DEADLINE_ESCALATED,
        AuditAction.CALLBACK_RECORDED,
        AuditAction.REQUEST_FLAGGED,
        AuditAction.FOLLOWUP_REQUESTED,
        AuditAction.FOLLOWUP_RECEIVED,
        AuditAction.FOLLOWUP_OVERDUE,
    }
)
# What happened in the open: the agency's own steps, the conversation, the outward states, the letter.
OFFICER_ACTIONS = frozenset(
    {
        AuditAction.REQUEST_CREATED,
        AuditAction.REQUEST_UPDATED,
        AuditAction.REQUEST_DOCUMENT_ADDED,
        AuditAction.REQUEST_TRANSITIONED,
        AuditAction.REQUEST_REVISED,
        AuditAction.RESPONSE_ISSUED,
        AuditAction.MESSAGE_POSTED,
    }
)
# The legal team's deliberation (a proposal awaiting approval, one sent back) is not the officer's.
INTERNAL_STATES = frozenset({State.PENDING_APPROVAL})

DECISION_WORDS = {"disclose": "disclose", "reject": "reject", "need_info": "ask the officer for information"}
FLAG_WORDS = {
    "callback_not_confirmed": "the agency did not confirm the request on a call-back",
    "agency_suspended": "the agency was suspended",
}
RECOMMENDATION_WORDS = {"proceed": "proceed", "reject": "reject", "needs_info": "ask for information"}


def _state_label(value: str) -> str:
    try:
        return State(value).label
    except ValueError:
        return "(unknown)"


def _actor_for(entry: AuditEntry, staff_reader: bool, reader) -> str:
    if not entry.actor_id:
        return PLATFORM
    if entry.role == "officer":
        return _("You") if entry.actor_id == reader.pk and not staff_reader else entry.actor_username
    return entry.actor_username if staff_reader else _(LEGAL_TEAM)


def _transition_event(entry: AuditEntry, actor: str, staff_reader: bool) -> TimelineEvent | None:
    before, after = entry.details.get("from", ""), entry.details.get("to", "")
    if not staff_reader and (before in INTERNAL_STATES or after in INTERNAL_STATES):
        return None
    if after == State.RECEIVED:
        title = _("Resubmitted with the answer") if before == State.NEEDS_INFO else _("Submitted")
    else:
        title = f"{_state_label(before)} → {_state_label(after)}"
    return TimelineEvent(at=entry.created_at, kind="state", title=title, actor=actor)


def _staff_only_event(entry: AuditEntry, actor: str) -> TimelineEvent | None:
    details = entry.details
    match entry.action:
        case AuditAction.REQUEST_CHECKED:
            words = RECOMMENDATION_WORDS.get(details.get("recommendation", ""), details.get("recommendation", ""))
            return TimelineEvent(entry.created_at, "check", f"Rule checks: recommend to {words}", actor)
        case AuditAction.PROPOSAL_MADE:
            words = DECISION_WORDS.get(details.get("decision", ""), "decide")
            return TimelineEvent(entry.created_at, "proposal", f"Proposed to {words}", actor)
        case AuditAction.PROPOSAL_APPROVED:
            return TimelineEvent(entry.created_at, "decision", "Proposal approved", actor)
        case AuditAction.PROPOSAL_SENT_BACK:
            return TimelineEvent(entry.created_at, "decision", "Proposal sent back", actor)
        case AuditAction.SNAPSHOT_FROZEN:
            return TimelineEvent(entry.created_at, "decision", "Approved answer frozen", actor)
        case AuditAction.RESPONSE_FAILED:
            return TimelineEvent(entry.created_at, "letter", "Letter generation failed", actor)
        case AuditAction.CLOCK_PAUSED:
            return TimelineEvent(entry.created_at, "deadline", "Clock paused while the officer is asked", actor)
        case AuditAction.CLOCK_RESUMED:
            due = _utc_minute(details.get("new_due_at"))
            return TimelineEvent(entry.created_at, "deadline", f"Clock running again; now due {due}", actor)
        case AuditAction.DEADLINE_REMINDED:
            title = f"Reminder: {details.get('percent', '?')} % of the time allowed has run"
            return TimelineEvent(entry.created_at, "deadline", title, actor)
        case AuditAction.DEADLINE_ESCALATED:
            return TimelineEvent(entry.created_at, "deadline", "Overdue: escalated to the reviewers", actor)
        case AuditAction.CALLBACK_RECORDED:
            outcome = CALLBACK_OUTCOME_WORDS.get(details.get("outcome", ""), details.get("outcome", "")).lower()
            return TimelineEvent(entry.created_at, "callback", f"Call-back to the registry number: {outcome}", actor)
        case AuditAction.REQUEST_FLAGGED:
            reason = FLAG_WORDS.get(details.get("flag", ""), details.get("flag", ""))
            return TimelineEvent(entry.created_at, "flag", f"Flagged: {reason}", actor)
        case AuditAction.FOLLOWUP_REQUESTED:
            return TimelineEvent(entry.created_at, "followup", "Follow-up legal process requested", actor)
        case AuditAction.FOLLOWUP_RECEIVED:
            return TimelineEvent(entry.created_at, "followup", "Follow-up legal process received", actor)
        case AuditAction.FOLLOWUP_OVERDUE:
            return TimelineEvent(entry.created_at, "followup", "Follow-up legal process overdue: escalated", actor)
    return None


def _utc_minute(value: str | None) -> str:
    return value[:16].replace("T", " ") + " UTC" if value else "(unknown)"


def timeline_of(
    *,
    legal_request: LegalRequest,
    reader,
    thread: list[ThreadItem] | None = None,
    notes: list[ThreadItem] | None = None,
) -> list[TimelineEvent]:
    """What happened to the request, oldest first, as ``reader`` may see it (see the module doc).

    A page that shows the conversation (``thread``) and the notes already read them for ``reader``:
    passed in, they are not read and unsealed twice."""
    staff_reader = reads_as_legal_team(reader, legal_request.created_by_id)
    actions = STAFF_ACTIONS if staff_reader else OFFICER_ACTIONS
    entries = list(AuditEntry.objects.filter(request_ref=legal_request.ref, action__in=actions).order_by("id"))
    if thread is None:
        thread = messages_of(legal_request=legal_request, reader=reader)
    if notes is None:
        notes = notes_of(legal_request=legal_request, reader=reader) if staff_reader else []
    messages = {item.id: item for item in thread}
    notes_by_id = {item.id: item for item in notes} if staff_reader else {}
    revisions = {revision.number: revision for revision in RequestRevision.objects.filter(legal_request=legal_request)}
    events: list[TimelineEvent] = []
    for entry in entries:
        actor = _actor_for(entry, staff_reader, reader)
        details = entry.details
        event: TimelineEvent | None = None
        match entry.action:
            case AuditAction.REQUEST_CREATED:
                event = TimelineEvent(entry.created_at, "state", _("Draft created"), actor)
            case AuditAction.REQUEST_UPDATED:
                event = TimelineEvent(entry.created_at, "revision", _("Request corrected"), actor)
            case AuditAction.REQUEST_DOCUMENT_ADDED:
                event = TimelineEvent(entry.created_at, "document", _("Legal document added"), actor)
            case AuditAction.REQUEST_TRANSITIONED:
                event = _transition_event(entry, actor, staff_reader)
            case AuditAction.REQUEST_REVISED:
                revision = revisions.get(details.get("revision"))
                changes = revision.changes if revision else []
                title = _("Changed on resubmission")
                event = TimelineEvent(entry.created_at, "revision", title, actor, changes=changes)
            case AuditAction.RESPONSE_ISSUED:
                event = TimelineEvent(entry.created_at, "letter", _("Signed letter issued"), actor)
            case AuditAction.MESSAGE_POSTED:
                message = messages.get(details.get("id"))
                if message is not None:
                    title = _("Question to the officer") if message.kind == MessageKind.QUESTION else _("Message")
                    author = message.author
                    if not staff_reader and message.from_agency and author == reader.get_username():
                        author = _("You")
                    event = TimelineEvent(entry.created_at, message.kind, title, author, text=message.body)
            case AuditAction.NOTE_ADDED:
                note = notes_by_id.get(details.get("id"))
                if note is not None:
                    event = TimelineEvent(entry.created_at, "note", "Internal note", note.author, text=note.body)
            case _:
                event = _staff_only_event(entry, actor)
        if event is not None:
            events.append(event)
    return events
