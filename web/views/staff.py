"""The legal team's pages: the queue, a request's page with its checks, the decision forms
(propose: analysts; approve or send back: reviewers), and the signed letter's preview.

Which forms show is a courtesy; a forced POST meets the same refusal from the services (four eyes
included)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from disclosure.models import CallBackOutcome, CannedTextKind, Decision, Proposal, ProposalStatus
from disclosure.selectors import (
    callback_confirmed,
    callbacks_of,
    canned_text_get,
    canned_texts_by_kind,
    legal_requests_with_flags,
    legal_requests_with_review_marks,
    proposal_current,
    proposal_open_for_approval,
    proposal_preview,
)
from lawreq.errors import DomainError, InvalidInput, NotFound, NotPermitted
from lawreq.roles import Role, has_role
from letters.api import pdf_response, response_filename
from letters.certificate import certificate_missing_reason
from letters.content import letter_kind_for
from letters.models import Response
from letters.selectors import letter_status
from letters.services import approval_letter_preview, response_preview
from notifications.services import notifications_mark_read_for_request
from requests_app import selectors
from requests_app.models import LegalRequest
from requests_app.services import assignee_by_username, legal_request_assign, legal_requests_assign
from requests_app.states import CHECKABLE_STATES, State
from rules.selectors import check_summary, latest_check_run
from rules.services import legal_request_check
from web.forms import (
    ASSIGNEE_NOBODY,
    ERR_ASSIGNEE_NOT_CHOSEN,
    PROPOSAL_FORMS,
    SERVICE_FIELD_NAMES,
    ApprovalForm,
    BulkAssignForm,
    CallBackForm,
    FollowUpReceivedForm,
    QueueFilterForm,
    QueueView,
)
from web.views.common import (
    analyst_required,
    error_page,
    is_analyst,
    paginate,
    query_without_page,
    request_under_review,
    show_error_on_form,
    staff_required,
)
from web.views.threads import staff_conversation_context
from workflow.services import do_callback_record, do_decide, do_followup_received, do_propose, do_retry

ERR_UNKNOWN_DECISION = "Choose a decision: disclose, reject or ask for information."
ERR_REVIEWERS_ONLY = "Only a reviewer approves or sends back a proposal."
ERR_OWN_PROPOSAL = "You made this proposal: another reviewer must decide on it (four eyes)."

MSG_CHECKS_RUN = "The checks ran again with the rules in force."
MSG_PROPOSED = {
    Decision.DISCLOSE: "Disclosure proposed. A reviewer other than you must approve it.",
    Decision.REJECT: "Rejection proposed. A reviewer other than you must approve it.",
    Decision.NEED_INFO: "Question sent to the officer; the request waits for their answer.",
}
MSG_APPROVED = "Proposal approved. The signed letter is being prepared."
MSG_SENT_BACK = "Proposal sent back to the analyst."
MSG_ASSIGNED = "{count} request{s} assigned to {who}."
MSG_RETRIED = "The waiting work was sent to the workers again."
ERR_ASSIGNEE_CHOICE = "Choose an analyst or a reviewer from the list."
MSG_CALLBACK = "Call-back recorded."
MSG_FOLLOWUP_RECEIVED = "Follow-up legal process marked received."
ERR_FOLLOWUP_FORM = "Choose the follow-up document from the list."

QUEUE_PAGE_SIZE = 25


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    filters = QueueFilterForm(request.GET or None)
    try:
        requests = filters.apply(selectors.legal_requests_visible_to(request.user), user=request.user)
    except DomainError as error:
        return error_page(request, error)
    requests = legal_requests_with_flags(legal_requests_with_review_marks(requests)).order_by(
        F("due_at").asc(nulls_last=True), "id"
    )
    current_view = (filters.cleaned_data.get("view") if filters.is_bound and filters.is_valid() else "") or "all"
    return render(
        request,
        "web/queue.html",
        {
            "filters": filters,
            "views": QueueView.CHOICES,
            "current_view": current_view,
            "page": paginate(request, requests, QUEUE_PAGE_SIZE),
            "query": query_without_page(request),
            "assign_form": BulkAssignForm(auto_id="id_bulk_%s"),
        },
    )


def _assignee_error(form: BulkAssignForm) -> str:
    if not form.data.get("assignee"):
        return ERR_ASSIGNEE_NOT_CHOSEN
    return ERR_ASSIGNEE_CHOICE


@staff_required
@require_POST
def queue_assign(request: HttpRequest) -> HttpResponse:
    """Bulk assignment from the queue; back to the same view of the queue afterwards."""
    back = request.POST.get("back", "")
    # Back to the same view of the queue: its query string, parsed and encoded again.
    target = f"{reverse('web:queue')}?{urlencode(parse_qsl(back))}" if back else None
    form = BulkAssignForm(request.POST)
    refs = request.POST.getlist("refs")[:QUEUE_PAGE_SIZE]
    if not form.is_valid():
        messages.error(request, _assignee_error(form))
        return redirect(target or "web:queue")
    try:
        assignee = assignee_by_username(form.assignee_username())
        chosen = [request_under_review(request, ref) for ref in refs]
        count = legal_requests_assign(legal_requests=chosen, actor=request.user, assignee=assignee)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(target or "web:queue")
    who = assignee.get_username() if assignee is not None else "nobody"
    messages.success(request, MSG_ASSIGNED.format(count=count, s="" if count == 1 else "s", who=who))
    return redirect(target or "web:queue")


@staff_required
@require_POST
def request_assign(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = request_under_review(request, ref)
    form = BulkAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _assignee_error(form))
        return redirect("web:staff-detail", ref=legal_request.ref)
    try:
        assignee = assignee_by_username(form.assignee_username())
        legal_request_assign(legal_request=legal_request, actor=request.user, assignee=assignee)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("web:staff-detail", ref=legal_request.ref)
    who = assignee.get_username() if assignee is not None else "nobody"
    messages.success(request, MSG_ASSIGNED.format(count=1, s="", who=who))
    return redirect("web:staff-detail", ref=legal_request.ref)


def staff_detail_context(
    request: HttpRequest, legal_request: LegalRequest, forms: dict | None = None, conversation_forms: dict | None = None
) -> dict:
    legal_request = (
        LegalRequest.objects.select_related("agency", "jurisdiction", "assignee")
        .prefetch_related("targets", "documents")
        .get(pk=legal_request.pk)
    )
    check_run = latest_check_run(legal_request)
    user = request.user
    summary = check_summary(check_run, asked_categories=legal_request.categories) if check_run else None
    callbacks = callbacks_of(legal_request=legal_request, actor=user)
    return {
        "legal_request": legal_request,
        "callbacks": callbacks,
        "callback_form": (forms or {}).get("callback") or CallBackForm(auto_id="id_callback_%s"),
        "callback_required": legal_request.emergency or bool(check_run and check_run.out_of_band_verification),
        "callback_confirmed": callback_confirmed(legal_request=legal_request),
        "callback_not_confirmed": any(item.outcome == CallBackOutcome.NOT_CONFIRMED for item in callbacks),
        "followup_form": FollowUpReceivedForm(legal_request=legal_request, auto_id="id_followup_%s")
        if legal_request.followup_state in ("awaiting", "overdue")
        else None,
        "check_run": check_run,
        "check_summary": summary,
        "check_groups": (summary.failures, summary.warnings, summary.passes) if summary else (),
        "assign_form": BulkAssignForm(
            initial={"assignee": legal_request.assignee.username if legal_request.assignee else ASSIGNEE_NOBODY},
            auto_id="id_assign_%s",
        ),
        "letter": Response.objects.filter(legal_request=legal_request).first(),
        "certificate_not_issued": certificate_missing_reason(
            asked=legal_request.authenticity_certificate,
            kind=letter_kind_for(outcome=legal_request.outcome) if legal_request.outcome else "",
        ),
        "letter_status": letter_status(legal_request=legal_request, staff=True),
        "can_retry": legal_request.state == State.RECEIVED and _waiting(legal_request),
        "can_run_checks": is_analyst(user) and legal_request.state in CHECKABLE_STATES,
        **decision_context(request, legal_request, check_run=check_run, forms=forms or {}),
        **staff_conversation_context(request, legal_request, **(conversation_forms or {})),
    }


def render_staff_detail(
    request: HttpRequest,
    legal_request: LegalRequest,
    *,
    status: int = 200,
    forms: dict | None = None,
    conversation_forms: dict | None = None,
) -> HttpResponse:
    """The request page for the legal team. It shows the targets, so each showing is audited."""
    selectors.legal_request_shown(user=request.user, legal_request=legal_request, via="web")
    context = staff_detail_context(request, legal_request, forms, conversation_forms)
    return render(request, "web/staff_detail.html", context, status=status)


@staff_required
@require_GET
def staff_detail(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = request_under_review(request, ref)
    notifications_mark_read_for_request(user=request.user, legal_request=legal_request)
    return render_staff_detail(request, legal_request)


def _waiting(legal_request: LegalRequest) -> bool:
    """Received longer ago than the sweep waits: its checks may be lost, "retry now" is offered."""
    return legal_request.updated_at < timezone.now() - dt.timedelta(seconds=settings.LAWREQ_STUCK_SECONDS)


@staff_required
@require_POST
def work_retry(request: HttpRequest, ref: str) -> HttpResponse:
    """ "Retry now": the request's waiting work (its checks, its letter) is sent to the workers again; audited."""
    legal_request = request_under_review(request, ref)
    try:
        do_retry(legal_request=legal_request, actor=request.user, via="web")
    except DomainError as error:
        messages.error(request, error.message)
        return render_staff_detail(request, legal_request, status=error.status_code)
    messages.success(request, MSG_RETRIED)
    return redirect("web:staff-detail", ref=legal_request.ref)


@analyst_required
@require_POST
def checks_run(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = request_under_review(request, ref)
    try:
        legal_request_check(legal_request=legal_request, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return render_staff_detail(request, legal_request, status=error.status_code)
    messages.success(request, MSG_CHECKS_RUN)
    return redirect("web:staff-detail", ref=legal_request.ref)


@staff_required
@require_POST
def callback_submit(request: HttpRequest, ref: str) -> HttpResponse:
    """A call-back to the agency's registry number: the number is the system's, never the form's."""
    legal_request = request_under_review(request, ref)
    form = CallBackForm(request.POST, auto_id="id_callback_%s")
    if not form.is_valid():
        return render_staff_detail(request, legal_request, status=400, forms={"callback": form})
    try:
        do_callback_record(legal_request=legal_request, actor=request.user, **form.cleaned_data)
    except DomainError as error:
        if isinstance(error, NotFound):
            return error_page(request, error)
        show_error_on_form(error, form)
        return render_staff_detail(request, legal_request, status=error.status_code, forms={"callback": form})
    messages.success(request, MSG_CALLBACK)
    return redirect("web:staff-detail", ref=legal_request.ref)


@staff_required
@require_POST
def followup_received(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = request_under_review(request, ref)
    form = FollowUpReceivedForm(request.POST, legal_request=legal_request)
    try:
        if not form.is_valid():
            raise InvalidInput(ERR_FOLLOWUP_FORM)
        do_followup_received(legal_request=legal_request, actor=request.user, document_id=form.document_id())
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("web:staff-detail", ref=legal_request.ref)
    messages.success(request, MSG_FOLLOWUP_RECEIVED)
    return redirect("web:staff-detail", ref=legal_request.ref)


# Decisions


def _proposal_form(decision: str, legal_request: LegalRequest, *, check_run, data=None):
    """The form of one decision, shaped by the latest checks (the allowed categories)."""
    extra = {}
    if decision == Decision.DISCLOSE and check_run is not None:
        extra = {"allowed_categories": check_run.allowed_categories}
    return PROPOSAL_FORMS[decision](data, legal_request=legal_request, auto_id=f"id_{decision}_%s", **extra)


# Which field of each decision form a standard text fills, and the kind of text it takes.
CANNED_FIELDS = {
    Decision.DISCLOSE: ("reasons", CannedTextKind.NARROWING),
    Decision.REJECT: ("reasons", CannedTextKind.REJECTION),
    Decision.NEED_INFO: ("question", CannedTextKind.QUESTION),
}


def _form_with_canned_text(decision: str, legal_request: LegalRequest, data) -> forms.Form:
    """The form as the analyst left it, unvalidated, with the chosen standard text appended to its
    field (the "Use" button, for browsers without JavaScript)."""
    check_run = latest_check_run(legal_request)
    blank = _proposal_form(decision, legal_request, check_run=check_run)
    initial = {
        name: field.widget.value_from_datadict(data, {}, blank.add_prefix(name)) for name, field in blank.fields.items()
    }
    field, kind = CANNED_FIELDS[decision]
    text = canned_text_get(pk=data.get("canned_text"), kind=kind)
    if text is not None:
        current = (initial.get(field) or "").rstrip()
        initial[field] = f"{current}\n{text.body}" if current else text.body
    extra = {}
    if decision == Decision.DISCLOSE and check_run is not None:
        extra = {"allowed_categories": check_run.allowed_categories}
    return PROPOSAL_FORMS[decision](legal_request=legal_request, auto_id=f"id_{decision}_%s", initial=initial, **extra)


def _current_proposal(legal_request: LegalRequest, user) -> Proposal | None:
    try:
        return proposal_current(legal_request=legal_request, actor=user)
    except NotFound:
        return None


def decision_context(request: HttpRequest, legal_request: LegalRequest, *, check_run, forms: dict) -> dict:
    """The current proposal and the decision forms this user may use now.

    Which forms show is a courtesy; a forced POST meets the same refusal from the services.
    """
    user = request.user
    proposal = _current_proposal(legal_request, user)
    proposal_forms = {}
    canned_texts = {}
    if has_role(user, Role.ANALYST) and legal_request.state == State.IN_REVIEW:
        proposal_forms = {
            decision: forms.get(decision) or _proposal_form(decision, legal_request, check_run=check_run)
            for decision in PROPOSAL_FORMS
        }
        canned_texts = canned_texts_by_kind()
    awaiting = _awaiting_approval(legal_request, proposal)
    may_approve = _may_decide(user, legal_request, proposal)
    # A refused form that is not offered any more (the state moved on) still says why, at the top.
    shown = set(proposal_forms) | ({"approval"} if may_approve else set())
    for name, form in forms.items():
        if name not in shown:
            for error in (e for errors in form.errors.values() for e in errors):
                messages.error(request, error)
    return {
        "proposal": proposal,
        "proposal_forms": proposal_forms,
        "approval_form": (forms.get("approval") or ApprovalForm(auto_id="id_approval_%s")) if may_approve else None,
        "own_proposal_awaiting": awaiting and proposal.proposed_by_id == user.pk,
        "canned_texts": canned_texts,
    }


@staff_required
@require_POST
def proposal_submit(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = request_under_review(request, ref)
    decision = request.POST.get("decision", "")
    if decision not in PROPOSAL_FORMS:
        messages.error(request, ERR_UNKNOWN_DECISION)
        return render_staff_detail(request, legal_request, status=400)
    if request.POST.get("use_canned"):
        form = _form_with_canned_text(decision, legal_request, request.POST)
        return render_staff_detail(request, legal_request, forms={decision: form})
    form = _proposal_form(decision, legal_request, check_run=latest_check_run(legal_request), data=request.POST)
    if not form.is_valid():
        return render_staff_detail(request, legal_request, status=400, forms={decision: form})
    try:
        do_propose(legal_request=legal_request, actor=request.user, **form.service_arguments())
    except DomainError as error:
        if isinstance(error, NotFound):
            return error_page(request, error)
        show_error_on_form(error, form, field_map=SERVICE_FIELD_NAMES[decision])
        return render_staff_detail(request, legal_request, status=error.status_code, forms={decision: form})
    messages.success(request, MSG_PROPOSED[decision])
    return redirect("web:staff-detail", ref=legal_request.ref)


# Approval: the reviewer sees what approving does (the difference with what was asked, the records
# per target and category, the letter unsigned) and confirms with a second POST carrying a token of
# the proposal they saw. A new proposal, another reviewer or an old token: the screen again.

CONFIRMATION_SALT = "web.approval.confirmation"
CONFIRMATION_MAX_AGE = 60 * 60
MSG_CONFIRM = "Check what approving discloses, then confirm."
MSG_CONFIRMATION_STALE = "The proposal is not the one you previewed, or the preview is too old: check it again."


def approval_confirmation_token(proposal: Proposal, user) -> str:
    return signing.dumps({"proposal": proposal.pk, "user": user.pk}, salt=CONFIRMATION_SALT)


def approval_confirmation_valid(token: str, proposal: Proposal | None, user) -> bool:
    if not token or proposal is None:
        return False
    try:
        seen = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:
        return False
    return seen == {"proposal": proposal.pk, "user": user.pk}


def render_approval_review(
    request: HttpRequest, legal_request: LegalRequest, *, form: ApprovalForm | None = None, status: int = 200
) -> HttpResponse:
    """The approval screen: the difference, the record counts (audited), the preview's link and the
    confirmation form."""
    preview = proposal_preview(legal_request=legal_request, actor=request.user)
    check_run = latest_check_run(legal_request)
    callbacks = callbacks_of(legal_request=legal_request, actor=request.user)
    return render(
        request,
        "web/approval_review.html",
        {
            "legal_request": legal_request,
            "preview": preview,
            "check_run": check_run,
            "confirmation": approval_confirmation_token(preview.proposal, request.user),
            "callbacks": callbacks,
            "callback_not_confirmed": any(item.outcome == CallBackOutcome.NOT_CONFIRMED for item in callbacks),
            "approval_form": form or ApprovalForm(auto_id="id_approval_%s"),
        },
        status=status,
    )


def _awaiting_approval(legal_request: LegalRequest, proposal: Proposal | None) -> bool:
    return (
        proposal is not None
        and proposal.status == ProposalStatus.OPEN
        and legal_request.state == State.PENDING_APPROVAL
    )


def _may_decide(user, legal_request: LegalRequest, proposal: Proposal | None) -> bool:
    """A reviewer other than the proposer (the domain refuses anyone else too: ``proposal_decide``)."""
    return (
        _awaiting_approval(legal_request, proposal)
        and has_role(user, Role.REVIEWER)
        and proposal.proposed_by_id != user.pk
    )


def _reviewable(request: HttpRequest, legal_request: LegalRequest) -> Proposal:
    """The open proposal this user may decide on; 404 otherwise (the screen has nothing to show)."""
    if not has_role(request.user, Role.REVIEWER):
        raise PermissionDenied(ERR_REVIEWERS_ONLY)
    try:
        proposal = proposal_open_for_approval(legal_request=legal_request, actor=request.user)
    except NotFound as error:
        raise Http404(error.message)
    if proposal.proposed_by_id == request.user.pk:
        raise PermissionDenied(ERR_OWN_PROPOSAL)
    return proposal


@staff_required
@require_http_methods(["GET", "POST"])
def approval_review(request: HttpRequest, ref: str) -> HttpResponse:
    """The approval screen, and its own form: what it refuses is shown on it, next to the comment;
    only a decision taken leaves it (for the request page)."""
    legal_request = request_under_review(request, ref)
    if request.method == "GET":
        _reviewable(request, legal_request)
        return render_approval_review(request, legal_request)

    def render_refusal(form: ApprovalForm, status: int) -> HttpResponse:
        proposal = _current_proposal(legal_request, request.user)
        if _may_decide(request.user, legal_request, proposal):
            return render_approval_review(request, legal_request, form=form, status=status)
        return render_staff_detail(request, legal_request, status=status, forms={"approval": form})

    return _approval_decide(request, legal_request, render_refusal)


@staff_required
@require_GET
def approval_preview(request: HttpRequest, ref: str) -> HttpResponse:
    """The letter approving would issue, unsigned and watermarked, inline (audited)."""
    legal_request = request_under_review(request, ref)
    _reviewable(request, legal_request)
    pdf = approval_letter_preview(legal_request=legal_request, actor=request.user)
    return pdf_response(pdf, filename=f"{legal_request.ref}-preview-not-signed.pdf", inline=True)


@staff_required
@require_POST
def approval_submit(request: HttpRequest, ref: str) -> HttpResponse:
    """The approval form of the request page: what it refuses is shown there, at the form."""
    legal_request = request_under_review(request, ref)

    def render_refusal(form: ApprovalForm, status: int) -> HttpResponse:
        return render_staff_detail(request, legal_request, status=status, forms={"approval": form})

    return _approval_decide(request, legal_request, render_refusal)


def _approval_decide(request: HttpRequest, legal_request: LegalRequest, render_refusal) -> HttpResponse:
    form = ApprovalForm(request.POST, auto_id="id_approval_%s")
    if not form.is_valid():
        return render_refusal(form, 400)
    if form.cleaned_data["verdict"] == ApprovalForm.APPROVE:
        proposal = _current_proposal(legal_request, request.user)
        token = request.POST.get("confirmation", "")
        # Only a reviewer who may decide is asked to confirm; anyone else meets the service's refusal.
        if _may_decide(request.user, legal_request, proposal) and not approval_confirmation_valid(
            token, proposal, request.user
        ):
            if token:
                messages.warning(request, MSG_CONFIRMATION_STALE)
            else:
                messages.info(request, MSG_CONFIRM)
            return render_approval_review(request, legal_request, form=form)
    try:
        approval = do_decide(legal_request=legal_request, actor=request.user, **form.service_arguments())
    except DomainError as error:
        if isinstance(error, NotFound):
            return error_page(request, error)
        show_error_on_form(error, form)
        return render_refusal(form, error.status_code)
    messages.success(request, MSG_APPROVED if approval.approve else MSG_SENT_BACK)
    return redirect("web:staff-detail", ref=legal_request.ref)


@login_required
@never_cache
def preview(request: HttpRequest, ref: str) -> HttpResponse:
    """The signed letter shown inline to analysts and reviewers (audited as a preview)."""
    try:
        response, pdf = response_preview(user=request.user, ref=ref)
    except NotFound as error:
        raise Http404(error.message)
    except NotPermitted as error:
        raise PermissionDenied(error.message)
    notifications_mark_read_for_request(user=request.user, legal_request=response.legal_request)
    return pdf_response(pdf, filename=response_filename(response.legal_request.ref), inline=True)
