from django.db import migrations, models


def number_existing_targets(apps, schema_editor):
    """Targets stored before positions existed: 1, 2, 3 in the order they were stored."""
    Target = apps.get_model("requests_app", "Target")
    current_request, position, changed = None, 0, []
    for target in Target.objects.order_by("legal_request_id", "id").only("id", "legal_request_id"):
        if target.legal_request_id != current_request:
            current_request, position = target.legal_request_id, 0
        position += 1
        target.position = position
        changed.append(target)
    Target.objects.bulk_update(changed, ["position"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0008_api_token_second_factor")]

    operations = [
        migrations.AddField(
            model_name="target",
            name="position",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AlterModelOptions(name="target", options={"ordering": ["position", "id"]}),
        migrations.RunPython(number_existing_targets, migrations.RunPython.noop),
    ]
