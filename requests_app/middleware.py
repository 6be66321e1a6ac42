"""Sessions end before any view runs when they lack a required second factor or have timed out."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone

from requests_app.auth import (
    SESSION_EXPIRED_USER_KEY,
    SESSION_SEEN_KEY,
    SESSION_STARTED_KEY,
    is_staff_account,
    second_factor_required,
)

# Writing the last-seen time on every request would save the session on every request.
_SEEN_RESOLUTION_SECONDS = 60


def session_expired(session, user, now: int) -> bool:
    started = session.setdefault(SESSION_STARTED_KEY, now)  # a session from before these timeouts
    seen = session.setdefault(SESSION_SEEN_KEY, now)
    idle = (
        settings.LAWREQ_STAFF_SESSION_IDLE_SECONDS
        if is_staff_account(user)
        else settings.LAWREQ_OFFICER_SESSION_IDLE_SECONDS
    )
    return now - seen > idle or now - started > settings.LAWREQ_SESSION_MAX_AGE_SECONDS


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
