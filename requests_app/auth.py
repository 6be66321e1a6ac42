"""The one way in for every account: API token, web page and admin site check credentials here.

``credentials_check`` counts the attempt in the shared cache before it checks any password, per
username and address together and per address alone; refuses the password without a second factor
where one is required; audits every outcome. API tokens are django-rest-knox tokens (digests at
rest, an expiry) that also die with a password change or a deactivation.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_noop
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from audit.actions import AuditAction
from audit.services import (
    audit_batch,
    audit_hash_identifier,
    audit_login_failed,
    audit_login_succeeded,
    audit_record,
)
from lawreq.errors import DomainError, InvalidInput
from lawreq.roles import Role, has_role
from lawreq.sessions import SESSION_EXPIRED_USER_KEY  # noqa: F401  (re-exported: the middleware and the kept form)
from requests_app.models import ApiToken, ThrottledLoginWindow

logger = logging.getLogger(__name__)

ERR_BAD_CREDENTIALS = gettext_noop("Unable to log in with the credentials provided.")
ERR_THROTTLED = gettext_noop("Too many failed log-ins. Try again in a minute.")
ERR_REGISTRATIONS_THROTTLED = gettext_noop("Too many registrations from your network. Try again in an hour.")
ERR_OTP_REQUIRED = gettext_noop("A one-time code from your authenticator app (otp) is required for this account.")
ERR_NOT_ADMIN = gettext_noop("This account may not use the admin site.")
ERR_TOKEN_REVOKED = "This token was revoked: the password changed. Log in again."  # noqa: S105
ERR_TOKEN_WITHOUT_SECOND_FACTOR = "Issued without the second factor this account now needs: log in again."  # noqa: S105
ERR_TOKEN_MALFORMED = "Invalid token."  # noqa: S105

REASON_CREDENTIALS = "bad_credentials"
REASON_SECOND_FACTOR = "second_factor"
REASON_NOT_ADMIN = "not_admin"
REASON_THROTTLED = "throttled"


class LoginThrottled(DomainError):
    status_code = 429
    code = "throttled"


def is_staff_account(user) -> bool:
    """Accounts that see many people's data or run the system: the legal team, auditors, admins."""
    return has_role(user, Role.ANALYST, Role.REVIEWER, Role.AUDITOR, Role.ADMIN) or user.is_staff


def second_factor_required(user) -> bool:
    """Staff in production mode; anyone who enrolled a device (an officer may) in any mode."""
    if settings.LAWREQ_REQUIRE_STAFF_OTP and is_staff_account(user):
        return True
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# The throttle. A fixed window per key: ``add`` starts it with its expiry, ``incr`` is atomic in
# Redis and in the local-memory cache alike, so N parallel attempts get N distinct counts.


@dataclass(frozen=True)
class _Limit:
    key: str
    limit: int
    window: int


def _limits(username: str, client_ip: str) -> list[_Limit]:
    account_and_address = audit_hash_identifier(f"{username.strip().lower()}\x00{client_ip}")
    return [
        _Limit(
            f"login-attempts:pair:{account_and_address}",
            settings.LAWREQ_LOGIN_MAX_ATTEMPTS,
            settings.LAWREQ_LOGIN_WINDOW_SECONDS,
        ),
        _Limit(
            f"login-attempts:address:{audit_hash_identifier(client_ip)}",
            settings.LAWREQ_LOGIN_MAX_ATTEMPTS_PER_ADDRESS,
            settings.LAWREQ_LOGIN_ADDRESS_WINDOW_SECONDS,
        ),
    ]


def _increment(cache, limit: _Limit) -> int:
    cache.add(limit.key, 0, limit.window)
    try:
        return cache.incr(limit.key)
    except ValueError:  # the window ended between add and incr
        cache.add(limit.key, 0, limit.window)
        return cache.incr(limit.key)


def _count_attempt(limit: _Limit) -> tuple[int, BaseCache]:
    """The attempt's number in its window, and the cache that counted it."""
    # The shared cache counts in this process while Redis is down (lawreq.cache): a log-in never fails for it.
    shared = caches[settings.LAWREQ_THROTTLE_CACHE]
    return _increment(shared, limit), shared


def _uncount_attempt(limit: _Limit, cache: BaseCache) -> None:
    """A successful log-in gives its attempt back: only failures use up the limit."""
    # The window may have ended: then there is nothing to give back.
    with contextlib.suppress(ValueError):
        cache.decr(limit.key)


def _window_start(now: datetime, seconds: int) -> datetime:
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=UTC)


def _throttled_attempt_note(*, client_ip: str) -> None:
    """Count a refused attempt in its (address, window) row: one audit entry per row, later."""
    seconds = settings.LAWREQ_LOGIN_THROTTLE_AUDIT_WINDOW_SECONDS
    start = _window_start(timezone.now(), seconds)
    row = {"address_hash": audit_hash_identifier(client_ip), "window_start": start}
    if ThrottledLoginWindow.objects.filter(**row).update(attempts=F("attempts") + 1):
        return
    try:
        with transaction.atomic():
            ThrottledLoginWindow.objects.create(**row, window_end=start + timedelta(seconds=seconds), attempts=1)
    except IntegrityError:  # another process opened the window first
        ThrottledLoginWindow.objects.filter(**row).update(attempts=F("attempts") + 1)


@transaction.atomic
def throttled_logins_audit(*, now: datetime | None = None) -> int:
    """One audit entry for each closed window of throttled log-ins from one address, with their
    count; the rows go. Returns the number of entries written."""
    now = now or timezone.now()
    windows = list(
        ThrottledLoginWindow.objects.select_for_update(skip_locked=True).filter(window_end__lte=now).order_by("pk")
    )
    with audit_batch():
        for window in windows:
            audit_record(
                action=AuditAction.LOGIN_THROTTLED,
                actor=None,
                role="anonymous",
                details={
                    "reason": REASON_THROTTLED,
                    "ip_hash": window.address_hash,
                    "window_start": window.window_start.isoformat(),
                    "window_end": window.window_end.isoformat(),
                    "attempts": window.attempts,
                },
            )
    ThrottledLoginWindow.objects.filter(pk__in=[window.pk for window in windows]).delete()
    return len(windows)


def _closed_throttle_windows_write() -> None:
    """Closed windows are also written at the next log-in attempt, so the trail has them where no
    beat runs (the embedded default)."""
    if ThrottledLoginWindow.objects.filter(window_end__lte=timezone.now()).exists():
        throttled_logins_audit()


def _attempt_count(*, username: str, client_ip: str) -> list[tuple[_Limit, BaseCache]]:
    """Count a password attempt before it is checked; past a limit, refuse it (429)."""
    limits = _limits(username, client_ip)
    counted = [(limit, *_count_attempt(limit)) for limit in limits]
    if any(count > limit.limit for limit, count, _ in counted):
        _throttled_attempt_note(client_ip=client_ip)
        raise LoginThrottled(ERR_THROTTLED)
    return [(limit, cache) for limit, _, cache in counted]


def _attempt_give_back(counted: list[tuple[_Limit, BaseCache]]) -> None:
    for limit, cache in counted:
        _uncount_attempt(limit, cache)


def registration_throttle(*, email: str, client_ip: str) -> None:
    """A self-registration counts as a log-in attempt for the address and the address alone (429
    past the log-in limits), so the form cannot be used to probe e-mail domains or flood inboxes;
    and against a limit of registrations per client address of its own (each one sends an e-mail and
    may replace a pending registration), far below the log-in one."""
    per_address = _Limit(
        f"registrations:address:{audit_hash_identifier(client_ip)}",
        settings.LAWREQ_REGISTRATION_MAX_PER_ADDRESS,
        settings.LAWREQ_REGISTRATION_ADDRESS_WINDOW_SECONDS,
    )
    count, _ = _count_attempt(per_address)
    if count > per_address.limit:
        _throttled_attempt_note(client_ip=client_ip)
        raise LoginThrottled(ERR_REGISTRATIONS_THROTTLED)
    _attempt_count(username=f"registration:{email}", client_ip=client_ip)


def password_recheck(*, user, password: str, client_ip: str) -> None:
    """The password asked again of a logged-in user (before a change to their credentials): counted
    by the log-in throttle and a wrong one audited, as at log-in, so a stolen session cannot guess it."""
    counted = _attempt_count(username=user.get_username(), client_ip=client_ip)
    if not user.check_password(password):
        audit_login_failed(username=user.get_username(), ip_address=client_ip, reason=REASON_CREDENTIALS)
        raise InvalidInput(ERR_ENROLMENT_PASSWORD, field="password")
    _attempt_give_back(counted)


def credentials_check(
    *, username: str, password: str, client_ip: str, otp: str = "", method: str, admin_site: bool = False
) -> AbstractBaseUser:
    """The user for valid credentials and, where required, a valid one-time code; the device that
    matched is left on ``user.otp_device`` for ``session_login``.

    The attempt is counted before anything is checked, so parallel attempts cannot all get through:
    past ``LAWREQ_LOGIN_MAX_ATTEMPTS`` per username and address, or the longer limit per address,
    no password is checked. ``method`` (``token``, ``web``, ``admin``) is recorded with the log-in;
    ``admin_site`` refuses accounts that may not use the admin.
    """
    _closed_throttle_windows_write()
    counted = _attempt_count(username=username, client_ip=client_ip)
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        audit_login_failed(username=username, ip_address=client_ip, reason=REASON_CREDENTIALS)
        raise InvalidInput(ERR_BAD_CREDENTIALS)
    device = None
    if second_factor_required(user):
        device = match_token(user, otp) if otp else None
        if device is None:
            audit_login_failed(username=username, ip_address=client_ip, reason=REASON_SECOND_FACTOR)
            raise InvalidInput(ERR_OTP_REQUIRED, field="otp")
    if admin_site and not (user.is_active and user.is_staff):
        audit_login_failed(username=username, ip_address=client_ip, reason=REASON_NOT_ADMIN)
        raise InvalidInput(ERR_NOT_ADMIN)
    _attempt_give_back(counted)
    audit_login_succeeded(user=user, ip_address=client_ip, method=method, second_factor=device is not None)
    user.otp_device = device
    return user


def session_login(request, user) -> None:
    """Start the session of a user ``credentials_check`` returned: verified by the second factor
    when one was given, and timed from now (``SessionPolicyMiddleware``)."""
    auth_login(request, user)
    if getattr(user, "otp_device", None) is not None:
        otp_login(request, user.otp_device)
    session_started(request)


# Sessions: when they started and when they were last used, for the idle and absolute timeouts.
SESSION_STARTED_KEY = "lawreq_session_started"
SESSION_SEEN_KEY = "lawreq_session_seen"


def session_started(request) -> None:
    now = int(timezone.now().timestamp())
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_SEEN_KEY] = now


# API tokens.


def token_password_fingerprint(user) -> str:
    # Django's session auth hash: a keyed hash of the password hash, as sessions use it.
    return user.get_session_auth_hash()


def token_ttl(user) -> timedelta:
    return settings.LAWREQ_STAFF_TOKEN_TTL if is_staff_account(user) else settings.LAWREQ_OFFICER_TOKEN_TTL


def token_create(*, user) -> tuple[str, ApiToken]:
    """A new token for ``user``: the key (shown once, stored only as a digest) and its row. Expired
    tokens go, and past ``LAWREQ_MAX_TOKENS_PER_USER`` the oldest: knox checks a user's tokens on
    every request, so they must not pile up."""
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    keep = settings.LAWREQ_MAX_TOKENS_PER_USER - 1
    surplus = ApiToken.objects.filter(user=user).order_by("-created").values_list("pk", flat=True)[keep:]
    ApiToken.objects.filter(pk__in=list(surplus)).delete()
    token, key = ApiToken.objects.create(
        user=user,
        expiry=token_ttl(user),
        password_fingerprint=token_password_fingerprint(user),
        second_factor=getattr(user, "otp_device", None) is not None,
    )
    return key, token


def token_obtain(*, username: str, password: str, client_ip: str, otp: str = "") -> tuple[str, datetime]:
    """A token and its expiry for valid credentials (see ``credentials_check``)."""
    user = credentials_check(username=username, password=password, client_ip=client_ip, otp=otp, method="token")
    key, token = token_create(user=user)
    return key, token.expiry


def token_revoke(*, token: ApiToken) -> None:
    token.delete()


_TOKEN_SHAPE = re.compile(rb"[0-9a-fA-F]{1,256}")


class ApiTokenAuthentication(TokenAuthentication):
    """knox's check (digest, expiry, active user), the password the token was issued under, and the
    second factor when the account now needs one."""

    def authenticate_credentials(self, token: bytes):
        # knox keys are hex; anything else (a NUL, bytes that are not UTF-8) is refused before it
        # reaches the database.
        if not _TOKEN_SHAPE.fullmatch(token):
            raise AuthenticationFailed(ERR_TOKEN_MALFORMED)
        return super().authenticate_credentials(token)

    def validate_user(self, auth_token: ApiToken):
        user, token = super().validate_user(auth_token)
        if not constant_time_compare(token.password_fingerprint, token_password_fingerprint(user)):
            token.delete()
            raise AuthenticationFailed(ERR_TOKEN_REVOKED)
        if not token.second_factor and second_factor_required(user):
            token.delete()
            raise AuthenticationFailed(ERR_TOKEN_WITHOUT_SECOND_FACTOR)
        return user, token


@transaction.atomic
def account_password_changed(*, actor, user, via: str) -> None:
    """Record a password another person set for ``user`` (the admin's form): the user's tokens go
    now (they would fail anyway, their fingerprint being stale) and so do their sessions, whose
    auth hash Django checks."""
    ApiToken.objects.filter(user=user).delete()
    audit_record(action=AuditAction.PASSWORD_CHANGED, actor=actor, obj=user, details={"via": via})


@transaction.atomic
def second_factor_enrol(*, user, name: str = "authenticator") -> TOTPDevice:
    """A new TOTP device for ``user`` (any previous one removed), by an operator's command, audited;
    the caller hands the configuration URL to the user once and never stores it."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
    audit_record(action=AuditAction.SECOND_FACTOR_ENROLLED, actor=None, role="system", obj=user)
    return device


ERR_ALREADY_ENROLLED = gettext_noop("This account already has a second factor; an operator replaces a lost one.")
ERR_ENROLMENT_CODE = gettext_noop("That code does not match: check the time on your phone and type the current code.")
ERR_ENROLMENT_PASSWORD = gettext_noop("Your password is needed to add a second factor.")


@transaction.atomic
def second_factor_enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed device a user enrols themself, kept until they confirm it with a code."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise InvalidInput(ERR_ALREADY_ENROLLED)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def second_factor_enrolment_confirm(*, user, password: str, code: str, client_ip: str) -> TOTPDevice:
    """Confirm the user's own device with their password (``password_recheck``: throttled, a wrong
    one audited) and a code it shows; from then on their log-in needs it. Audited."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise InvalidInput(ERR_ALREADY_ENROLLED)
    password_recheck(user=user, password=password, client_ip=client_ip)
    return _second_factor_confirm(user=user, code=code)


@transaction.atomic
def _second_factor_confirm(*, user, code: str) -> TOTPDevice:
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(code):
        raise InvalidInput(ERR_ENROLMENT_CODE, field="otp")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(action=AuditAction.SECOND_FACTOR_ENROLLED, actor=user, obj=user, details={"via": "self"})
    return device
