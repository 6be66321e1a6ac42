"""Officers' self-registration and verification pages, and the legal team's approval queue.

Registration is public and throttled like the log-in; approving, refusing and deactivating
officers are the services' (``requests_app.officers``), audited there.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lawreq.clientip import client_address
from lawreq.errors import DomainError
from lawreq.roles import Role, has_role, is_legal_staff
from notifications.services import officer_awaiting_approval_notify
from requests_app.auth import LoginThrottled, registration_throttle
from requests_app.models import Officer
from requests_app.officers import (
    officer_approve,
    officer_email_confirm,
    officer_is_pending,
    officer_refuse,
    officer_register,
    officer_reverify_start,
    officers_pending,
)
from web.forms import OfficerRegistrationForm
from web.views.common import error_page, officer_required, role_required, show_domain_error

REGISTER_TEMPLATE = "web/register.html"
MSG_REGISTERED = _(
    "Thank you. If the address can be registered, a confirmation link is on its way to it: open it, then log in "
    "with your e-mail address as your username. The platform checks every registration before the account can "
    "submit requests."
)
MSG_CONFIRMED = _(
    "Your e-mail address is confirmed. Log in with it as your username; the platform will check your registration."
)
MSG_RECONFIRMED = _("Your e-mail address is confirmed again; the platform will renew your verification.")
MSG_REVERIFY_SENT = _("A confirmation link was sent to your official address.")
ERR_DECIDERS_ONLY = "This page is for the legal team and administrators."


def is_officer_decider(user) -> bool:
    return is_legal_staff(user) or has_role(user, Role.ADMIN) or user.is_superuser


decider_required = role_required(is_officer_decider, ERR_DECIDERS_ONLY)


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = OfficerRegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            data = form.cleaned_data
            try:
                registration_throttle(email=data["email"], client_ip=client_address(request))
                officer_register(
                    name=data["name"],
                    email=data["email"],
                    badge_number=data["badge_number"],
                    password=data["password"],
                    base_url=request.build_absolute_uri("/"),
                )
            except LoginThrottled as error:
                form.add_error(None, error.message)
                status = 429
            except DomainError as error:
                show_domain_error(request, error, form)
                status = error.status_code
            else:
                messages.success(request, MSG_REGISTERED)
                return redirect("web:login")
    return render(request, REGISTER_TEMPLATE, {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def register_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that follow links must not use up the link); POST confirms."""
    if request.method == "GET":
        return render(request, "web/register_confirm.html", {"token": token})
    try:
        officer = officer_email_confirm(token=token)
    except DomainError as error:
        return error_page(request, error)
    if officer_is_pending(officer):
        officer_awaiting_approval_notify(officer=officer)
    messages.success(request, MSG_CONFIRMED if officer.approved_at is None else MSG_RECONFIRMED)
    return redirect("web:home" if request.user.is_authenticated else "web:login")


@officer_required
@require_POST
def reverify(request: HttpRequest) -> HttpResponse:
    try:
        officer_reverify_start(officer=request.user.officer, base_url=request.build_absolute_uri("/"))
    except DomainError as error:
        return error_page(request, error)
    messages.success(request, MSG_REVERIFY_SENT)
    return redirect("web:portal")


@decider_required
@require_http_methods(["GET"])
def pending(request: HttpRequest) -> HttpResponse:
    return render(request, "web/officers_pending.html", {"officers": officers_pending()})


@decider_required
@require_POST
def decide(request: HttpRequest, officer_id: int) -> HttpResponse:
    officer = get_object_or_404(Officer, pk=officer_id)
    approve = request.POST.get("decision") == "approve"
    try:
        (officer_approve if approve else officer_refuse)(officer=officer, actor=request.user)
    except DomainError as error:
        return error_page(request, error)
    messages.success(request, f"{officer.user.get_username()}: {'approved' if approve else 'refused'}.")
    return redirect("web:officers-pending")
