"""What production mode refuses to start with, as Django system checks (Error level).

``settings.py`` already refuses a missing ``SECRET_KEY`` and ``DEBUG`` on before anything loads;
these checks name the rest: development keys, no allowed hosts, no second factor for staff, no
public address for the links in e-mails, and
(with ``check --database default``, which ``make run-prod`` and the deployment units run before
the server starts) a database role that is a superuser. Apps above this layer add their own (the
signing key: ``letters.checks``). Outside production mode they say nothing.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError, connections

PRODUCTION_KEYS = {
    "AUDIT_HMAC_KEY": "the keyed hashes of personal data in the audit trail",
    "LAWREQ_BLIND_INDEX_KEY": "the blind indexes of sealed identifiers",
    "LAWREQ_ENCRYPTION_KEYS": "the records at rest",
}
HINT_KEYS = "Generate production keys with `manage.py production_keys DIR` and load DIR/production.env."


def production_mode() -> bool:
    return bool(getattr(settings, "LAWREQ_PRODUCTION", False))


def _environment_has(name: str) -> bool:
    return bool(os.environ.get(name, "").strip())


@register(Tags.security)
def production_configuration_check(app_configs=None, **kwargs) -> list[Error]:
    if not production_mode():
        return []
    errors: list[Error] = []
    for name, purpose in PRODUCTION_KEYS.items():
        if not _environment_has(name):
            errors.append(
                Error(
                    f"Production mode with a development key for {purpose}: {name} is not set.",
                    hint=HINT_KEYS,
                    id="lawreq.E001",
                )
            )
    if settings.DEBUG:
        errors.append(Error("Production mode with DEBUG on.", hint="Unset DEBUG.", id="lawreq.E002"))
    if not settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "Production mode without ALLOWED_HOSTS.",
                hint="Set ALLOWED_HOSTS to the host names the service answers to.",
                id="lawreq.E003",
            )
        )
    if not settings.LAWREQ_REQUIRE_STAFF_OTP:
        errors.append(
            Error(
                "Production mode without a second factor for staff (LAWREQ_REQUIRE_STAFF_OTP is off).",
                hint="Unset LAWREQ_REQUIRE_STAFF_OTP: production mode turns it on.",
                id="lawreq.E004",
            )
        )
    if not settings.LAWREQ_PUBLIC_URL:
        errors.append(
            Error(
                "Production mode without LAWREQ_PUBLIC_URL: the links in e-mails would have no address.",
                hint="Set LAWREQ_PUBLIC_URL to the site's public address, e.g. https://lawreq.example.org.",
                id="lawreq.E008",
            )
        )
    return errors


SUPERUSER_QUERY = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"


def database_role_is_superuser(alias: str = "default") -> bool | None:
    """Whether the role the application connects as is a PostgreSQL superuser (None: not PostgreSQL)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(SUPERUSER_QUERY)
        row = cursor.fetchone()
    return bool(row and row[0])


@register(Tags.database)
def database_role_check(app_configs=None, databases=None, **kwargs) -> list[Error]:
    """A superuser bypasses the database's refusal to change the audit chain: never the application's role."""
    if not production_mode() or not databases:
        return []
    errors: list[Error] = []
    for alias in databases:
        try:
            superuser = database_role_is_superuser(alias)
        except DatabaseError as error:
            errors.append(Error(f"Database '{alias}' cannot be reached: {error.__class__.__name__}.", id="lawreq.E005"))
            continue
        if superuser is None:
            errors.append(Error(f"Production mode on database '{alias}', which is not PostgreSQL.", id="lawreq.E006"))
        elif superuser:
            errors.append(
                Error(
                    f"Production mode with database '{alias}' connected as a superuser role.",
                    hint="Connect as the application role (`manage.py audit_db_roles`, docs/audit.md).",
                    id="lawreq.E007",
                )
            )
    return errors
