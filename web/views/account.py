"""The user's own account: enrolling a second factor (officers may; staff get theirs from an
operator in production, where they cannot log in without one)."""

from __future__ import annotations

from base64 import b32encode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from lawreq.clientip import client_address
from lawreq.errors import DomainError
from requests_app.auth import second_factor_enrolment_confirm, second_factor_enrolment_start
from requests_app.middleware import session_seconds_left, session_touch
from web.forms import SecondFactorForm
from web.views.common import show_domain_error

MSG_ENROLLED = "Second factor added: from now on you log in with a code from your app."


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return render(request, "web/second_factor.html", {"enrolled": True})
    device = second_factor_enrolment_start(user=request.user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor_enrolment_confirm(
                user=request.user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["otp"],
                client_ip=client_address(request),
            )
        except DomainError as error:
            show_domain_error(request, error, form)
        else:
            otp_login(request, device)  # this session passed the factor it just proved
            messages.success(request, MSG_ENROLLED)
            return redirect("web:second-factor")
    context = {
        "form": form,
        "secret": b32encode(device.bin_key).decode(),
        "config_url": device.config_url,
    }
    return render(request, "web/second_factor.html", context)


@never_cache
@require_http_methods(["POST"])
def keep_alive(request: HttpRequest) -> JsonResponse:
    """The "Stay logged in" button of the warning shown before a session ends for inactivity
    (static/js/session_warning.js): counts the user as active now and says how long the session has
    left. A session that already ended (``SessionPolicyMiddleware`` logged it out) answers 401."""
    if not request.user.is_authenticated:
        return JsonResponse({"logged_in": False, "seconds_left": 0}, status=401)
    session_touch(request.session)
    left = session_seconds_left(request.session, request.user, int(timezone.now().timestamp()))
    return JsonResponse({"logged_in": True, "seconds_left": left})
