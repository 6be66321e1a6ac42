from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """The conversation about a request and its history: messages between the agency and the legal
    team, the legal team's internal notes, what an officer changed on each submission, and the
    timeline of the request built from these and the audit trail."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "casework"

    def ready(self) -> None:
        from vault.crypto import register_sealed_field

        register_sealed_field("casework.Message", "body_sealed", lambda message: message.seal_context())
        register_sealed_field("casework.InternalNote", "body_sealed", lambda note: note.seal_context())
