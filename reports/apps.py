from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """What auditors read, computed from the audit trail: per-request trails, activity,
    personal-data access, permission denials, deadlines and transparency."""

    name = "reports"
