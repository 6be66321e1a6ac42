"""Write services of the request domain. Each is atomic and writes its audit entry inside."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.errors import TransitionNotAllowed
from requests_app.models import LegalRequest, Outcome, State
from requests_app.states import can_transition

ERR_TRANSITION = "A request in state '{from_state}' cannot move to '{to_state}'."


def _transition(
    *,
    legal_request: LegalRequest,
    to_state: str,
    actor,
    details: dict[str, Any] | None = None,
    **changes: Any,
) -> LegalRequest:
    """Move a request to ``to_state`` under a row lock, or raise ``TransitionNotAllowed``.

    The caller's copy is refreshed from the locked row, so a concurrent transition is seen
    rather than overwritten.
    """
    with transaction.atomic():
        locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
        from_state = locked.state
        if not can_transition(from_state, to_state):
            raise TransitionNotAllowed(ERR_TRANSITION.format(from_state=from_state, to_state=to_state))
        locked.state = to_state
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.save()
        audit_record(
            action=AuditAction.REQUEST_TRANSITIONED,
            actor=actor,
            obj=locked,
            request_ref=locked.ref,
            # Jurisdiction, process type and emergency ride along so reports can be recounted
            # from the audit trail alone.
            details={
                "from": from_state,
                "to": to_state,
                "jurisdiction": locked.jurisdiction.code,
                "process_type": locked.process_type,
                "emergency": locked.emergency,
                **(details or {}),
            },
        )
    legal_request.refresh_from_db()
    return legal_request


def legal_request_start_review(*, legal_request: LegalRequest, actor=None, details: dict | None = None) -> LegalRequest:
    return _transition(
        legal_request=legal_request, to_state=State.IN_REVIEW, actor=actor, details=details, info_requested=""
    )


def legal_request_ask_for_info(
    *, legal_request: LegalRequest, question: str, actor=None, details: dict | None = None
) -> LegalRequest:
    return _transition(
        legal_request=legal_request, to_state=State.NEEDS_INFO, actor=actor, details=details, info_requested=question
    )


def legal_request_await_approval(*, legal_request: LegalRequest, actor, details: dict | None = None) -> LegalRequest:
    return _transition(legal_request=legal_request, to_state=State.PENDING_APPROVAL, actor=actor, details=details)


def legal_request_send_back(*, legal_request: LegalRequest, actor, details: dict | None = None) -> LegalRequest:
    return _transition(legal_request=legal_request, to_state=State.IN_REVIEW, actor=actor, details=details)


def legal_request_approve(*, legal_request: LegalRequest, actor, details: dict | None = None) -> LegalRequest:
    return _transition(legal_request=legal_request, to_state=State.APPROVED, actor=actor, details=details)


def legal_request_reject(
    *, legal_request: LegalRequest, actor, reasons: list[str], details: dict | None = None
) -> LegalRequest:
    return _transition(
        legal_request=legal_request,
        to_state=State.REJECTED,
        actor=actor,
        details=details,
        rejection_reasons=reasons,
        outcome=Outcome.REJECTED,
    )


def legal_request_mark_responded(
    *, legal_request: LegalRequest, outcome: str, accounts_affected: int, actor=None, details: dict | None = None
) -> LegalRequest:
    details = {"outcome": outcome, "accounts_affected": accounts_affected, **(details or {})}
    return _transition(
        legal_request=legal_request,
        to_state=State.RESPONDED,
        actor=actor,
        details=details,
        outcome=outcome,
        responded_at=timezone.now(),
    )
