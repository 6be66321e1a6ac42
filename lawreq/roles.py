"""The five roles of the API contract, held as Django groups (created by a data migration)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    ANALYST = "analyst"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.ANALYST, Role.REVIEWER})


def roles_of(user) -> frozenset[str]:
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_lawreq_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) & {r.value for r in Role}
        if user.is_superuser:
            cached |= {Role.ADMIN.value}
        user._lawreq_roles = cached
    return cached


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & {r.value for r in roles})


def is_legal_staff(user) -> bool:
    """The legal team: analysts and reviewers. They read every request; nobody else reviews one."""
    return has_role(user, *STAFF_ROLES)


def primary_role(user) -> str:
    """The role written in audit entries: the most privileged one the user holds."""
    held = roles_of(user)
    for role in (Role.ADMIN, Role.REVIEWER, Role.ANALYST, Role.AUDITOR, Role.OFFICER):
        if role.value in held:
            return role.value
    return "system" if user is None else "none"
