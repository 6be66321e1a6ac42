"""Write services of the request domain. Each is atomic and writes its audit entry inside."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.errors import (
    Conflict,
    Gone,
    InvalidInput,
    NotFound,
    NotPermitted,
    PayloadTooLarge,
    TransitionNotAllowed,
)
from lawreq.roles import is_legal_staff
from requests_app.choices import Outcome, ProcessType
from requests_app.deadlines import clock_pause, clock_resume
from requests_app.documents import inspect_pdf, sanitize_filename
from requests_app.e_evidence import e_evidence_fields_check, e_evidence_values, enforcing_fields_frozen_check
from requests_app.models import (
    Agency,
    AgencyDomainChange,
    FollowUpState,
    Jurisdiction,
    LegalDocument,
    LegalRequest,
    LegalRequestGroupObjectPermission,
    LegalRequestUserObjectPermission,
    Officer,
    OfficerStatus,
    RequestSequence,
    Target,
    language_for_country,
    target_index,
)
from requests_app.officers import officer_submission_check
from requests_app.selectors import ERR_NOT_FOUND, require_legal_staff_on
from requests_app.signatures import incoming_document_unpack
from requests_app.states import EDITABLE_STATES, OPEN_STATES, State, can_transition
from requests_app.targets import normalize_target
from requests_app.trust import legal_document_signature_set, signature_audit_details
from vault.streams import StreamContent, seal_stream, stream_verify, unseal_stream

ERR_TRANSITION = "A request in state '{from_state}' cannot move to '{to_state}'."
ERR_NOT_OFFICER = "Only police officers of a registered agency can file requests."
ERR_IDEMPOTENCY_CONFLICT = "This Idempotency-Key was already used with a different request body."
ERR_DATE_RANGE = "The period of data asked starts after it ends: the first day must come before the last."
ERR_NO_TARGETS = "A request names at least one target."
ERR_TOO_MANY_TARGETS = "A request names at most {limit} targets."
ERR_JURISDICTION_REGION = "Choose a country or subdivision, not the regional layer '{code}'."
ERR_NO_DOCUMENT = "Attach the legal document (a PDF) before submitting."
ERR_DOCUMENT_STATE = (
    "Documents can be added only while the request is a draft or awaits information, or, after an emergency "
    "disclosure, as the follow-up legal process."
)
ERR_TOO_MANY_DOCUMENTS = "A request holds at most {limit} documents."
ERR_DOCUMENTS_TOO_LARGE = "A request's documents total at most {limit} bytes."
ERR_UPDATE_STATE = "A request can be changed only while it is a draft or awaits information."
ERR_OFFICER_DOMAIN = "The officer's e-mail domain is not one of the agency's official domains."
ERR_DOCUMENT_PURGED = "This document was deleted after the retention period; its digest is kept with the request."
ERR_PRESERVATION_UNKNOWN = "No preservation request {ref} of your agency exists."
ERR_OFFICER_MOVE_DOMAIN = (
    "The officer's e-mail domain '{domain}' is not one of {agency}'s official domains ({domains}): "
    "change the officer's e-mail address first, or choose the agency the address belongs to."
)
ERR_GRANT_OTHER_AGENCY = "Requests of {agency} are for its own officers only; {grantee} belongs to another agency."
ERR_GRANT_PERMISSION = "'{permission}' is not a permission on requests."
ERR_AGENCY_SUSPENDED = (
    "The agency {agency} is suspended: its requests are frozen (no proposal, approval or letter) until it is "
    "reinstated."
)
ERR_OFFICER_AGENCY_SUSPENDED = (
    "Your agency's access is suspended: you can read your agency's requests and write to the legal team, but "
    "not create, change, submit or withdraw any. Contact the platform's legal team."
)
ERR_SUSPENSION_REASON = "Give the reason for the suspension."
ERR_NOT_SUSPENDED = "The agency {agency} is not suspended."
ERR_ALREADY_SUSPENDED = "The agency {agency} is already suspended."

MAX_TARGETS = 100
FOLLOWUP_OPEN_STATES = frozenset({FollowUpState.AWAITING, FollowUpState.OVERDUE})
CODENAME_VIEW = "view_legalrequest"
# Each agency's officers share a group named so; it holds the agency's object permissions.
AGENCY_GROUP_PREFIX = "agency:"
# These come from the service itself (the caller's agency, the serializer's jurisdiction lookup),
# and the database enforces unique and check constraints: full_clean need not query for them.
FOREIGN_KEYS_CHECKED_BY_SERVICE = ["agency", "created_by", "jurisdiction", "preservation_of"]


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
    """The officer is asked for information: the response clock stops until they resubmit."""
    with transaction.atomic():
        _transition(
            legal_request=legal_request,
            to_state=State.NEEDS_INFO,
            actor=actor,
            details=details,
            info_requested=question,
        )
        clock_pause(legal_request=legal_request, actor=actor)
    return legal_request


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


def legal_request_record_rejection_letter(*, legal_request: LegalRequest) -> LegalRequest:
    """A rejected request's letter went out: record when. The caller audits RESPONSE_ISSUED."""
    LegalRequest.objects.filter(pk=legal_request.pk, state=State.REJECTED).update(responded_at=timezone.now())
    legal_request.refresh_from_db()
    return legal_request


@transaction.atomic
def agency_create(
    *,
    name: str,
    country: str,
    email_domains: list[str],
    verified: bool = False,
    callback_phone: str = "",
    language: str = "",
    actor=None,
) -> Agency:
    group = Group.objects.create(name=f"{AGENCY_GROUP_PREFIX}{uuid.uuid4().hex[:12]}")
    agency = Agency(
        name=name,
        country=country.upper(),
        email_domains=sorted({d.lower().lstrip("@") for d in email_domains}),
        verified=verified,
        callback_phone=callback_phone,
        language=language or language_for_country(country),
        group=group,
    )
    agency.full_clean()
    agency.save()
    _domain_changes_record(agency=agency, before=[], after=agency.email_domains, actor=actor)
    audit_record(
        action=AuditAction.AGENCY_CREATED,
        actor=actor,
        obj=agency,
        details={
            "name": agency.name,
            "country": agency.country,
            "email_domains": agency.email_domains,
            "language": agency.language,
        },
    )
    return agency


@transaction.atomic
def officer_create(*, user, agency: Agency, badge_number: str = "", actor=None) -> Officer:
    domain = user.email.rpartition("@")[2].lower()
    if domain not in agency.email_domains:
        raise InvalidInput(ERR_OFFICER_DOMAIN, field="email")
    now = timezone.now()
    # Created by staff (admin, demo): approved and verified from today, as an approval would.
    officer = Officer.objects.create(
        user=user,
        agency=agency,
        badge_number=badge_number,
        email_confirmed_at=now,
        approved_at=now,
        approved_by=actor if getattr(actor, "is_authenticated", False) else None,
        verified_until=now + dt.timedelta(days=settings.LAWREQ_OFFICER_REVERIFY_DAYS),
    )
    user.groups.add(agency.group, Group.objects.get(name="officer"))
    audit_record(
        action=AuditAction.OFFICER_CREATED, actor=actor, obj=officer, details={"user": user.pk, "agency": agency.pk}
    )
    return officer


def officer_email_check(*, email: str, agency: Agency) -> None:
    """Raise ``InvalidInput`` unless the e-mail address belongs to one of the agency's domains."""
    domain = email.rpartition("@")[2].lower()
    if domain not in agency.email_domains:
        raise InvalidInput(
            ERR_OFFICER_MOVE_DOMAIN.format(
                domain=domain, agency=agency.name, domains=", ".join(agency.email_domains) or "none"
            ),
            field="agency",
        )


@transaction.atomic
def officer_change_agency(*, officer: Officer, agency: Agency, actor) -> Officer:
    """Move an officer to another agency: the new agency's domains must match the officer's e-mail;
    every access the old agency gave is taken back (its group, and any request granted to the
    officer personally outside the new agency). Audited."""
    locked = Officer.objects.select_for_update().select_related("user", "agency").get(pk=officer.pk)
    old_agency = locked.agency
    if old_agency.pk == agency.pk:
        return locked
    officer_email_check(email=locked.user.email, agency=agency)
    user = locked.user
    user.groups.remove(old_agency.group)
    user.groups.add(agency.group)
    personal_grants = LegalRequestUserObjectPermission.objects.filter(user=user).exclude(content_object__agency=agency)
    revoked = sorted(personal_grants.values_list("content_object__ref", flat=True))
    personal_grants.delete()
    locked.agency = agency
    locked.save(update_fields=["agency"])
    audit_record(
        action=AuditAction.OFFICER_AGENCY_CHANGED,
        actor=actor,
        obj=locked,
        details={
            "user": user.pk,
            "from_agency": old_agency.pk,
            "to_agency": agency.pk,
            "personal_grants_revoked": revoked,
        },
    )
    officer.refresh_from_db()
    return officer


def _permission_on_requests(codename: str) -> Permission:
    permission = Permission.objects.filter(codename=codename, content_type__app_label="requests_app").first()
    if permission is None or not codename.endswith("_legalrequest"):
        raise InvalidInput(ERR_GRANT_PERMISSION.format(permission=codename))
    return permission


def _grantee_details(*, legal_request: LegalRequest, user=None, group: Group | None = None) -> dict[str, Any]:
    """Who receives the permission, refused when it is another agency's officer or group."""
    if user is not None:
        officer = Officer.objects.filter(user=user).select_related("agency").first()
        if officer is not None and officer.agency_id != legal_request.agency_id:
            raise InvalidInput(
                ERR_GRANT_OTHER_AGENCY.format(agency=legal_request.agency.name, grantee=user.get_username())
            )
        return {"user": user.pk}
    other_agency = Agency.objects.filter(group=group).exclude(pk=legal_request.agency_id).first()
    if other_agency is not None:
        raise InvalidInput(ERR_GRANT_OTHER_AGENCY.format(agency=legal_request.agency.name, grantee=other_agency.name))
    return {"group": group.pk}


def legal_request_access_grant_check(
    *, legal_request: LegalRequest, codename: str, user=None, group: Group | None = None
) -> None:
    """Raise ``InvalidInput`` if ``legal_request_access_grant`` would refuse this grant."""
    _permission_on_requests(codename)
    _grantee_details(legal_request=legal_request, user=user, group=group)


@transaction.atomic
def legal_request_access_grant(
    *, legal_request: LegalRequest, codename: str, actor, user=None, group: Group | None = None
) -> None:
    """Grant an object permission on one request to a user or a group (guardian), audited."""
    permission = _permission_on_requests(codename)
    details = _grantee_details(legal_request=legal_request, user=user, group=group)
    if user is not None:
        LegalRequestUserObjectPermission.objects.get_or_create(
            user=user, permission=permission, content_object=legal_request
        )
    else:
        LegalRequestGroupObjectPermission.objects.get_or_create(
            group=group, permission=permission, content_object=legal_request
        )
    _access_granted_audit(legal_request=legal_request, codename=codename, actor=actor, details=details)


def _access_granted_audit(*, legal_request: LegalRequest, codename: str, actor, details: dict[str, Any]) -> None:
    audit_record(
        action=AuditAction.ACCESS_GRANTED,
        actor=actor,
        obj=legal_request,
        request_ref=legal_request.ref,
        details={"permission": codename, **details},
    )


def _grant_to_own_agency(*, legal_request: LegalRequest, actor) -> None:
    """A new request is visible to its agency's officers: the grant of ``legal_request_access_grant``
    without its checks, which a request's own agency passes by construction (the intake's hot path)."""
    LegalRequestGroupObjectPermission.objects.create(
        group_id=legal_request.agency.group_id,
        permission=_permission_on_requests(CODENAME_VIEW),
        content_object=legal_request,
    )
    _access_granted_audit(
        legal_request=legal_request,
        codename=CODENAME_VIEW,
        actor=actor,
        details={"group": legal_request.agency.group_id},
    )


@transaction.atomic
def legal_request_access_revoke(
    *, legal_request: LegalRequest, codename: str, actor, user=None, group: Group | None = None
) -> None:
    """Take an object permission on one request back from a user or a group, audited."""
    permission = _permission_on_requests(codename)
    if user is not None:
        LegalRequestUserObjectPermission.objects.filter(
            user=user, permission=permission, content_object=legal_request
        ).delete()
        details = {"user": user.pk}
    else:
        LegalRequestGroupObjectPermission.objects.filter(
            group=group, permission=permission, content_object=legal_request
        ).delete()
        details = {"group": group.pk}
    audit_record(
        action=AuditAction.ACCESS_REVOKED,
        actor=actor,
        obj=legal_request,
        request_ref=legal_request.ref,
        details={"permission": codename, **details},
    )


def _next_reference(year: int) -> str:
    sequence, _ = RequestSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"LR-{year}-{sequence.last:06d}"


def _fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


def legal_request_create(
    *, actor, data: dict[str, Any], idempotency_key: str | None = None, raw_payload: dict | None = None
) -> tuple[LegalRequest, bool]:
    """Create a draft for the actor's agency. Returns (request, created).

    With an idempotency key, a retry with the same body returns the first request; the same key
    with another body is a conflict.
    """
    officer = Officer.objects.select_related("agency").filter(user_id=actor.pk).first()
    if officer is None:
        raise NotPermitted(ERR_NOT_OFFICER)
    if officer.agency.is_suspended:
        raise NotPermitted(ERR_OFFICER_AGENCY_SUSPENDED)
    fingerprint = _fingerprint(raw_payload if raw_payload is not None else data) if idempotency_key else ""
    if idempotency_key:
        existing = LegalRequest.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _idempotent_replay(existing, fingerprint)
    try:
        with transaction.atomic():
            return _create_draft(
                actor=actor, officer=officer, data=data, key=idempotency_key, fingerprint=fingerprint
            ), True
    except IntegrityError:
        # A concurrent retry with the same key won the race.
        existing = LegalRequest.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
        if idempotency_key and existing is not None:
            return _idempotent_replay(existing, fingerprint)
        raise


def _idempotent_replay(existing: LegalRequest, fingerprint: str) -> tuple[LegalRequest, bool]:
    if existing.idempotency_fingerprint != fingerprint:
        raise Conflict(ERR_IDEMPOTENCY_CONFLICT)
    return existing, False


def _create_draft(*, actor, officer: Officer, data: dict[str, Any], key: str | None, fingerprint: str) -> LegalRequest:
    data = dict(data)
    targets = data.pop("targets", [])
    jurisdiction: Jurisdiction = data["jurisdiction"]
    _check_request_fields(jurisdiction=jurisdiction, data=data, targets=targets)
    e_evidence_fields_check(
        jurisdiction=jurisdiction, process_type=data["process_type"], values=e_evidence_values(None, data)
    )
    preservation_ref = data.pop("preservation_of", None)
    legal_request = LegalRequest(
        ref=_next_reference(timezone.now().year),
        agency=officer.agency,
        created_by=actor,
        idempotency_key=key,
        idempotency_fingerprint=fingerprint,
        preservation_of=_preservation_for(officer.agency, preservation_ref),
        **data,
    )
    _emergency_in_step(legal_request)
    legal_request.full_clean(exclude=FOREIGN_KEYS_CHECKED_BY_SERVICE, validate_unique=False, validate_constraints=False)
    legal_request.save()
    _store_targets(legal_request, targets)
    _grant_to_own_agency(legal_request=legal_request, actor=actor)
    if officer.status != OfficerStatus.APPROVED:
        # Not yet in the agency's group (officer_approve adds them): they see their own drafts only.
        legal_request_access_grant(legal_request=legal_request, codename=CODENAME_VIEW, actor=actor, user=actor)
    audit_record(
        action=AuditAction.REQUEST_CREATED,
        actor=actor,
        obj=legal_request,
        request_ref=legal_request.ref,
        details={
            "jurisdiction": jurisdiction.code,
            "process_type": legal_request.process_type,
            "emergency": legal_request.emergency,
            "authenticity_certificate": legal_request.authenticity_certificate,
            "categories": legal_request.categories,
            "target_count": len(targets),
        },
    )
    return legal_request


def _emergency_in_step(legal_request: LegalRequest) -> None:
    """An emergency disclosure request is an emergency, whatever the flag sent with it says: the
    call-back, the emergency deadlines and justification and the follow-up all hang on it."""
    if legal_request.process_type == ProcessType.EMERGENCY_DISCLOSURE:
        legal_request.emergency = True


def _check_request_fields(*, jurisdiction: Jurisdiction, data: dict[str, Any], targets: list[dict]) -> None:
    if jurisdiction.is_region:
        raise InvalidInput(ERR_JURISDICTION_REGION.format(code=jurisdiction.code), field="jurisdiction")
    date_from, date_to = data.get("date_from"), data.get("date_to")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(ERR_DATE_RANGE, field="date_from")
    if targets is not None and not targets:
        raise InvalidInput(ERR_NO_TARGETS, field="targets")
    if targets and len(targets) > MAX_TARGETS:
        raise InvalidInput(ERR_TOO_MANY_TARGETS.format(limit=MAX_TARGETS), field="targets")


def _preservation_for(agency: Agency, ref: str | None) -> LegalRequest | None:
    if not ref:
        return None
    preservation = LegalRequest.objects.filter(ref=ref, agency=agency, process_type="preservation_order").first()
    if preservation is None:
        raise InvalidInput(ERR_PRESERVATION_UNKNOWN.format(ref=ref), field="preservation_of")
    return preservation


def _normalized_targets(legal_request: LegalRequest, targets: list[dict]) -> list[tuple[str, str]]:
    """The targets normalised, duplicates dropped, in the order given."""
    region = legal_request.jurisdiction.country_code
    normalized: dict[tuple[str, str], None] = {}
    for index, target in enumerate(targets):
        try:
            value = normalize_target(target_type=target["type"], value=target["value"], region=region)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=f"targets[{index}].value")
        normalized[(target["type"], value)] = None
    return list(normalized)


def _store_targets(legal_request: LegalRequest, targets: list[dict]) -> None:
    Target.objects.bulk_create(
        Target(legal_request=legal_request, type=target_type, value=value, position=position)
        for position, (target_type, value) in enumerate(_normalized_targets(legal_request, targets), start=1)
    )


def _replace_targets(legal_request: LegalRequest, targets: list[dict]) -> None:
    """A corrected list of targets: a target named again keeps its row (and what refers to it); each
    is labelled 1, 2, 3 in the order given; a target no longer named is removed."""
    wanted = _normalized_targets(legal_request, targets)
    # Matched by blind index: nothing is unsealed to compare.
    indexes = [(target_type, target_index(target_type=target_type, value=value)) for target_type, value in wanted]
    kept = {(t.type, t.value_index): t for t in Target.objects.filter(legal_request=legal_request)}
    Target.objects.filter(pk__in=[t.pk for key, t in kept.items() if key not in set(indexes)]).delete()
    changed, created = [], []
    for position, ((target_type, value), key) in enumerate(zip(wanted, indexes, strict=True), start=1):
        target = kept.get(key)
        if target is None:
            created.append(Target(legal_request=legal_request, type=target_type, value=value, position=position))
        elif target.position != position:
            target.position = position
            changed.append(target)
    Target.objects.bulk_update(changed, ["position"])
    Target.objects.bulk_create(created)


@transaction.atomic
def legal_request_update(*, legal_request: LegalRequest, actor, data: dict[str, Any]) -> LegalRequest:
    """Officers correct a draft, or a request the legal team sent back with a question."""
    locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
    _require_agency_not_suspended(locked)
    if locked.state not in EDITABLE_STATES:
        raise TransitionNotAllowed(ERR_UPDATE_STATE)
    data = dict(data)
    targets = data.pop("targets", None)
    enforcing_fields_frozen_check(legal_request=locked, data=data)
    merged_jurisdiction = data.get("jurisdiction", locked.jurisdiction)
    merged = {"date_from": locked.date_from, "date_to": locked.date_to, **data}
    _check_request_fields(jurisdiction=merged_jurisdiction, data=merged, targets=targets)
    e_evidence_fields_check(
        jurisdiction=merged_jurisdiction,
        process_type=data.get("process_type", locked.process_type),
        values=e_evidence_values(locked, data),
    )
    if "preservation_of" in data:
        data["preservation_of"] = _preservation_for(locked.agency, data["preservation_of"])
    for field, value in data.items():
        setattr(locked, field, value)
    _emergency_in_step(locked)
    locked.full_clean(exclude=FOREIGN_KEYS_CHECKED_BY_SERVICE, validate_unique=False, validate_constraints=False)
    locked.save()
    if targets is not None:
        _replace_targets(locked, targets)
    audit_record(
        action=AuditAction.REQUEST_UPDATED,
        actor=actor,
        obj=locked,
        request_ref=locked.ref,
        details={"fields": sorted(data) + (["targets"] if targets is not None else [])},
    )
    legal_request.refresh_from_db()
    return legal_request


def _check_document_caps(legal_request: LegalRequest, size: int) -> None:
    stored = legal_request.documents.aggregate(count=Count("pk"), total=Sum("size"))
    if stored["count"] >= settings.LAWREQ_MAX_DOCUMENTS_PER_REQUEST:
        raise Conflict(ERR_TOO_MANY_DOCUMENTS.format(limit=settings.LAWREQ_MAX_DOCUMENTS_PER_REQUEST))
    if (stored["total"] or 0) + size > settings.LAWREQ_MAX_REQUEST_DOCUMENTS_BYTES:
        raise PayloadTooLarge(ERR_DOCUMENTS_TOO_LARGE.format(limit=settings.LAWREQ_MAX_REQUEST_DOCUMENTS_BYTES))


@transaction.atomic
def legal_request_add_document(
    *, legal_request: LegalRequest, actor, upload: UploadedFile, signature: UploadedFile | None = None
) -> LegalDocument:
    """Check the PDF, then store it sealed, streamed from the upload segment by segment.

    ``upload`` is a PDF (``signature``: its detached CAdES signature, optional), a signed ``.p7m``
    or an ASiC container holding one; the PDF is what is stored, its signature is checked against the
    jurisdiction's trust roots (``requests_app.signatures``) and the result kept with it.
    The request row is locked before the caps are counted, so two uploads at once cannot both pass
    them; a refused upload leaves no file and no row.
    """
    incoming = incoming_document_unpack(upload, signature=signature)
    upload = incoming.upload
    sha256 = inspect_pdf(upload)
    locked = LegalRequest.objects.select_for_update().select_related("agency", "jurisdiction").get(pk=legal_request.pk)
    if locked.agency.is_suspended:
        raise NotPermitted(ERR_OFFICER_AGENCY_SUSPENDED)
    followup = locked.followup_state in FOLLOWUP_OPEN_STATES
    if locked.state not in EDITABLE_STATES and not followup:
        raise TransitionNotAllowed(ERR_DOCUMENT_STATE)
    _check_document_caps(locked, upload.size)
    document = LegalDocument(
        legal_request=locked, name=sanitize_filename(upload.name), sha256=sha256, size=upload.size, uploaded_by=actor
    )
    upload.seek(0)
    # Bounded by the document size limit, checked above; pyHanko reads the PDF at random.
    legal_document_signature_set(
        document=document, jurisdiction=locked.jurisdiction, incoming=incoming, pdf=upload.read()
    )
    upload.seek(0)
    sealed = StreamContent(seal_stream(upload.chunks(), context=document.seal_context()))
    stored_name = default_storage.save(f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf.sealed", sealed)
    document.file.name = stored_name
    try:
        document.save()
    except Exception:
        # Django has no on-rollback hook; the file written just before is removed here, and it is
        # ciphertext only should an outer transaction roll back later.
        default_storage.delete(stored_name)
        raise
    audit_record(
        action=AuditAction.REQUEST_DOCUMENT_ADDED,
        actor=actor,
        obj=document,
        request_ref=locked.ref,
        details={"sha256": sha256, "size": document.size, **({"followup": True} if followup else {})},
    )
    audit_record(
        action=AuditAction.DOCUMENT_SIGNATURE_CHECKED,
        actor=actor,
        obj=document,
        request_ref=locked.ref,
        details=signature_audit_details(document),
    )
    return document


@dataclass(frozen=True)
class DocumentDownload:
    name: str
    size: int
    chunks: Iterator[bytes]  # the clear PDF, decrypted segment by segment as it is sent


def legal_document_download(*, legal_request: LegalRequest, actor, document_id: int) -> DocumentDownload:
    """A legal document of a request the caller may see (the caller checked that), decrypted as a
    stream. The whole file is authenticated before anything is returned, so an altered file is a
    409 (audited by ``vault``), never half a PDF; the download is audited as a read of personal data."""
    document = legal_request.documents.filter(pk=document_id).first()
    if document is None:
        raise NotFound(ERR_NOT_FOUND)
    if document.purged_at is not None:
        raise Gone(ERR_DOCUMENT_PURGED)
    context = document.seal_context()
    with document.file.open("rb") as source:
        stream_verify(source, context=context, actor=actor, request_ref=legal_request.ref)
    with transaction.atomic():
        audit_record(
            action=AuditAction.DOCUMENT_DOWNLOADED,
            actor=actor,
            obj=document,
            request_ref=legal_request.ref,
            details={"document_id": document.pk, "sha256": document.sha256},
        )

    def decrypted() -> Iterator[bytes]:
        with document.file.open("rb") as source:
            yield from unseal_stream(source, context=context, actor=actor, request_ref=legal_request.ref)

    return DocumentDownload(name=document.name, size=document.size, chunks=decrypted())


def legal_request_submit(
    *, legal_request: LegalRequest, actor, received_at: dt.datetime, due_at: dt.datetime | None
) -> LegalRequest:
    """Draft (or a request awaiting information) to ``received``. A first submission records when
    it was received and when it is due; an answer to a question keeps both."""
    with transaction.atomic():
        officer_submission_check(actor=actor)
        _require_agency_not_suspended(legal_request)
        if not legal_request.documents.exists():
            if legal_request.state not in EDITABLE_STATES:
                raise TransitionNotAllowed(
                    ERR_TRANSITION.format(from_state=legal_request.state, to_state=State.RECEIVED)
                )
            raise Conflict(ERR_NO_DOCUMENT)
        # Each (re)submission is recorded: what was verified before it (a call-back) was another text.
        changes: dict[str, Any] = {"submitted_at": received_at}
        details: dict[str, Any] = {}
        if legal_request.received_at is None:
            changes |= {"received_at": received_at, "due_at": due_at}
            # The deadline in the trail lets the SLA report be recounted from the audit log alone.
            # What the transparency dataset counts at first receipt, recountable from the trail alone.
            details = {
                "due_at": due_at.astimezone(dt.UTC).isoformat(),
                "accounts_specified": legal_request.targets.count(),
                "nondisclosure": legal_request.nondisclosure_until is not None,
                "content": "content" in (legal_request.categories or []),
            }
        elif legal_request.state == State.NEEDS_INFO:
            clock_resume(legal_request=legal_request, actor=actor)
        return _transition(
            legal_request=legal_request, to_state=State.RECEIVED, actor=actor, details=details, **changes
        )


def _require_agency_not_suspended(legal_request: LegalRequest) -> None:
    """The officer side of a freeze: a suspended agency's account may be in a forger's hands, so it may
    not change, submit or withdraw a request (a withdrawal would close the case under investigation and
    destroy its disclosed data). Reading and messages stay open: they change no request, and the legal
    team needs to talk to the agency while it investigates."""
    if Agency.objects.filter(pk=legal_request.agency_id, suspended_at__isnull=False).exists():
        raise NotPermitted(ERR_OFFICER_AGENCY_SUSPENDED)


def legal_request_withdraw(
    *, legal_request: LegalRequest, actor, reason: str = "", details: dict | None = None
) -> LegalRequest:
    _require_agency_not_suspended(legal_request)
    return _transition(
        legal_request=legal_request,
        to_state=State.WITHDRAWN,
        actor=actor,
        details={"reason_given": bool(reason), **(details or {})},
    )


# Assignment: who of the legal team has the request in hand.

ERR_ASSIGNEE_UNKNOWN = "No analyst or reviewer is called '{username}'."
ERR_ASSIGNEE_NOT_STAFF = "Only an analyst or a reviewer can be assigned a request."
ERR_ASSIGNEE_OWN_REQUEST = "Nobody is assigned a request they filed themselves."
ERR_ASSIGN_NOTHING = "Choose at least one request to assign."


def assignee_by_username(username: str | None):
    """The legal team member called ``username`` (None for nobody), or 400 on ``assignee``."""
    if username is None or username == "":
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise InvalidInput(ERR_ASSIGNEE_UNKNOWN.format(username=str(username)[:150]), field="assignee")
    return user


@transaction.atomic
def legal_request_assign(*, legal_request: LegalRequest, actor, assignee) -> LegalRequest:
    """Give the request to an analyst or a reviewer (or to nobody, ``assignee=None``); audited.

    The actor is of the legal team and not the requesting officer (404 otherwise, as for every
    review resource); so is the assignee (400)."""
    require_legal_staff_on(legal_request, actor)
    if assignee is not None:
        if not is_legal_staff(assignee):
            raise InvalidInput(ERR_ASSIGNEE_NOT_STAFF, field="assignee")
        if assignee.pk == legal_request.created_by_id:
            raise InvalidInput(ERR_ASSIGNEE_OWN_REQUEST, field="assignee")
    locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
    previous = locked.assignee_id
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    audit_record(
        action=AuditAction.REQUEST_ASSIGNED,
        actor=actor,
        obj=locked,
        request_ref=locked.ref,
        details={"from": previous, "to": assignee.pk if assignee is not None else None},
    )
    legal_request.assignee = assignee
    return legal_request


@transaction.atomic
def legal_requests_assign(*, legal_requests: list[LegalRequest], actor, assignee) -> int:
    """Bulk assignment from the queue: all or nothing, each request audited."""
    if not legal_requests:
        raise InvalidInput(ERR_ASSIGN_NOTHING, field="refs")
    for legal_request in sorted(legal_requests, key=lambda item: item.pk):  # lock in one order: no deadlock
        legal_request_assign(legal_request=legal_request, actor=actor, assignee=assignee)
    return len(legal_requests)


# The registry of agencies: official domains (their history is a risk signal) and suspension.


def _domain_changes_record(*, agency: Agency, before: list[str], after: list[str], actor) -> dict[str, list[str]]:
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    AgencyDomainChange.objects.bulk_create(
        [AgencyDomainChange(agency=agency, domain=domain, added=True, changed_by=actor) for domain in added]
        + [AgencyDomainChange(agency=agency, domain=domain, added=False, changed_by=actor) for domain in removed]
    )
    return {"added": added, "removed": removed}


@transaction.atomic
def agency_domains_set(*, agency: Agency, email_domains: list[str], actor) -> Agency:
    """Replace the agency's official e-mail domains, recording each one added or removed (and when)."""
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    before = list(locked.email_domains)
    after = sorted({domain.lower().lstrip("@") for domain in email_domains if domain})
    changes = _domain_changes_record(agency=locked, before=before, after=after, actor=actor)
    if changes["added"] or changes["removed"]:
        locked.email_domains = after
        locked.save(update_fields=["email_domains"])
        audit_record(action=AuditAction.AGENCY_DOMAINS_CHANGED, actor=actor, obj=locked, details=changes)
    agency.refresh_from_db()
    return agency


def legal_request_require_not_frozen(legal_request: LegalRequest) -> None:
    """Raise ``Conflict`` (409) while the request's agency is suspended: nothing proceeds on its requests."""
    agency = Agency.objects.filter(pk=legal_request.agency_id).only("name", "suspended_at").first()
    if agency is not None and agency.is_suspended:
        raise Conflict(ERR_AGENCY_SUSPENDED.format(agency=agency.name))


def _open_request_refs(agency: Agency) -> list[str]:
    return sorted(LegalRequest.objects.filter(agency=agency, state__in=OPEN_STATES).values_list("ref", flat=True))


@transaction.atomic
def agency_suspend(*, agency: Agency, actor, reason: str) -> Agency:
    """Suspend an agency (a compromised account, a forged request): its open requests are frozen and
    flagged, its officers can read but not create nor submit. Audited, with the requests it froze."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(ERR_SUSPENSION_REASON, field="reason")
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    if locked.is_suspended:
        raise Conflict(ERR_ALREADY_SUSPENDED.format(agency=locked.name))
    locked.suspended_at = timezone.now()
    locked.suspension_reason = reason[:2000]
    locked.save(update_fields=["suspended_at", "suspension_reason"])
    frozen = _open_request_refs(locked)
    audit_record(
        action=AuditAction.AGENCY_SUSPENDED,
        actor=actor,
        obj=locked,
        details={"agency": locked.pk, "frozen_requests": frozen},
    )
    for ref in frozen:
        audit_record(
            action=AuditAction.REQUEST_FLAGGED,
            actor=actor,
            request_ref=ref,
            details={"flag": "agency_suspended", "agency": locked.pk},
        )
    agency.refresh_from_db()
    return agency


@transaction.atomic
def agency_reinstate(*, agency: Agency, actor, reason: str = "") -> Agency:
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    if not locked.is_suspended:
        raise Conflict(ERR_NOT_SUSPENDED.format(agency=locked.name))
    suspended_at = locked.suspended_at
    locked.suspended_at = None
    locked.suspension_reason = ""
    locked.save(update_fields=["suspended_at", "suspension_reason"])
    audit_record(
        action=AuditAction.AGENCY_REINSTATED,
        actor=actor,
        obj=locked,
        details={
            "agency": locked.pk,
            "suspended_at": suspended_at.isoformat(),
            "reason_given": bool((reason or "").strip()),
            "open_requests": _open_request_refs(locked),
        },
    )
    agency.refresh_from_db()
    return agency


# Emergency follow-through: the legal process (or the validation) owed after an emergency disclosure.

ERR_FOLLOWUP_NOT_AWAITED = "No follow-up legal process is awaited for this request."
ERR_FOLLOWUP_DOCUMENT = "Document #{id} is not a follow-up document of this request."


@transaction.atomic
def legal_request_followup_open(*, legal_request: LegalRequest, due_at: dt.datetime) -> bool:
    """Start awaiting the follow-up of a responded emergency disclosure, due by ``due_at``. Returns
    whether it started now (a second call changes nothing)."""
    opened = LegalRequest.objects.filter(
        Q(emergency=True) | Q(process_type=ProcessType.EMERGENCY_DISCLOSURE), pk=legal_request.pk, followup_state=""
    ).update(followup_state=FollowUpState.AWAITING, followup_due_at=due_at)
    if opened:
        audit_record(
            action=AuditAction.FOLLOWUP_REQUESTED,
            request_ref=legal_request.ref,
            details={
                "due_at": due_at.astimezone(dt.UTC).isoformat(),
                "jurisdiction": legal_request.jurisdiction.code,
            },
        )
    legal_request.refresh_from_db()
    return bool(opened)


@transaction.atomic
def legal_request_followup_receive(*, legal_request: LegalRequest, actor, document_id: int | None) -> LegalRequest:
    """The legal team marks the follow-up legal process received (one of the request's documents
    added after the response). Audited."""
    require_legal_staff_on(legal_request, actor)
    locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
    if locked.followup_state not in FOLLOWUP_OPEN_STATES:
        raise Conflict(ERR_FOLLOWUP_NOT_AWAITED)
    document = None
    if document_id is not None:
        document = locked.documents.filter(pk=document_id).first()
        if document is None or (locked.responded_at and document.uploaded_at < locked.responded_at):
            raise InvalidInput(ERR_FOLLOWUP_DOCUMENT.format(id=document_id), field="document")
    was = locked.followup_state
    locked.followup_state = FollowUpState.RECEIVED
    locked.followup_received_at = timezone.now()
    locked.followup_document = document
    locked.save(update_fields=["followup_state", "followup_received_at", "followup_document", "updated_at"])
    audit_record(
        action=AuditAction.FOLLOWUP_RECEIVED,
        actor=actor,
        obj=locked,
        request_ref=locked.ref,
        details={
            "document_id": document.pk if document else None,
            "sha256": document.sha256 if document else None,
            "was": was,
            "late": bool(locked.followup_due_at and locked.followup_received_at > locked.followup_due_at),
        },
    )
    legal_request.refresh_from_db()
    return legal_request


def legal_request_followup_mark_overdue(*, legal_request_id: int, now: dt.datetime) -> LegalRequest | None:
    """Claim one awaited follow-up past its due time as overdue; the request, or None when another
    run (or a receipt) got there first. The caller escalates, in the same transaction."""
    claimed = LegalRequest.objects.filter(
        pk=legal_request_id, followup_state=FollowUpState.AWAITING, followup_due_at__lte=now
    ).update(followup_state=FollowUpState.OVERDUE)
    if not claimed:
        return None
    legal_request = LegalRequest.objects.get(pk=legal_request_id)
    audit_record(
        action=AuditAction.FOLLOWUP_OVERDUE,
        obj=legal_request,
        request_ref=legal_request.ref,
        details={"due_at": legal_request.followup_due_at.astimezone(dt.UTC).isoformat()},
    )
    return legal_request
