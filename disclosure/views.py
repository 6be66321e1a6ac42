"""The legal team's decision forms on the request page: propose (analyst), approve or send back
(reviewer). Four eyes and every other rule are the services'; these views show their verdict."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from disclosure.forms import PROPOSAL_FORMS, SERVICE_FIELD_NAMES, ApprovalForm
from disclosure.models import Decision, Proposal, ProposalStatus
from disclosure.selectors import proposal_current
from disclosure.services import proposal_create, proposal_decide
from lawreq.errors import DomainError, NotFound
from lawreq.roles import Role, has_role
from requests_app.models import LegalRequest, State
from requests_app.views import error_page, render_staff_detail, show_domain_error, staff_required, visible_request
from rules.selectors import latest_check_run

ERR_UNKNOWN_DECISION = "Choose a decision: disclose, reject or ask for information."

MSG_PROPOSED = {
    Decision.DISCLOSE: "Disclosure proposed. A reviewer other than you must approve it.",
    Decision.REJECT: "Rejection proposed. A reviewer other than you must approve it.",
    Decision.NEED_INFO: "Question sent to the officer; the request waits for their answer.",
}
MSG_APPROVED = "Proposal approved. The signed letter is being prepared."
MSG_SENT_BACK = "Proposal sent back to the analyst."


def _proposal_form(decision: str, legal_request: LegalRequest, *, check_run, data=None):
    """The form of one decision, shaped by the latest checks (allowed categories, emergency call back)."""
    extra = {}
    if decision == Decision.DISCLOSE and check_run is not None:
        extra = {
            "allowed_categories": check_run.allowed_categories,
            "verification_required": check_run.out_of_band_verification,
        }
    return PROPOSAL_FORMS[decision](data, legal_request=legal_request, auto_id=f"id_{decision}_%s", **extra)


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
    if has_role(user, Role.ANALYST) and legal_request.state == State.IN_REVIEW:
        proposal_forms = {
            decision: forms.get(decision) or _proposal_form(decision, legal_request, check_run=check_run)
            for decision in PROPOSAL_FORMS
        }
    awaiting = (
        proposal is not None
        and proposal.status == ProposalStatus.OPEN
        and legal_request.state == State.PENDING_APPROVAL
    )
    may_approve = awaiting and has_role(user, Role.REVIEWER) and proposal.proposed_by_id != user.pk
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
    }


@staff_required
@require_POST
def proposal_submit(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = visible_request(request, ref)
    decision = request.POST.get("decision", "")
    if decision not in PROPOSAL_FORMS:
        messages.error(request, ERR_UNKNOWN_DECISION)
        return render_staff_detail(request, legal_request, status=400)
    form = _proposal_form(decision, legal_request, check_run=latest_check_run(legal_request), data=request.POST)
    if not form.is_valid():
        return render_staff_detail(request, legal_request, status=400, forms={decision: form})
    try:
        proposal_create(legal_request=legal_request, actor=request.user, **form.service_arguments())
    except DomainError as error:
        if isinstance(error, NotFound):
            return error_page(request, error)
        show_domain_error(request, error, form, field_map=SERVICE_FIELD_NAMES[decision])
        return render_staff_detail(request, legal_request, status=error.status_code, forms={decision: form})
    messages.success(request, MSG_PROPOSED[decision])
    return redirect("web:staff-detail", ref=legal_request.ref)


@staff_required
@require_POST
def approval_submit(request: HttpRequest, ref: str) -> HttpResponse:
    legal_request = visible_request(request, ref)
    form = ApprovalForm(request.POST, auto_id="id_approval_%s")
    if not form.is_valid():
        return render_staff_detail(request, legal_request, status=400, forms={"approval": form})
    try:
        approval = proposal_decide(legal_request=legal_request, actor=request.user, **form.service_arguments())
    except DomainError as error:
        if isinstance(error, NotFound):
            return error_page(request, error)
        show_domain_error(request, error, form)
        return render_staff_detail(request, legal_request, status=error.status_code, forms={"approval": form})
    messages.success(request, MSG_APPROVED if approval.approve else MSG_SENT_BACK)
    return redirect("web:staff-detail", ref=legal_request.ref)
