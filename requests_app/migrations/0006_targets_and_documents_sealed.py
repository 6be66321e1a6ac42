"""Targets and legal documents sealed at rest.

The clear ``value`` and ``account_id`` columns become AES-GCM envelopes with blind indexes, and every
stored document file is replaced by its sealed stream (``vault.streams``).
"""

from django.core.files.storage import default_storage
from django.db import migrations, models

from requests_app.models import document_seal_context, target_index, target_seal_context
from vault.crypto import seal
from vault.streams import MAGIC, StreamContent, seal_stream

ACCOUNT_ID = "account_id"


def _seal_targets(apps, schema_editor):
    Target = apps.get_model("requests_app", "Target")
    for target in Target.objects.order_by("pk").iterator():
        target.value_index = target_index(target_type=target.type, value=target.value)

        def context(field, target=target):
            return target_seal_context(
                legal_request_id=target.legal_request_id,
                target_type=target.type,
                value_index=target.value_index,
                field=field,
            )

        target.value_sealed = bytes(seal(target.value.encode(), context=context("value")))
        if target.account_id:
            target.account_index = target_index(target_type=ACCOUNT_ID, value=target.account_id)
            target.account_sealed = bytes(seal(target.account_id.encode(), context=context("account")))
        target.save(update_fields=["value_index", "value_sealed", "account_index", "account_sealed"])


def _seal_documents(apps, schema_editor):
    LegalDocument = apps.get_model("requests_app", "LegalDocument")
    for document in LegalDocument.objects.order_by("pk").iterator():
        name = document.file.name
        if not name or not default_storage.exists(name):
            continue
        with default_storage.open(name, "rb") as source:
            if source.read(len(MAGIC)) == MAGIC:
                continue
            source.seek(0)
            context = document_seal_context(legal_request_id=document.legal_request_id, sha256=document.sha256)
            new_name = default_storage.save(
                name, StreamContent(seal_stream(iter(lambda: source.read(65536), b""), context=context))
            )
        LegalDocument.objects.filter(pk=document.pk).update(file=new_name)
        default_storage.delete(name)


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0005_api_tokens_and_throttled_logins")]

    operations = [
        migrations.RemoveConstraint(model_name="target", name="unique_target_per_request"),
        migrations.AddField(
            model_name="target", name="value_sealed", field=models.BinaryField(default=b"", editable=False)
        ),
        migrations.AddField(
            model_name="target",
            name="value_index",
            field=models.CharField(db_index=True, default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="target",
            name="account_sealed",
            field=models.BinaryField(blank=True, default=b"", editable=False),
        ),
        migrations.AddField(
            model_name="target",
            name="account_index",
            field=models.CharField(blank=True, db_index=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(_seal_targets, migrations.RunPython.noop),
        migrations.RunPython(_seal_documents, migrations.RunPython.noop),
        migrations.RemoveField(model_name="target", name="value"),
        migrations.RemoveField(model_name="target", name="account_id"),
        migrations.AlterField(model_name="target", name="value_sealed", field=models.BinaryField(editable=False)),
        migrations.AlterField(
            model_name="target",
            name="value_index",
            field=models.CharField(db_index=True, editable=False, max_length=64),
        ),
        migrations.AddConstraint(
            model_name="target",
            constraint=models.UniqueConstraint(
                fields=("legal_request", "type", "value_index"), name="unique_target_per_request"
            ),
        ),
    ]
