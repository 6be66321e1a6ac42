"""Read access to requests. Every query that returns requests goes through these filters."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from audit.actions import AuditAction
from audit.services import audit_hash_identifier, audit_permission_denied, audit_record
from lawreq.errors import NotFound, NotPermitted
from lawreq.roles import is_legal_staff
from requests_app.choices import TargetType
from requests_app.models import LegalRequest, target_index
from requests_app.targets import normalize_target

ERR_NOT_FOUND = "No such request."
ERR_ROLE = "Your role has no access to requests."
ERR_OFFICERS_ONLY = "Only the agency's officers can do this."

PERMISSION_VIEW = "requests_app.view_legalrequest"
RESOURCE = "requests_app.legalrequest"
REASON_OUT_OF_REACH = "outside the caller's reach"
REASON_ROLE = "the caller's role has no access to requests"
REASON_OFFICERS_ONLY = "for the agency's officers only"
REASON_STAFF_ONLY = "for the legal team only"
REASON_OWN_REQUEST = "nobody reviews their own request"


def legal_requests_visible_to(user) -> QuerySet[LegalRequest]:
    """Staff see every request; an officer sees those granted to their agency's group."""
    base = LegalRequest.objects.select_related("jurisdiction", "agency")
    if is_legal_staff(user):
        return base
    if hasattr(user, "officer"):
        return get_objects_for_user(user, PERMISSION_VIEW, klass=base, accept_global_perms=False, with_superuser=False)
    raise NotPermitted(ERR_ROLE)


def legal_request_refused(*, user, ref: str, resource: str, reason: str) -> None:
    """Record a refused access to a request in the audit trail, when the request exists (a made-up
    reference names nothing worth recording, and must not be written into the trail)."""
    if LegalRequest.objects.filter(ref=ref).exists():
        audit_permission_denied(actor=user, resource=resource, request_ref=ref, reason=reason)


def legal_request_get(*, user, ref: str) -> LegalRequest:
    """The request, if the user may see it; otherwise 404 (403 for a role without access to
    requests) and a denial in the audit trail."""
    try:
        visible = legal_requests_visible_to(user)
    except NotPermitted:
        legal_request_refused(user=user, ref=ref, resource=RESOURCE, reason=REASON_ROLE)
        raise
    legal_request = visible.filter(ref=ref).first()
    if legal_request is None:
        legal_request_refused(user=user, ref=ref, resource=RESOURCE, reason=REASON_OUT_OF_REACH)
        raise NotFound(ERR_NOT_FOUND)
    return legal_request


def legal_request_shown(*, user, legal_request: LegalRequest, via: str) -> None:
    """Record that a page or an answer showed the request, targets included (personal data)."""
    audit_record(
        action=AuditAction.REQUEST_VIEWED,
        actor=user,
        obj=legal_request,
        request_ref=legal_request.ref,
        details={"via": via},
    )


def legal_request_get_for_officer(*, user, ref: str) -> LegalRequest:
    """Officer-only actions (submit, withdraw, documents): staff get 403, others 404."""
    if not hasattr(user, "officer"):
        legal_request_refused(user=user, ref=ref, resource=RESOURCE, reason=REASON_OFFICERS_ONLY)
        raise NotPermitted(ERR_OFFICERS_ONLY)
    return legal_request_get(user=user, ref=ref)


def require_legal_staff_on(legal_request: LegalRequest, actor) -> None:
    """Outside the legal team, a request's review does not exist: 404, never 403. The requesting
    officer gets 404 even if they also hold a staff role: nobody reviews their own request."""
    if not is_legal_staff(actor) or actor.pk == legal_request.created_by_id:
        raise NotFound(ERR_NOT_FOUND)


def legal_request_get_for_staff(*, user, ref: str, resource: str) -> LegalRequest:
    """The request, for the legal team's resources on it and pages about it (``resource``: what was
    asked for, as the audit trail names it); anyone else, the requesting officer included, gets 404
    and a denial in the audit trail."""
    if not is_legal_staff(user):
        legal_request_refused(user=user, ref=ref, resource=resource, reason=REASON_STAFF_ONLY)
        raise NotFound(ERR_NOT_FOUND)
    legal_request = legal_request_get(user=user, ref=ref)
    try:
        require_legal_staff_on(legal_request, user)
    except NotFound:
        legal_request_refused(user=user, ref=ref, resource=resource, reason=REASON_OWN_REQUEST)
        raise
    return legal_request


def legal_requests_naming(*, user, target_type: str, value: str, region: str = "") -> QuerySet[LegalRequest]:
    """The requests the user may see that name an identifier, found by its blind index (targets are
    sealed). ``value`` is normalised as at intake (a phone in a national format needs ``region``); an
    account id also finds the requests whose phone or username targets resolved to that account.

    The search itself reveals who is under investigation, so it is audited, with the identifier
    hashed (``audit_hash_identifier``) as everywhere in the trail.
    """
    visible = legal_requests_visible_to(user)
    normalized = normalize_target(target_type=target_type, value=value, region=region or "ZZ")
    index = target_index(target_type=target_type, value=normalized)
    naming = Q(targets__type=target_type, targets__value_index=index)
    if target_type == TargetType.ACCOUNT_ID:
        naming |= Q(targets__account_index=index)
    audit_record(
        action=AuditAction.TARGET_SEARCHED,
        actor=user,
        details={"type": target_type, "identifier": audit_hash_identifier(normalized)},
    )
    return visible.filter(naming).distinct()
