"""On PostgreSQL the audit tables refuse UPDATE, DELETE and TRUNCATE in the database itself.

Statement-level triggers fire even when no row matches, and for every role, table owner and
superuser included; only a role that may ALTER the table (its owner, a superuser) can disable
them, which is why the application runs under a role that owns nothing (``audit_db_roles``).
SQLite has no such protection: there the append-only guarantee is the model's and the hash chain's.
"""

from django.db import migrations

PROTECTED_TABLES = ["audit_auditentry", "audit_auditcheckpoint"]

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION lawreq_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'lawreq audit: % on % refused: the audit trail is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""
CREATE_TRIGGER = """
CREATE TRIGGER lawreq_audit_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION lawreq_audit_refuse_change();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for table in PROTECTED_TABLES:
        schema_editor.execute(CREATE_TRIGGER.format(table=table), params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in PROTECTED_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS lawreq_audit_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS lawreq_audit_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_checkpoints_and_advisory_lock")]
    operations = [migrations.RunPython(install, uninstall)]
