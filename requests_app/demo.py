"""The demo cast: two agencies, their officers and the legal team, created once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from lawreq.roles import Role
from requests_app.models import Agency
from requests_app.services import agency_create, officer_create

DEMO_AGENCIES = [
    {"name": "Springfield Police Department", "country": "US", "email_domains": ["springfield-pd.gov"],
     "callback_phone": "+12025550143"},
    {"name": "Police nationale - OFAC", "country": "FR", "email_domains": ["interieur.gouv.fr"],
     "callback_phone": "+33140976000"},
]  # fmt: skip
DEMO_OFFICERS = [
    ("officer.us", "officer.us@springfield-pd.gov", "Springfield Police Department"),
    ("officer.fr", "officer.fr@interieur.gouv.fr", "Police nationale - OFAC"),
]
DEMO_STAFF = [
    ("analyst", Role.ANALYST),
    ("reviewer", Role.REVIEWER),
    ("auditor", Role.AUDITOR),
    ("admin", Role.ADMIN),
]


@dataclass
class DemoCast:
    password: str | None  # None when the users already existed and were left as they were
    usernames: list[str]


@transaction.atomic
def demo_cast_create(*, password: str | None = None) -> DemoCast:
    User = get_user_model()
    usernames = [name for name, *_ in DEMO_OFFICERS] + [name for name, _ in DEMO_STAFF]
    if User.objects.filter(username__in=usernames).count() == len(usernames):
        return DemoCast(password=None, usernames=usernames)
    password = password or secrets.token_urlsafe(12)
    for spec in DEMO_AGENCIES:
        if not Agency.objects.filter(name=spec["name"]).exists():
            agency_create(verified=True, **spec)
    for username, email, agency_name in DEMO_OFFICERS:
        if not User.objects.filter(username=username).exists():
            user = User.objects.create_user(username=username, email=email, password=password)
            officer_create(user=user, agency=Agency.objects.get(name=agency_name))
    for username, role in DEMO_STAFF:
        if not User.objects.filter(username=username).exists():
            is_admin = role == Role.ADMIN
            user = User.objects.create_user(
                username=username, email=f"{username}@platform.example", password=password,
                is_staff=is_admin, is_superuser=is_admin,
            )
            user.groups.add(Group.objects.get(name=role.value))
    return DemoCast(password=password, usernames=usernames)
