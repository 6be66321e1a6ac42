from django.db import migrations, models
from django.db.models import F


def emergency_disclosures_are_emergencies(apps, schema_editor):
    """Rows filed before the service kept the two in step: an emergency disclosure request is an emergency."""
    LegalRequest = apps.get_model("requests_app", "LegalRequest")
    LegalRequest.objects.filter(process_type="emergency_disclosure", emergency=False).update(emergency=True)
    # The last submission of the rows filed before it was recorded: their first receipt.
    LegalRequest.objects.filter(received_at__isnull=False, submitted_at__isnull=True).update(
        submitted_at=F("received_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0013_h13c_agency_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="legalrequest",
            name="submitted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(emergency_disclosures_are_emergencies, migrations.RunPython.noop),
    ]
