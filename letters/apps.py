import logging

from django.apps import AppConfig

# WeasyPrint narrates every step at INFO, naming each URL it loads; letters are not worth a log line.
# Set here, at app loading, because the admin's autodiscovery imports WeasyPrint before any ready().
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class LettersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "letters"

    def ready(self) -> None:
        from lawreq.health import readiness_check_register
        from letters import checks
        from vault.crypto import register_sealed_field

        readiness_check_register("signing_key", checks.signing_key_problem)

        register_sealed_field("letters.Response", "pdf_sealed", lambda response: response.seal_context())
