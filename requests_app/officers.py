"""Verified officers: self-registration with an official e-mail address, its confirmation, the
platform's approval, yearly re-verification and deactivation. Every step is audited.

An officer files requests only while ``approved`` and within ``verified_until``
(``officer_submission_check``, called by the submission service). Until approved, an officer may
log in and draft, but sees only their own drafts: they join their agency's group, which sees the
agency's requests, on approval, and leave it on deactivation (the requests stay granted to the
group, so their colleagues keep reading them).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_hash_identifier, audit_record
from lawreq.errors import Conflict, InvalidInput, NotPermitted
from lawreq.links import public_url
from lawreq.roles import Role, has_role, is_legal_staff
from requests_app.models import (
    Agency,
    ApiToken,
    LegalRequest,
    LegalRequestGroupObjectPermission,
    LegalRequestUserObjectPermission,
    Officer,
    OfficerStatus,
)

logger = logging.getLogger(__name__)

ERR_DOMAIN_NOT_VERIFIED = (
    "This e-mail address is not at an official domain of an agency verified by the platform. Register with your "
    "official work address; if it is one, your agency must first be verified by the platform."
)
ERR_LINK_INVALID = "This confirmation link is not valid. Use the latest link sent to you, or register again."
ERR_LINK_EXPIRED = "This confirmation link has expired. Log in, or register again, to be sent a new one."
ERR_NOT_APPROVED = (
    "Your account awaits the platform's approval: you may prepare drafts, but you can submit requests only once "
    "it is approved."
)
ERR_REVERIFY = (
    "Your verification has lapsed: confirm your e-mail address again (the link from the page 'Your account') "
    "and wait for the platform's approval before submitting."
)
ERR_OFFICER_INACTIVE = "This officer account is deactivated or was refused: it cannot submit requests."
ERR_DECIDE_STATE = "Only an officer awaiting approval or re-verification can be approved or refused."
ERR_DECIDE_ROLE = "Only the legal team or an administrator approves officers."
ERR_EMAIL_TOO_LONG = "An e-mail address of at most 150 characters, please."
MAX_EMAIL_LENGTH = 150  # the address is the username

SIGNING_SALT = "lawreq.officer-email-confirmation"
OFFICER_GROUP = "officer"


@dataclass(frozen=True)
class Registration:
    officer: Officer | None  # None when the address already had an account (nothing is revealed)
    link: str


def _domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def agency_for_email(email: str) -> Agency | None:
    """The verified agency whose official domains include the address's domain, if exactly one."""
    domain = _domain(email)
    if not domain:
        return None
    matches = [agency for agency in Agency.objects.filter(verified=True) if domain in agency.email_domains]
    return matches[0] if len(matches) == 1 else None


def _new_link(officer: Officer, base_url: str = "") -> str:
    """A fresh single-use link; absolute with ``LAWREQ_PUBLIC_URL`` (else the page's own address,
    ``base_url``, checked against ALLOWED_HOSTS by Django; the beat's reminders need the setting)."""
    officer.email_link_nonce = secrets.token_hex(16)
    officer.save(update_fields=["email_link_nonce"])
    token = signing.TimestampSigner(salt=SIGNING_SALT).sign(f"{officer.pk}:{officer.email_link_nonce}")
    path = reverse("web:register-confirm", kwargs={"token": token})
    return public_url(path, base_url=base_url)


def _send_link(officer: Officer, link: str, *, reverify: bool) -> None:
    subject = "Confirm your e-mail address" + (" to renew your verification" if reverify else "")
    body = (
        f"Open this link to confirm the address of your {settings.LAWREQ_PLATFORM_NAME} law-enforcement account "
        f"(valid {settings.LAWREQ_OFFICER_CONFIRM_HOURS} hours, once):\n\n{link}\n\n"
        f"Your username is your e-mail address: {officer.user.username}\n"
        "The platform then checks your registration before you can submit requests.\n"
    )
    transaction.on_commit(lambda: send_mail(subject, body, None, [officer.user.email]))


def officer_register(*, name: str, email: str, badge_number: str, password: str, base_url: str = "") -> Registration:
    """Register an officer of a verified agency: an inactive account until the e-mail is confirmed.

    Refused (400) for an address whose domain is no verified agency's, with one message whatever
    the reason, so the refusal tells nothing of which agencies exist. An address that already has
    an account gets the same answer as a new one and nothing is created (no account enumeration),
    unless that account was never confirmed: then the new registration replaces it (``_registration_replace``).
    """
    email = email.strip()
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidInput(ERR_EMAIL_TOO_LONG, field="email")
    agency = agency_for_email(email)
    if agency is None:
        audit_record(
            action=AuditAction.OFFICER_REGISTRATION_REFUSED,
            actor=None,
            role="anonymous",
            details={"email_domain": audit_hash_identifier(_domain(email)), "reason": "domain"},
        )
        raise InvalidInput(ERR_DOMAIN_NOT_VERIFIED, field="email")
    with transaction.atomic():
        return _officer_register(
            agency=agency, name=name, email=email, badge_number=badge_number, password=password, base_url=base_url
        )


def _officer_register(
    *, agency: Agency, name: str, email: str, badge_number: str, password: str, base_url: str
) -> Registration:
    users = get_user_model()
    username = email.lower()
    existing = (
        users.objects.filter(username__iexact=username).first() or users.objects.filter(email__iexact=email).first()
    )
    if existing is not None:
        pending = Officer.objects.select_for_update().filter(
            user=existing, status=OfficerStatus.EMAIL_UNCONFIRMED, email_confirmed_at__isnull=True
        )
        officer = pending.select_related("user").first()
        if officer is None:
            return Registration(officer=None, link="")
        return _registration_replace(
            officer=officer, agency=agency, name=name, badge_number=badge_number, password=password, base_url=base_url
        )
    user = users(username=username, email=email, first_name=name.strip()[:150], is_active=False)
    _password_set(user, password)
    user.save()
    officer = Officer.objects.create(
        user=user,
        agency=agency,
        badge_number=badge_number.strip(),
        status=OfficerStatus.EMAIL_UNCONFIRMED,
        self_registered=True,
    )
    audit_record(
        action=AuditAction.OFFICER_REGISTERED,
        actor=None,
        role="anonymous",
        obj=officer,
        details={"user": user.pk, "agency": agency.pk},
    )
    link = _new_link(officer, base_url)
    _send_link(officer, link, reverify=False)
    return Registration(officer=officer, link=link)


def _password_set(user, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="password")
    user.set_password(password)


def _registration_replace(
    *, officer: Officer, agency: Agency, name: str, badge_number: str, password: str, base_url: str
) -> Registration:
    """A registration for an address whose account was never confirmed replaces the pending one: new
    name, badge and password, a new link, the old link void (its nonce is replaced). Otherwise whoever
    registered an address first (not necessarily its owner) would hold the account its owner confirms."""
    user = officer.user
    user.first_name = name.strip()[:150]
    _password_set(user, password)
    user.save(update_fields=["first_name", "password"])
    officer.agency = agency
    officer.badge_number = badge_number.strip()
    officer.save(update_fields=["agency", "badge_number"])
    audit_record(
        action=AuditAction.OFFICER_REGISTRATION_REPLACED,
        actor=None,
        role="anonymous",
        obj=officer,
        details={"user": user.pk, "agency": agency.pk},
    )
    link = _new_link(officer, base_url)
    _send_link(officer, link, reverify=False)
    return Registration(officer=officer, link=link)


@transaction.atomic
def officer_email_confirm(*, token: str) -> Officer:
    """Open a confirmation link: once, within ``LAWREQ_OFFICER_CONFIRM_HOURS``, untampered.

    A first confirmation activates the account (the officer can log in and draft) and puts it in
    the approval queue; a re-confirmation of an approved officer puts it there for re-verification.
    """
    max_age = dt.timedelta(hours=settings.LAWREQ_OFFICER_CONFIRM_HOURS)
    try:
        value = signing.TimestampSigner(salt=SIGNING_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidInput(ERR_LINK_EXPIRED)
    except signing.BadSignature:
        raise InvalidInput(ERR_LINK_INVALID)
    officer_id, _, nonce = value.partition(":")
    officer = Officer.objects.select_for_update().select_related("user").filter(pk=officer_id).first()
    if officer is None or not nonce or not secrets.compare_digest(officer.email_link_nonce, nonce):
        raise InvalidInput(ERR_LINK_INVALID)
    if officer.status in (OfficerStatus.REFUSED, OfficerStatus.DEACTIVATED):
        raise InvalidInput(ERR_LINK_INVALID)
    now = timezone.now()
    officer.email_link_nonce = ""  # used: the same link never works again
    officer.email_confirmed_at = now
    if officer.status == OfficerStatus.EMAIL_UNCONFIRMED:
        officer.status = OfficerStatus.AWAITING_APPROVAL
        officer.user.is_active = True
        officer.user.save(update_fields=["is_active"])
        officer.user.groups.add(Group.objects.get(name=OFFICER_GROUP))
    officer.save(update_fields=["email_link_nonce", "email_confirmed_at", "status"])
    audit_record(
        action=AuditAction.OFFICER_EMAIL_CONFIRMED,
        actor=officer.user,
        obj=officer,
        details={"user": officer.user_id, "status": officer.status},
    )
    return officer


@transaction.atomic
def officer_reverify_start(*, officer: Officer, base_url: str = "") -> str:
    """Send an approved officer a new confirmation link (re-verification); returns the link."""
    locked = Officer.objects.select_for_update().select_related("user").get(pk=officer.pk)
    if locked.status not in (OfficerStatus.APPROVED, OfficerStatus.AWAITING_APPROVAL):
        raise Conflict(ERR_OFFICER_INACTIVE)
    link = _new_link(locked, base_url)
    _send_link(locked, link, reverify=True)
    return link


def officer_is_pending(officer: Officer) -> bool:
    """Awaiting a first approval, or an approved officer who re-confirmed their address since."""
    if officer.status == OfficerStatus.AWAITING_APPROVAL:
        return True
    return bool(
        officer.status == OfficerStatus.APPROVED
        and officer.email_confirmed_at
        and officer.approved_at
        and officer.email_confirmed_at > officer.approved_at
    )


def _pending_officers():
    """``officer_is_pending`` as a query."""
    return Officer.objects.filter(user__is_active=True).filter(
        Q(status=OfficerStatus.AWAITING_APPROVAL)
        | Q(status=OfficerStatus.APPROVED, approved_at__isnull=False, email_confirmed_at__gt=F("approved_at"))
    )


def officers_pending():
    """The approval queue, oldest first."""
    return list(_pending_officers().select_related("user", "agency").order_by("email_confirmed_at", "pk"))


def officers_pending_count() -> int:
    return _pending_officers().count()


def _require_decider(actor) -> None:
    if not (is_legal_staff(actor) or has_role(actor, Role.ADMIN) or getattr(actor, "is_superuser", False)):
        raise NotPermitted(ERR_DECIDE_ROLE)


@transaction.atomic
def officer_approve(*, officer: Officer, actor) -> Officer:
    """Approve a registration or a re-verification: verified for ``LAWREQ_OFFICER_REVERIFY_DAYS``
    from now; the officer joins the agency's group (its requests). Audited."""
    _require_decider(actor)
    locked = Officer.objects.select_for_update().select_related("user", "agency").get(pk=officer.pk)
    if not officer_is_pending(locked):
        raise Conflict(ERR_DECIDE_STATE)
    now = timezone.now()
    reverification = locked.status == OfficerStatus.APPROVED
    locked.status = OfficerStatus.APPROVED
    locked.approved_at = now
    locked.approved_by = actor
    locked.verified_until = now + dt.timedelta(days=settings.LAWREQ_OFFICER_REVERIFY_DAYS)
    locked.save(update_fields=["status", "approved_at", "approved_by", "verified_until"])
    locked.user.groups.add(locked.agency.group, Group.objects.get(name=OFFICER_GROUP))
    audit_record(
        action=AuditAction.OFFICER_APPROVED,
        actor=actor,
        obj=locked,
        details={
            "user": locked.user_id,
            "agency": locked.agency_id,
            "reverification": reverification,
            "verified_until": locked.verified_until.isoformat(),
        },
    )
    officer.refresh_from_db()
    return officer


@transaction.atomic
def officer_refuse(*, officer: Officer, actor) -> Officer:
    """Refuse a registration (the account is closed) or a re-verification (the officer stays
    unable to submit once ``verified_until`` passes). Audited."""
    _require_decider(actor)
    locked = Officer.objects.select_for_update().select_related("user").get(pk=officer.pk)
    if not officer_is_pending(locked):
        raise Conflict(ERR_DECIDE_STATE)
    first_registration = locked.status == OfficerStatus.AWAITING_APPROVAL
    if first_registration:
        locked.status = OfficerStatus.REFUSED
        locked.user.is_active = False
        locked.user.save(update_fields=["is_active"])
        ApiToken.objects.filter(user=locked.user).delete()
    else:
        locked.verified_until = min(locked.verified_until or timezone.now(), timezone.now())
    locked.email_confirmed_at = locked.approved_at  # out of the queue
    locked.save(update_fields=["status", "verified_until", "email_confirmed_at"])
    audit_record(
        action=AuditAction.OFFICER_REFUSED,
        actor=actor,
        obj=locked,
        details={"user": locked.user_id, "first_registration": first_registration},
    )
    officer.refresh_from_db()
    return officer


@transaction.atomic
def officer_deactivate(*, officer: Officer, actor) -> Officer:
    """Close an officer's account: no log-in, no token, out of the agency's group. The officer's
    requests stay readable by the agency's colleagues: each is (again) granted to the agency's
    group, whatever was granted to the officer personally. Audited."""
    _require_decider(actor)
    locked = Officer.objects.select_for_update().select_related("user", "agency").get(pk=officer.pk)
    if locked.status == OfficerStatus.DEACTIVATED:
        return locked
    user = locked.user
    view = Permission.objects.get(codename="view_legalrequest", content_type__app_label="requests_app")
    regranted = []
    for legal_request in LegalRequest.objects.filter(created_by=user, agency=locked.agency).order_by("pk"):
        _, created = LegalRequestGroupObjectPermission.objects.get_or_create(
            group=locked.agency.group, permission=view, content_object=legal_request
        )
        if created:
            regranted.append(legal_request.ref)
    LegalRequestUserObjectPermission.objects.filter(user=user).delete()
    user.groups.remove(locked.agency.group, Group.objects.get(name=OFFICER_GROUP))
    user.is_active = False
    user.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=user).delete()
    locked.status = OfficerStatus.DEACTIVATED
    locked.deactivated_at = timezone.now()
    locked.save(update_fields=["status", "deactivated_at"])
    audit_record(
        action=AuditAction.OFFICER_DEACTIVATED,
        actor=actor,
        obj=locked,
        details={"user": user.pk, "agency": locked.agency_id, "regranted_to_agency": regranted},
    )
    officer.refresh_from_db()
    return officer


def officer_submission_check(*, actor) -> None:
    """Raise ``Conflict`` (409) unless the actor, if an officer, may submit now."""
    officer = Officer.objects.filter(user_id=actor.pk).first()
    if officer is None:
        return
    if officer.status in (OfficerStatus.REFUSED, OfficerStatus.DEACTIVATED):
        raise Conflict(ERR_OFFICER_INACTIVE)
    if officer.status != OfficerStatus.APPROVED:
        raise Conflict(ERR_NOT_APPROVED)
    if officer.verified_until is None or officer.verified_until <= timezone.now():
        raise Conflict(ERR_REVERIFY)


def officers_reverify_remind(*, now: dt.datetime | None = None) -> int:
    """E-mail each approved officer whose verification ends within
    ``LAWREQ_OFFICER_REVERIFY_REMIND_DAYS`` a re-confirmation link, once per verification period
    (claimed row by row, so a second run, or two at once, send nothing more). Returns the count."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=settings.LAWREQ_OFFICER_REVERIFY_REMIND_DAYS)
    due = Officer.objects.filter(
        status=OfficerStatus.APPROVED, user__is_active=True, verified_until__isnull=False, verified_until__lte=horizon
    ).exclude(reverify_reminded_until=F("verified_until"))
    sent = 0
    for officer_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            officer = (
                Officer.objects.select_for_update(skip_locked=True).select_related("user").filter(pk=officer_id).first()
            )
            if officer is None or officer.reverify_reminded_until == officer.verified_until:
                continue
            officer.reverify_reminded_until = officer.verified_until
            officer.save(update_fields=["reverify_reminded_until"])
            link = _new_link(officer)
            _send_link(officer, link, reverify=True)
            audit_record(
                action=AuditAction.OFFICER_REVERIFY_REMINDED,
                obj=officer,
                details={"user": officer.user_id, "verified_until": officer.verified_until.isoformat()},
            )
            sent += 1
    return sent
