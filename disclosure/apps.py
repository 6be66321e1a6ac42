from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "disclosure"

    def ready(self) -> None:
        from disclosure.models import CallBack, SnapshotTarget
        from disclosure.selectors import annex_iii_public
        from requests_app.serializers import register_annex_iii_reader
        from vault.crypto import register_sealed_field

        register_annex_iii_reader(annex_iii_public)

        for field in SnapshotTarget.SEALED_FIELDS:
            register_sealed_field(
                "disclosure.SnapshotTarget", field, lambda entry, field=field: entry.seal_context(field)
            )
        for field in CallBack.SEALED_FIELDS:
            register_sealed_field(
                "disclosure.CallBack", f"{field}_sealed", lambda callback, field=field: callback.seal_context(field)
            )
