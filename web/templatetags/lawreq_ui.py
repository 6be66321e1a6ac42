"""Small display helpers for the web UI's templates."""

from __future__ import annotations

import datetime as dt

import phonenumbers
from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disclosure.annex_iii import AnnexIIIGround, grounds_of
from lawreq.roles import Role, has_role, is_legal_staff, primary_role
from notifications.selectors import unread_count
from requests_app.choices import Category, EnforcingDecision, IpPurpose, RefusalGround, label_of
from requests_app.e_evidence import disclosure_hold_reason, enforcing_decision_recordable, enforcing_window_open
from requests_app.middleware import session_seconds_left
from requests_app.officers import officers_pending_count
from requests_app.states import OPEN_STATES

register = template.Library()

ROLE_LABELS = {
    Role.OFFICER: gettext_lazy("officer"),
    Role.ANALYST: gettext_lazy("analyst"),
    Role.REVIEWER: gettext_lazy("reviewer"),
    Role.AUDITOR: gettext_lazy("auditor"),
    Role.ADMIN: gettext_lazy("admin"),
}


def _span(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


@register.filter
def countdown(due_at: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """'3 d 4 h left' or 'overdue by 2 h 5 min': how a deadline reads in the queue."""
    if due_at is None:
        return _("no deadline yet")
    remaining = due_at - (now or timezone.now())
    if remaining.total_seconds() < 0:
        return _("overdue by %(span)s") % {"span": _span(-remaining)}
    return _("%(span)s left") % {"span": _span(remaining)}


@register.filter
def due_soon(due_at: dt.datetime | None, hours: int = 24) -> bool:
    if due_at is None:
        return False
    remaining = due_at - timezone.now()
    return dt.timedelta(0) <= remaining <= dt.timedelta(hours=hours)


@register.simple_tag
def retention_periods() -> dict:
    """How long disclosed data and letters are kept (``letters.retention``), for the legal hold panel."""
    letters = settings.LAWREQ_RETAIN_LETTERS_DAYS
    years = letters / 365
    return {
        "snapshots": settings.LAWREQ_RETAIN_SNAPSHOTS_DAYS,
        "letters": letters,
        "letters_years": f"{years:.0f} years" if years >= 1.5 else f"{letters // 30} months",
    }


@register.simple_tag
def e_evidence_panel(legal_request) -> dict:
    """The enforcing authority's window and decision of a European Production Order, for the request page."""
    return {
        "hold": disclosure_hold_reason(legal_request),
        "grounds": [label_of(RefusalGround, ground) for ground in legal_request.enforcing_grounds],
        "ground_choices": RefusalGround.choices,
        "decision": label_of(EnforcingDecision, legal_request.enforcing_decision)
        if legal_request.enforcing_decision
        else "",
        "ip_purpose": label_of(IpPurpose, legal_request.ip_purpose) if legal_request.ip_purpose else "",
        "open": enforcing_window_open(legal_request),
        "recordable": enforcing_decision_recordable(legal_request),
    }


@register.filter
def is_past(moment: dt.datetime | None) -> bool:
    return moment is not None and moment <= timezone.now()


@register.filter
def field_value(form, name: str):
    """A bound field by a computed name (the per-target fields of the proposal form)."""
    return form[name]


@register.simple_tag
def nav_for(user) -> list[tuple[str, str]]:
    """The top navigation: one start page per role the user holds."""
    links: list[tuple[str, str]] = []
    if not getattr(user, "is_authenticated", False):
        return links
    if hasattr(user, "officer"):
        links += [(_("Requests"), reverse("web:portal")), (_("New request"), reverse("web:portal-create"))]
    if is_legal_staff(user):
        links.append((_("Queue"), reverse("web:queue")))
    if is_legal_staff(user) or has_role(user, Role.ADMIN) or user.is_superuser:
        pending = officers_pending_count()
        if pending:
            links.append(
                (_("Officers awaiting approval (%(count)s)") % {"count": pending}, reverse("web:officers-pending"))
            )
    if has_role(user, Role.AUDITOR):
        links.append((_("Audit"), reverse("web:audit-status")))
    if has_role(user, Role.ADMIN) or user.is_staff:
        links.append((_("Administration"), reverse("admin:index")))
    return links


@register.simple_tag(takes_context=True, name="session_seconds_left")
def session_seconds_left_tag(context) -> int:
    """Seconds before this page's session ends for inactivity or age (the warning's timer)."""
    request = context["request"]
    return max(0, session_seconds_left(request.session, request.user, int(timezone.now().timestamp())))


@register.simple_tag
def role_label(user) -> str:
    role = primary_role(user)
    return str(ROLE_LABELS.get(role, role))


@register.filter
def category(value: str) -> str:
    """A data category by its label: 'ip_addresses' -> 'IP addresses (with timestamps and ports)'."""
    return label_of(Category, value)


@register.filter
def categories(values) -> str:
    return ", ".join(category(value) for value in values or ())


@register.filter
def is_open(legal_request) -> bool:
    """Still waiting for an answer: a deadline only means something then."""
    return legal_request.state in OPEN_STATES


@register.simple_tag
def unread_notifications(user) -> int:
    """How many of the user's notifications are unread (one indexed count per page)."""
    return unread_count(user)


@register.filter
def count_of(counts: dict, category_value: str) -> int | str:
    """A record count of one category, from a ``{category: count}`` mapping ('—' when not proposed)."""
    return counts.get(category_value, "—") if counts is not None else "—"


@register.filter
def number_in(target, legal_request) -> int | str:
    """A target's label on the request (1, 2, ... in the order it names them, kept across corrections),
    as the letter numbers it: database ids are never shown."""
    return target.position or ""


@register.filter
def phone_display(number: str) -> str:
    """A number stored as E.164 ("+12025550143") as people read it ("+1 202-555-0143")."""
    try:
        parsed = phonenumbers.parse(number or "", None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


CHECK_OUTCOME_WORDS = {"pass": "Passed", "fail": "Failed", "warn": "Warning"}


@register.filter
def check_outcome(value: str) -> str:
    """A rule's outcome (pass, fail, warn) as a word on its badge."""
    return CHECK_OUTCOME_WORDS.get(value, value)


@register.filter
def annex_iii_grounds(codes) -> tuple[AnnexIIIGround, ...]:
    """Stored Annex III ground codes as the form's boxes, in its order (for the legal team's pages)."""
    return grounds_of(codes or ())
