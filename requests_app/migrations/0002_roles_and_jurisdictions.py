"""The five roles as groups, and the jurisdictions: every ISO 3166-1 country plus the EU layer."""

import pycountry
from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["officer", "analyst", "reviewer", "auditor", "admin"]
STAFF_VIEW = ["analyst", "reviewer"]
EU_MEMBERS = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
    "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
}


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.get(codename="view_legalrequest", content_type__app_label="requests_app")
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        if name in STAFF_VIEW:
            group.permissions.add(view)

    Jurisdiction = apps.get_model("requests_app", "Jurisdiction")
    eu, _ = Jurisdiction.objects.get_or_create(code="EU", defaults={"name": "European Union", "is_region": True})
    for country in pycountry.countries:
        Jurisdiction.objects.get_or_create(
            code=country.alpha_2,
            defaults={"name": country.name, "parent": eu if country.alpha_2 in EU_MEMBERS else None},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
