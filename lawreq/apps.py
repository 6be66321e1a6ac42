from django.apps import AppConfig


class LawreqConfig(AppConfig):
    name = "lawreq"

    def ready(self) -> None:
        from lawreq import checks, health  # noqa: F401  (registers the production checks and readiness probes)
