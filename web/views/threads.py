"""What a request's pages show of its conversation, notes and history.

What an officer's page shows comes from the selectors' officer view: no staff username, no note, no
check, proposal or decision of the legal team."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from casework.selectors import messages_of, notes_of, timeline_of
from disclosure.models import CannedTextKind
from disclosure.selectors import canned_texts_by_kind
from requests_app.models import LegalRequest
from requests_app.states import State
from web.forms import MessageForm, NoteForm


def officer_conversation_context(
    request: HttpRequest, legal_request: LegalRequest, message_form: MessageForm | None = None
) -> dict:
    """What the officer's page of a request shows of the conversation and its history."""
    thread = messages_of(legal_request=legal_request, reader=request.user)
    return {
        "thread": thread,
        "thread_with": _("the legal team"),
        "timeline": timeline_of(legal_request=legal_request, reader=request.user, thread=thread),
        "message_form": message_form or MessageForm(auto_id="id_message_%s"),
        "can_message": legal_request.state != State.DRAFT,
        "message_action": "web:portal-message",
        "may_resubmit_with_message": legal_request.state == State.NEEDS_INFO,
    }


def staff_conversation_context(
    request: HttpRequest,
    legal_request: LegalRequest,
    message_form: MessageForm | None = None,
    note_form: NoteForm | None = None,
) -> dict:
    """What the legal team's page of a request shows of the conversation, the notes and the history."""
    thread = messages_of(legal_request=legal_request, reader=request.user)
    notes = notes_of(legal_request=legal_request, reader=request.user)
    return {
        "thread": thread,
        "thread_with": legal_request.agency.name,
        "notes": notes,
        "timeline": timeline_of(legal_request=legal_request, reader=request.user, thread=thread, notes=notes),
        "message_form": message_form or MessageForm(auto_id="id_message_%s"),
        "note_form": note_form or NoteForm(auto_id="id_note_%s"),
        "can_message": legal_request.state != State.DRAFT,
        "message_action": "web:staff-message",
        # the standard questions to the officer, for the plain message box too
        "message_canned_texts": canned_texts_by_kind()[CannedTextKind.QUESTION],
    }
