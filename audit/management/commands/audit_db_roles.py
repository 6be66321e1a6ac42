"""Create or update the PostgreSQL role the application runs under.

The role owns nothing: it cannot ALTER the audit tables, so it cannot disable their append-only
triggers (nor set ``session_replication_role``, which needs a superuser), and it holds only SELECT
and INSERT on them, plus UPDATE of the three columns the sequencer fills in on pending entries.
Run this as the role that owns the schema
(the one migrations run under) after every ``migrate``; it is idempotent.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

PROTECTED_TABLES = ("audit_auditentry", "audit_auditcheckpoint")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

ERR_NOT_POSTGRES = "database roles exist only on PostgreSQL; this database is {vendor}"
ERR_ROLE_NAME = "a role name is lower-case letters, digits and underscores"
ERR_SAME_ROLE = "the application role must not be the owner ({owner}) or a member of it"


def role_statements(*, role: str, database: str, owner: str, with_password: bool) -> list[str]:
    quote = connection.ops.quote_name
    app, db, schema_owner = quote(role), quote(database), quote(owner)
    tables = ", ".join(PROTECTED_TABLES)
    return [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
        f"CREATE ROLE {app} LOGIN; END IF; END $$",
        f"ALTER ROLE {app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        + (" PASSWORD %s" if with_password else ""),
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {app}",
        f"GRANT USAGE ON SCHEMA public TO {app}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {app}",
        f"REVOKE ALL ON {tables} FROM {app}",
        f"GRANT SELECT, INSERT ON {tables} TO {app}",
        # The sequencer gives a pending entry its place; the row trigger refuses anything else.
        f"GRANT UPDATE (seq, prev_hash, entry_hash) ON audit_auditentry TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {schema_owner} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {schema_owner} IN SCHEMA public "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {app}",
    ]


class Command(BaseCommand):
    help = "Create the PostgreSQL role the application runs under: no ownership, append-only on audit tables."

    def add_arguments(self, parser):
        parser.add_argument("--role", default="lawreq_app", help="the application role (default lawreq_app)")
        parser.add_argument("--password", help="set the role's login password")
        parser.add_argument("--print-sql", action="store_true", help="print the statements instead of running them")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(ERR_NOT_POSTGRES.format(vendor=connection.vendor))
        role = options["role"]
        if not ROLE_NAME.match(role):
            raise CommandError(ERR_ROLE_NAME)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = %s",
                [PROTECTED_TABLES[0]],
            )
            row = cursor.fetchone()
            owner = row[0] if row else connection.settings_dict["USER"]
            cursor.execute(
                "SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) AND pg_has_role(%s, %s, 'MEMBER')",
                [role, role, owner],
            )
            if role == owner or cursor.fetchone()[0]:
                raise CommandError(ERR_SAME_ROLE.format(owner=owner))
        statements = role_statements(
            role=role, database=connection.settings_dict["NAME"], owner=owner, with_password=bool(options["password"])
        )
        if options["print_sql"]:
            for statement in statements:
                self.stdout.write(statement.replace("%s", "'<password>'") + ";")
            return
        # One transaction: the grants are revoked and given again while the application runs (after
        # every deployment); apart, its role would meet "permission denied" in between.
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement, [options["password"]] if "%s" in statement else None)
        self.stdout.write(
            self.style.SUCCESS(
                f"Role {role}: owns nothing, SELECT and INSERT only on {', '.join(PROTECTED_TABLES)}. "
                f"Serve the application with DATABASE_URL=postgres://{role}:...@host/{connection.settings_dict['NAME']}"
            )
        )
