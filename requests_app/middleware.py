"""Sessions end before any view runs when they lack a required second factor or have timed out."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone, translation

from requests_app.auth import (
    SESSION_EXPIRED_USER_KEY,
    SESSION_SEEN_KEY,
    SESSION_STARTED_KEY,
    is_staff_account,
    second_factor_required,
)
from requests_app.models import Officer

# Writing the last-seen time on every request would save the session on every request.
_SEEN_RESOLUTION_SECONDS = 60


def session_seconds_left(session, user, now: int) -> int:
    """Seconds before the session ends by either timeout (idle or absolute); negative once ended."""
    started = session.setdefault(SESSION_STARTED_KEY, now)  # a session from before these timeouts
    seen = session.setdefault(SESSION_SEEN_KEY, now)
    idle = (
        settings.LAWREQ_STAFF_SESSION_IDLE_SECONDS
        if is_staff_account(user)
        else settings.LAWREQ_OFFICER_SESSION_IDLE_SECONDS
    )
    return min(seen + idle - now, started + settings.LAWREQ_SESSION_MAX_AGE_SECONDS - now)


def session_expired(session, user, now: int) -> bool:
    return session_seconds_left(session, user, now) < 0


def session_touch(session) -> None:
    """Count the user as active now (the keep-alive of a page whose owner asked to stay logged in)."""
    session[SESSION_SEEN_KEY] = int(timezone.now().timestamp())


class SessionPolicyMiddleware:
    """After django-otp's middleware: the web pages, the admin and DRF's SessionAuthentication all
    see an anonymous user once the session is ended here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(timezone.now().timestamp())
            unverified = not user.is_verified() and second_factor_required(user)
            if unverified:
                logout(request)
            elif session_expired(request.session, user, now):
                logout(request)
                request.session[SESSION_EXPIRED_USER_KEY] = user.pk
            elif now - request.session[SESSION_SEEN_KEY] >= _SEEN_RESOLUTION_SECONDS:
                request.session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


class AgencyLanguageMiddleware:
    """After the log-in middlewares: an officer who has chosen no language (no language cookie, set by
    Django's ``set_language``) sees the portal in their agency's language, above the browser's
    Accept-Language. Staff, visitors and an officer's own choice are left to ``LocaleMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and request.user.is_authenticated:
            language = agency_language_of(request.user)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def agency_language_of(user) -> str:
    return Officer.objects.filter(user=user).values_list("agency__language", flat=True).first() or ""
