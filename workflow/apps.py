from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """The journey of a request: submit, validate, decide, issue. See ``workflow.services``."""

    name = "workflow"
