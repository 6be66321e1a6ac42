"""Logging in for an API token: throttled on failures, every attempt audited."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django_otp import match_token
from rest_framework.authtoken.models import Token

from audit.services import audit_hash_identifier, audit_login_failed, audit_login_succeeded
from lawreq.errors import DomainError, InvalidInput
from lawreq.roles import Role, has_role

ERR_BAD_CREDENTIALS = "Unable to log in with the credentials provided."
ERR_THROTTLED = "Too many failed log-ins. Try again in a minute."
ERR_OTP_REQUIRED = "A one-time code from your authenticator app (otp) is required for this account."

REASON_CREDENTIALS = "bad_credentials"
REASON_SECOND_FACTOR = "second_factor"
REASON_THROTTLED = "throttled"

MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 60


class LoginThrottled(DomainError):
    status_code = 429
    code = "throttled"


def _failure_keys(username: str, client_ip: str) -> list[str]:
    return [
        f"login-failures:user:{audit_hash_identifier(username.lower())}",
        f"login-failures:ip:{audit_hash_identifier(client_ip)}",
    ]


def second_factor_required(user) -> bool:
    staff = has_role(user, Role.ANALYST, Role.REVIEWER, Role.AUDITOR, Role.ADMIN) or user.is_staff
    return settings.LAWREQ_REQUIRE_STAFF_OTP and staff


def _record_failure(keys: list[str], *, username: str, client_ip: str, reason: str) -> None:
    for key in keys:
        cache.add(key, 0, FAILURE_WINDOW_SECONDS)
        cache.incr(key)
    audit_login_failed(username=username, ip_address=client_ip, reason=reason)


def credentials_check(*, username: str, password: str, client_ip: str, otp: str = "", method: str) -> AbstractBaseUser:
    """The user for valid credentials (and second factor where enforced). Five failures a minute,
    per username or per address, lock out further attempts before any password is checked.
    ``method`` (``token``, ``web``) is recorded with the successful log-in."""
    keys = _failure_keys(username, client_ip)
    if any((cache.get(key) or 0) >= MAX_FAILURES for key in keys):
        audit_login_failed(username=username, ip_address=client_ip, reason=REASON_THROTTLED, throttled=True)
        raise LoginThrottled(ERR_THROTTLED)
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        _record_failure(keys, username=username, client_ip=client_ip, reason=REASON_CREDENTIALS)
        raise InvalidInput(ERR_BAD_CREDENTIALS)
    second_factor = second_factor_required(user)
    if second_factor and (not otp or match_token(user, otp) is None):
        _record_failure(keys, username=username, client_ip=client_ip, reason=REASON_SECOND_FACTOR)
        raise InvalidInput(ERR_OTP_REQUIRED, field="otp")
    audit_login_succeeded(user=user, ip_address=client_ip, method=method, second_factor=second_factor)
    return user


def token_obtain(*, username: str, password: str, client_ip: str, otp: str = "") -> str:
    """A token for valid credentials (see ``credentials_check``)."""
    user = credentials_check(username=username, password=password, client_ip=client_ip, otp=otp, method="token")
    token, _ = Token.objects.get_or_create(user=user)
    return token.key
