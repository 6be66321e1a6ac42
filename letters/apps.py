import logging

from django.apps import AppConfig

# WeasyPrint narrates every step at INFO, naming each URL it loads; letters are not worth a log line.
# Set here, at app loading, because the admin's autodiscovery imports WeasyPrint before any ready().
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class LettersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "letters"

    def ready(self) -> None:
        from celery.signals import worker_init

        from lawreq.health import readiness_check_register
        from letters import checks
        from letters.selectors import letter_status_read
        from letters.signing import worker_signing_check
        from requests_app.serializers import register_letter_status
        from vault.crypto import register_sealed_field

        readiness_check_register("signing_key", checks.signing_key_problem)

        register_sealed_field("letters.Response", "pdf_sealed", lambda response: response.seal_context())
        register_letter_status(letter_status_read)
        worker_init.connect(worker_signing_check, weak=False, dispatch_uid="letters.worker_signing_check")
