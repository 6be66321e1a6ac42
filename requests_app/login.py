"""The log-in form and view that the web pages and the admin site share, and the admin site.

Both go through ``credentials_check`` (throttle, second factor, audit) and ``session_login``
(a session verified by the second factor, timed for the session timeouts).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin import AdminSite
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lawreq.clientip import client_address
from lawreq.errors import DomainError
from requests_app.auth import ERR_NOT_ADMIN, LoginThrottled, credentials_check, second_factor_required, session_login


class CredentialsLoginForm(AuthenticationForm):
    """Django's log-in form, checked by the same throttled, audited service as the API token."""

    method = "web"
    admin_site = False

    otp = forms.CharField(
        required=False,
        max_length=12,
        label=_("One-time code"),
        help_text=_("From your authenticator app, if your account has one (the legal team and auditors do)."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.throttled = False

    def clean(self) -> dict[str, Any]:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        try:
            self.user_cache = credentials_check(
                username=username,
                password=password,
                client_ip=client_address(self.request) if self.request is not None else "",
                otp=self.cleaned_data.get("otp", ""),
                method=self.method,
                admin_site=self.admin_site,
            )
        except LoginThrottled as error:
            self.throttled = True
            raise forms.ValidationError(gettext(error.message), code="throttled")  # the API's are English
        except DomainError as error:
            raise forms.ValidationError(gettext(error.message), code="invalid_login")
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class AdminLoginForm(CredentialsLoginForm):
    method = "admin"
    admin_site = True


class CredentialsLoginView(LoginView):
    """Logs in through ``session_login``; a throttled attempt answers 429."""

    authentication_form = CredentialsLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: CredentialsLoginForm) -> HttpResponse:
        session_login(self.request, form.get_user())
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form: CredentialsLoginForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=429 if form.throttled else 200)


class StaffAdminSite(AdminSite):
    """The admin, logged into like every page (``CredentialsLoginView``), and only with a session
    that passed the second factor where one is required for the user (as django-otp's OTPAdminSite)."""

    login_form = AdminLoginForm
    login_template = "admin/lawreq_login.html"

    def has_permission(self, request) -> bool:
        if not super().has_permission(request):
            return False
        return request.user.is_verified() or not second_factor_required(request.user)

    def login(self, request, extra_context=None) -> HttpResponse:
        if request.user.is_authenticated and request.method == "GET":
            if self.has_permission(request):
                return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
            raise PermissionDenied(ERR_NOT_ADMIN)
        request.current_app = self.name
        context = {
            **self.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            **(extra_context or {}),
        }
        if "next" not in request.GET and "next" not in request.POST:
            context["next"] = reverse("admin:index", current_app=self.name)
        view = CredentialsLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form,
            template_name=self.login_template,
            redirect_authenticated_user=False,
        )
        return view(request)
