from django.apps import AppConfig


class WebConfig(AppConfig):
    """Every server-rendered page: the officers' portal, the legal team's queue and request pages,
    the auditors' desk and the public verification page. Views here call services and selectors."""

    name = "web"
