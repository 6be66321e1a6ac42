"""Entries enter pending (no place in the chain yet) and a sequencer chains them later.

``seq`` stops being the key (a pending entry has none): ``id`` is, in insertion order. On
PostgreSQL the append-only trigger of migration 0004 is split in two on ``audit_auditentry``:

- statement level: DELETE and TRUNCATE are refused always; UPDATE is refused unless the
  transaction declared itself the sequencer (``SET LOCAL lawreq.audit_sequencer = 'on'``, which is
  a guard against accidents, not a privilege: the row trigger below is the protection);
- row level: an UPDATE may only give a pending row its ``seq``, ``prev_hash`` and ``entry_hash``,
  once; an entry already in the chain, or any other column, cannot change.
"""

from django.db import migrations, models

ENTRY_GUARD = """
CREATE OR REPLACE FUNCTION lawreq_audit_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('lawreq.audit_sequencer', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'lawreq audit: % on % refused: the audit trail is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""
SEQUENCE_ONLY = """
CREATE OR REPLACE FUNCTION lawreq_audit_entry_sequence_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.entry_hash = ''
       OR NEW.id IS DISTINCT FROM OLD.id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.actor_id IS DISTINCT FROM OLD.actor_id
       OR NEW.actor_username IS DISTINCT FROM OLD.actor_username
       OR NEW.role IS DISTINCT FROM OLD.role
       OR NEW.action IS DISTINCT FROM OLD.action
       OR NEW.object_type IS DISTINCT FROM OLD.object_type
       OR NEW.object_id IS DISTINCT FROM OLD.object_id
       OR NEW.request_ref IS DISTINCT FROM OLD.request_ref
       OR NEW.details IS DISTINCT FROM OLD.details THEN
        RAISE EXCEPTION 'lawreq audit: entry % refused: the audit trail is append-only', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
"""
INSTALL = [
    "DROP TRIGGER IF EXISTS lawreq_audit_append_only ON audit_auditentry",
    ENTRY_GUARD,
    SEQUENCE_ONLY,
    """CREATE TRIGGER lawreq_audit_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_auditentry
        FOR EACH STATEMENT EXECUTE FUNCTION lawreq_audit_entry_guard()""",
    """CREATE TRIGGER lawreq_audit_sequence_only
        BEFORE UPDATE ON audit_auditentry
        FOR EACH ROW EXECUTE FUNCTION lawreq_audit_entry_sequence_only()""",
]
UNINSTALL = [
    "DROP TRIGGER IF EXISTS lawreq_audit_sequence_only ON audit_auditentry",
    "DROP TRIGGER IF EXISTS lawreq_audit_append_only ON audit_auditentry",
    "DROP FUNCTION IF EXISTS lawreq_audit_entry_sequence_only()",
    "DROP FUNCTION IF EXISTS lawreq_audit_entry_guard()",
    """CREATE TRIGGER lawreq_audit_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_auditentry
        FOR EACH STATEMENT EXECUTE FUNCTION lawreq_audit_refuse_change()""",
]


def drop_seq_primary_key(apps, schema_editor):
    """Django makes ``seq`` nullable before it drops the key it is in, which PostgreSQL refuses."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'audit_auditentry'::regclass AND contype = 'p'"
        )
        for (name,) in cursor.fetchall():
            schema_editor.execute(f'ALTER TABLE audit_auditentry DROP CONSTRAINT "{name}"', params=None)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in INSTALL:
            schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in UNINSTALL:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_seq_primary_key_fewer_indexes")]

    operations = [
        migrations.RunPython(drop_seq_primary_key, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.PositiveBigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="id",
            field=models.BigAutoField(primary_key=True, serialize=False),
        ),
        migrations.AlterField(model_name="auditentry", name="entry_hash", field=models.CharField(blank=True, max_length=64)),
        migrations.AlterField(model_name="auditentry", name="prev_hash", field=models.CharField(blank=True, max_length=64)),
        migrations.AlterModelOptions(
            name="auditentry",
            options={
                "ordering": [models.OrderBy(models.F("seq"), nulls_last=True), "id"],
                "verbose_name_plural": "audit entries",
            },
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(condition=models.Q(seq__isnull=True), fields=["id"], name="audit_entry_pending_idx"),
        ),
        migrations.AddField(model_name="auditcheckpoint", name="timestamp_token", field=models.TextField(blank=True)),
        migrations.RunPython(install, uninstall),
    ]
