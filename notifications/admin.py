"""Webhook deliveries, read only: what was sent to which agency, how often, with what answer."""

from __future__ import annotations

from django.contrib import admin

from notifications.models import WebhookDelivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("legal_request", "agency", "event", "attempts", "last_status", "delivered_at", "abandoned")
    list_filter = ("event", "abandoned")
    list_select_related = ("legal_request", "agency")
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
