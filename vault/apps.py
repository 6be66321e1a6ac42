from django.apps import AppConfig


class VaultConfig(AppConfig):
    """Encryption at rest: sealed values, the key ring and key rotation. It owns no model: the apps
    whose models hold sealed values register those fields here."""

    name = "vault"
