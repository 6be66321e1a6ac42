"""Writing in the conversation about a request (the officer's page and the legal team's), the legal
team's internal notes, and the notifications page. What the pages show of them: ``web.views.threads``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework.services import note_add
from disclosure.models import CannedTextKind
from disclosure.selectors import canned_text_get
from lawreq.errors import DomainError, NotFound
from notifications.selectors import notifications_of
from notifications.services import notification_mark_read, notification_path, notifications_mark_all_read
from requests_app.states import State
from web.forms import MessageForm, NoteForm
from web.views.common import (
    officer_required,
    paginate,
    request_under_review,
    show_domain_error,
    staff_required,
    visible_request,
)
from web.views.portal import render_portal_detail
from web.views.staff import render_staff_detail
from workflow.services import do_message_post, do_message_post_and_submit

MSG_SENT = _("Message sent to the legal team.")
MSG_SENT_AND_SUBMITTED = _("Message sent and the request submitted again.")
MSG_SENT_TO_AGENCY = "Message sent to the officer."
MSG_NOTE_ADDED = "Internal note added (the officer never sees it)."
MSG_ALL_READ = _("All notifications marked read.")

NOTIFICATIONS_PAGE_SIZE = 30


def _render_officer_page(request, legal_request, form, status):
    return render_portal_detail(request, legal_request, status=status, message_form=form)


@officer_required
@require_POST
def portal_message(request: HttpRequest, ref: str) -> HttpResponse:
    """The officer writes to the legal team; answering a question, they may submit again at once."""
    legal_request = visible_request(request, ref)
    form = MessageForm(request.POST, auto_id="id_message_%s")
    if not form.is_valid():
        return _render_officer_page(request, legal_request, form, 400)
    resubmit = "resubmit" in request.POST and legal_request.state == State.NEEDS_INFO
    post = do_message_post_and_submit if resubmit else do_message_post
    try:
        post(legal_request=legal_request, actor=request.user, body=form.cleaned_data["body"])
    except DomainError as error:
        show_domain_error(request, error, form)
        return _render_officer_page(request, legal_request, form, error.status_code)
    messages.success(request, MSG_SENT_AND_SUBMITTED if resubmit else MSG_SENT)
    return redirect("web:portal-detail", ref=legal_request.ref)


def _render_staff_page(request, legal_request, status, **forms):
    return render_staff_detail(request, legal_request, status=status, conversation_forms=forms)


def _message_form_with_canned_text(data) -> MessageForm:
    """The message as the analyst left it, unsent, with the chosen standard question appended (the
    "Use" button, for browsers without JavaScript)."""
    body = (data.get("body") or "").rstrip()
    text = canned_text_get(pk=data.get("canned_text"), kind=CannedTextKind.QUESTION)
    if text is not None:
        body = f"{body}\n{text.body}" if body else text.body
    return MessageForm(auto_id="id_message_%s", initial={"body": body})


def _staff_post(request: HttpRequest, legal_request, form, form_key: str, write, success: str) -> HttpResponse:
    """A message or a note from the staff page: the page again with the error at the form, or back
    to it with ``success``. ``write(body)`` is the step that stores it."""
    if not form.is_valid():
        return _render_staff_page(request, legal_request, 400, **{form_key: form})
    try:
        write(form.cleaned_data["body"])
    except DomainError as error:
        show_domain_error(request, error, form)
        return _render_staff_page(request, legal_request, error.status_code, **{form_key: form})
    messages.success(request, success)
    return redirect("web:staff-detail", ref=legal_request.ref)


@staff_required
@require_POST
def staff_message(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = request_under_review(request, ref)
    if request.POST.get("use_canned"):
        return _render_staff_page(
            request, legal_request, 200, message_form=_message_form_with_canned_text(request.POST)
        )
    return _staff_post(
        request,
        legal_request,
        MessageForm(request.POST, auto_id="id_message_%s"),
        "message_form",
        lambda body: do_message_post(legal_request=legal_request, actor=request.user, body=body),
        MSG_SENT_TO_AGENCY,
    )


@staff_required
@require_POST
def staff_note(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = request_under_review(request, ref)
    return _staff_post(
        request,
        legal_request,
        NoteForm(request.POST, auto_id="id_note_%s"),
        "note_form",
        lambda body: note_add(legal_request=legal_request, author=request.user, body=body),
        MSG_NOTE_ADDED,
    )


# Notifications


@login_required
@never_cache
@require_GET
def notifications_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/notifications.html",
        {"page": paginate(request, notifications_of(request.user), NOTIFICATIONS_PAGE_SIZE), "query": ""},
    )


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read and go to its request's page (the reader's own kind of page)."""
    try:
        notification = notification_mark_read(user=request.user, notification_id=notification_id)
    except NotFound as error:
        raise Http404(error.message)
    return redirect(notification_path(notification))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)
    messages.success(request, MSG_ALL_READ)
    return redirect("web:notifications")
