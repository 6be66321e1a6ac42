from django.apps import AppConfig


class RequestsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "requests_app"

    def ready(self) -> None:
        from requests_app import schema  # noqa: F401  (registers the token's OpenAPI description)
