from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Who is told what happened to a request: in-app notifications and their e-mails. The journey's
    steps (``workflow``) fan them out; this app only records, lists and sends them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
