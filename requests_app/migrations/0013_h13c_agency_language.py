from django.db import migrations, models

COUNTRY_LANGUAGES = {"FR": "fr", "DE": "de", "AT": "de"}


def languages_from_countries(apps, schema_editor):
    Agency = apps.get_model("requests_app", "Agency")
    for country, language in COUNTRY_LANGUAGES.items():
        Agency.objects.filter(country=country).update(language=language)


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0012_merge_20261201_1216"),
    ]

    operations = [
        migrations.AddField(
            model_name="agency",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("fr", "Français"), ("de", "Deutsch")],
                default="en",
                help_text="The language of its officers' portal (unless they choose another) and of its letters",
                max_length=2,
            ),
        ),
        migrations.RunPython(languages_from_countries, migrations.RunPython.noop),
    ]
