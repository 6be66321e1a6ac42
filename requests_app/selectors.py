"""Read access to requests. Every query that returns requests goes through these filters."""

from __future__ import annotations

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.errors import NotFound, NotPermitted
from lawreq.roles import Role, has_role
from requests_app.models import LegalRequest

ERR_NOT_FOUND = "No such request."
ERR_ROLE = "Your role has no access to requests."

PERMISSION_VIEW = "requests_app.view_legalrequest"


def is_request_staff(user) -> bool:
    return has_role(user, Role.ANALYST, Role.REVIEWER)


def legal_requests_visible_to(user) -> QuerySet[LegalRequest]:
    """Staff see every request; an officer sees those granted to their agency's group."""
    base = LegalRequest.objects.select_related("jurisdiction", "agency")
    if is_request_staff(user):
        return base
    if hasattr(user, "officer"):
        return get_objects_for_user(user, PERMISSION_VIEW, klass=base, accept_global_perms=False, with_superuser=False)
    raise NotPermitted(ERR_ROLE)


def legal_request_get(*, user, ref: str) -> LegalRequest:
    """The request, if the user may see it; otherwise 404 and a denial in the audit trail."""
    legal_request = legal_requests_visible_to(user).filter(ref=ref).first()
    if legal_request is None:
        if LegalRequest.objects.filter(ref=ref).exists():
            audit_record(
                action=AuditAction.PERMISSION_DENIED,
                actor=user,
                request_ref=ref,
                details={"reason": "outside the caller's reach"},
            )
        raise NotFound(ERR_NOT_FOUND)
    return legal_request


def legal_request_get_for_officer(*, user, ref: str) -> LegalRequest:
    """Officer-only actions (submit, withdraw, documents): staff get 403, others 404."""
    if not hasattr(user, "officer"):
        raise NotPermitted("Only the agency's officers can do this.")
    return legal_request_get(user=user, ref=ref)
