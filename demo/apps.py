from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demonstration and synthetic data: the demo cast, synthetic subscribers, audit histories and
    sample letters for tests, benchmarks and a first look. No production module imports it."""

    name = "demo"
