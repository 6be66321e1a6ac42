"""Read access to requests. Every query that returns requests goes through these filters."""

from __future__ import annotations

import re

import phonenumbers
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from audit.actions import AuditAction
from audit.services import audit_hash_identifier, audit_permission_denied, audit_record
from lawreq.errors import InvalidInput, NotFound, NotPermitted
from lawreq.roles import STAFF_ROLES, is_legal_staff
from requests_app.choices import TargetType
from requests_app.models import Jurisdiction, LegalRequest, Target, target_index
from requests_app.targets import normalize_account_id, normalize_username

ERR_NOT_FOUND = "No such request."
ERR_ROLE = "Your role has no access to requests."
ERR_OFFICERS_ONLY = "Only the agency's officers can do this."
ERR_TARGET_SEARCH_STAFF_ONLY = "Only analysts and reviewers search requests by target."
MAX_SEARCH_LENGTH = 200
REF_PREFIX = "LR-"
REF_WITHOUT_PREFIX = re.compile(r"\d{4}-\d{6}")
TARGET_SEARCH_RESOURCE = "requests_app.legalrequest.target_search"

PERMISSION_VIEW = "requests_app.view_legalrequest"
RESOURCE = "requests_app.legalrequest"
REASON_OUT_OF_REACH = "outside the caller's reach"
REASON_ROLE = "the caller's role has no access to requests"
REASON_OFFICERS_ONLY = "for the agency's officers only"
REASON_STAFF_ONLY = "for the legal team only"
REASON_OWN_REQUEST = "nobody reviews their own request"


def legal_requests_visible_to(user) -> QuerySet[LegalRequest]:
    """Staff see every request; an officer sees those granted to their agency's group."""
    base = LegalRequest.objects.select_related("jurisdiction", "agency", "assignee")
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


# Search


def legal_requests_matching(queryset: QuerySet[LegalRequest], text: str) -> QuerySet[LegalRequest]:
    """Requests of ``queryset`` (the caller's reach) whose reference or case number is ``text``,
    case-insensitive; both are indexed."""
    text = (text or "").strip()[:MAX_SEARCH_LENGTH]
    if not text:
        return queryset
    match = Q(ref=text.upper()) | Q(case_number__iexact=text)
    if REF_WITHOUT_PREFIX.fullmatch(text):  # "2026-000003": the reference without its "LR-"
        match |= Q(ref=f"{REF_PREFIX}{text}")
    return queryset.filter(match)


def target_identifier_readable(identifier: str) -> bool:
    """Whether a target search can stand for anything: a phone number, a username or an account id."""
    identifier = (identifier or "").strip()[:MAX_SEARCH_LENGTH]
    return bool(identifier) and bool(_target_candidates(identifier))


def _target_candidates(identifier: str) -> set[tuple[str, str]]:
    """Every (type, normalised value) an identifier typed in any format may stand for: a phone
    number read in each jurisdiction's region (or international), a username, an account id."""
    candidates: set[tuple[str, str]] = set()
    regions = {
        code.split("-")[0] for code in Jurisdiction.objects.filter(is_region=False).values_list("code", flat=True)
    }
    for region in sorted(regions) or ["US"]:
        try:
            number = phonenumbers.parse(identifier, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            candidates.add((TargetType.PHONE, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)))
    for target_type, normalize in (
        (TargetType.USERNAME, normalize_username),
        (TargetType.ACCOUNT_ID, normalize_account_id),
    ):
        try:
            candidates.add((target_type, normalize(identifier)))
        except InvalidInput:  # not an identifier of this type: nothing to look for
            continue
    return candidates


def legal_requests_naming_target(queryset: QuerySet[LegalRequest], *, identifier: str, actor) -> QuerySet[LegalRequest]:
    """Requests of ``queryset`` naming this phone number (any format), username or account id.

    The one place where requests are searched by target. Targets are sealed: the search compares
    blind indexes (``target_index``) of every reading of the identifier, and an account id also finds
    the requests whose phone or username targets resolved to that account. Analysts and reviewers
    only; every search is audited with the identifier hashed, never in clear.
    """
    if not is_legal_staff(actor):
        # An attempt to look people up is worth a trace; the identifier itself is not recorded.
        audit_permission_denied(actor=actor, resource=TARGET_SEARCH_RESOURCE, reason=REASON_STAFF_ONLY)
        raise NotPermitted(ERR_TARGET_SEARCH_STAFF_ONLY)
    identifier = (identifier or "").strip()[:MAX_SEARCH_LENGTH]
    candidates = _target_candidates(identifier) if identifier else set()
    audit_record(
        action=AuditAction.TARGET_SEARCHED,
        actor=actor,
        details={
            "identifier_hash": audit_hash_identifier(identifier),
            "candidates": sorted(audit_hash_identifier(value) for _type, value in candidates),
        },
    )
    if not candidates:
        return queryset.none()
    match = Q()
    for target_type, value in candidates:
        index = target_index(target_type=target_type, value=value)
        match |= Q(type=target_type, value_index=index)
        if target_type == TargetType.ACCOUNT_ID:
            match |= Q(account_index=index)
    return queryset.filter(Exists(Target.objects.filter(match, legal_request=OuterRef("pk"))))


def legal_staff_members() -> QuerySet:
    """The analysts and reviewers a request can be assigned to."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[role.value for role in STAFF_ROLES])
        .distinct()
        .order_by("username")
    )
