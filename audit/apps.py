from django.apps import AppConfig


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"

    def ready(self) -> None:
        from audit.selectors import checkpoint_lag_problem
        from lawreq.health import readiness_check_register

        readiness_check_register("audit_checkpoint", checkpoint_lag_problem)
        # Every admin registered so far (the admin app discovered them all before this app is
        # ready) records its changes in the trail, a library's too: see audit.admin.
        from django.contrib import admin

        from audit.admin import audited_admin_class

        site = admin.site
        for model, model_admin in list(site._registry.items()):
            audited = audited_admin_class(type(model_admin))
            if audited is not type(model_admin):
                site._registry[model] = audited(model, site)
