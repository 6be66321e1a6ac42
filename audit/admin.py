"""Every change made in the admin is an entry in the audit trail.

``AuditedModelAdmin`` (or ``AuditedAdminMixin`` before another ModelAdmin class) records who added,
changed or deleted which object of which model, and which fields changed: values in clear only for
fields that cannot hold personal data (flags, numbers, dates, choices, references by primary key,
and names an admin lists in ``audit_plain_fields``), every other value as a keyed hash
(``audit_hash_identifier``), and secrets (passwords, keys, tokens) as "changed" with no value at all.
Inline rows are recorded with their parent. ``audit.apps`` wraps any admin registered without it
(third-party ones included), so no admin escapes.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import orjson
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction

from audit.actions import AuditAction
from audit.models import AuditCheckpoint, AuditEntry
from audit.services import audit_hash_identifier, audit_record

# What the trail says of a changed secret: no value, not even hashed.
SECRET_CHANGED = "changed"  # noqa: S105 - a label, not a password
SECRET_FIELD_NAMES = frozenset({"key", "secret", "token", "token_key", "digest", "bin_key"})
PLAIN_FIELD_TYPES = (
    models.BooleanField,
    models.IntegerField,
    models.DateField,
    models.DurationField,
    models.ForeignKey,
    models.OneToOneField,
    models.ManyToManyField,
)


def _is_secret(name: str, secret_fields: tuple[str, ...]) -> bool:
    return "password" in name or name in SECRET_FIELD_NAMES or name in secret_fields


def _model_field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a form-only field (password1, otp...)
        return None


def _plain(value: Any) -> Any:
    """A value as the audit trail stores it (JSON-canonical): objects by primary key."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(_plain(item) for item in value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _hashed(value: Any) -> str | None:
    if value in (None, "", [], {}):
        return None
    return audit_hash_identifier(orjson.dumps(_plain(value), option=orjson.OPT_SORT_KEYS).decode())


class AuditedAdminMixin:
    """Put it before ``admin.ModelAdmin`` (or a ModelAdmin subclass) in the bases."""

    audit_plain_fields: tuple[str, ...] = ()
    audit_secret_fields: tuple[str, ...] = ()

    # --- what changed ---------------------------------------------------------------------------

    def audit_value(self, model: type[models.Model], name: str, value: Any) -> Any:
        field = _model_field(model, name)
        plain = name in self.audit_plain_fields or (
            field is not None and (isinstance(field, PLAIN_FIELD_TYPES) or bool(getattr(field, "choices", None)))
        )
        return _plain(value) if plain else _hashed(value)

    def audit_form_changes(self, model: type[models.Model], form, *, add: bool) -> dict[str, Any]:
        """The fields the form changed: {"field": {"old": ..., "new": ...}} (many-to-many: added,
        removed), secrets as "changed"."""
        changes: dict[str, Any] = {}
        for name in form.changed_data:
            if _is_secret(name, self.audit_secret_fields):
                changes[name] = SECRET_CHANGED
                continue
            new = form.cleaned_data.get(name)
            old = None if add else form.initial.get(name)
            if isinstance(_model_field(model, name), models.ManyToManyField):
                before, after = set(_plain(old or [])), set(_plain(new or []))
                changes[name] = {"added": sorted(after - before), "removed": sorted(before - after)}
                continue
            change = {"new": self.audit_value(model, name, new)}
            if not add:
                change["old"] = self.audit_value(model, name, old)
            changes[name] = change
        return changes

    def _pending(self, request) -> dict[int, dict[str, Any]]:
        if not hasattr(request, "_audit_admin_pending"):
            request._audit_admin_pending = {}
        return request._audit_admin_pending

    # --- Django admin hooks: the changes are computed as they are saved, and recorded with the
    # log entry Django writes for them (inside the admin's transaction) ---------------------------

    def save_model(self, request, obj, form, change):
        pending = self._pending(request).setdefault(id(obj), {})
        pending["fields"] = self.audit_form_changes(type(obj), form, add=not change)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        deleted = [(type(f.instance), f.instance.pk) for f in formset.deleted_forms if f.instance.pk is not None]
        changed = [
            (type(f.instance), f.instance.pk, self.audit_form_changes(type(f.instance), f, add=False))
            for f in formset.initial_forms
            if f.has_changed() and f not in formset.deleted_forms
        ]
        super().save_formset(request, form, formset, change)
        rows = [{"model": m._meta.label_lower, "object": str(pk), "deleted": True} for m, pk in deleted]
        rows += [{"model": m._meta.label_lower, "object": str(pk), "fields": f} for m, pk, f in changed]
        rows += [
            {
                "model": obj._meta.label_lower,
                "object": str(obj.pk),
                "added": True,
                "fields": self.audit_form_changes(type(obj), f, add=True),
            }
            for f in formset.extra_forms
            if (obj := f.instance).pk is not None and f.has_changed() and f not in formset.deleted_forms
        ]
        if rows:
            self._pending(request).setdefault(id(form.instance), {}).setdefault("inlines", []).extend(rows)

    def _record(self, request, obj, action: str, message) -> None:
        pending = self._pending(request).pop(id(obj), {})
        fields = pending.get("fields")
        if fields is None:  # a change made outside save_model (the password form): names from Django's message
            names = [name for item in (message or []) for name in item.get("changed", {}).get("fields", [])]
            fields = dict.fromkeys(names, SECRET_CHANGED)
        details: dict[str, Any] = {"via": "admin", "fields": fields}
        if pending.get("inlines"):
            details["inlines"] = pending["inlines"]
        audit_record(action=action, actor=request.user, obj=obj, details=details)

    def log_addition(self, request, obj, message):
        self._record(request, obj, AuditAction.ADMIN_ADDED, message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._record(request, obj, AuditAction.ADMIN_CHANGED, message)
        return super().log_change(request, obj, message)

    def _record_deletion(self, request, obj) -> None:
        audit_record(action=AuditAction.ADMIN_DELETED, actor=request.user, obj=obj, details={"via": "admin"})

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._record_deletion(request, obj)
            super().delete_model(request, obj)

    def get_action(self, action):
        """The admin's own actions record what they were run on before they run (a bulk deletion is
        recorded row by row in ``delete_queryset``)."""
        found = super().get_action(action)
        if found is None:
            return None
        func, name, description = found

        @functools.wraps(func)
        def audited(model_admin, request, queryset):
            with transaction.atomic():
                objects = sorted(str(pk) for pk in queryset.values_list("pk", flat=True))
                audit_record(
                    action=AuditAction.ADMIN_ACTION,
                    actor=request.user,
                    details={
                        "via": "admin",
                        "model": model_admin.model._meta.label_lower,
                        "name": name,
                        "objects": objects,
                    },
                )
                return func(model_admin, request, queryset)

        return audited, name, description

    def delete_queryset(self, request, queryset):
        # The bulk "delete selected" action runs outside the admin's transaction: one of its own.
        with transaction.atomic():
            for obj in queryset:
                self._record_deletion(request, obj)
            super().delete_queryset(request, queryset)


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The base of every ModelAdmin of the project."""


def audited_admin_class(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """``admin_class`` with the audit mixin, for an admin registered without it (a library's)."""
    if issubclass(admin_class, AuditedAdminMixin):
        return admin_class
    return type(admin_class.__name__, (AuditedAdminMixin, admin_class), {"__module__": admin_class.__module__})


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "actor_username", "role", "action", "request_ref")
    list_filter = ("action", "role")
    search_fields = ("request_ref", "actor_username")


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("tree_size", "created_at", "merkle_root", "key_id", "file_name")
