from django.apps import AppConfig


class RequestsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "requests_app"

    def ready(self) -> None:
        from requests_app import checks, schema  # noqa: F401  (register the system checks, the token's OpenAPI description)
        from requests_app.models import Target
        from requests_app.webhooks import agency_webhook_seal_context
        from vault.crypto import register_sealed_field, register_sealed_file

        for field in Target.SEALED_FIELDS:
            register_sealed_field(
                "requests_app.Target", f"{field}_sealed", lambda target, field=field: target.seal_context(field)
            )
        register_sealed_field(
            "requests_app.Agency", "webhook_secret_sealed", lambda agency: agency_webhook_seal_context(agency.pk)
        )
        register_sealed_file("requests_app.LegalDocument", "file", lambda document: document.seal_context())
