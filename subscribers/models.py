"""The platform's own records about its users: accounts, the phone numbers they held, IP events.

These tables stand in for the platform's production store (see ``subscribers.providers``); a
platform with its own store plugs in a provider instead and leaves them empty.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Account(models.Model):
    account_id = models.CharField(max_length=100, unique=True)
    username = models.CharField(max_length=64)
    phone = models.CharField(max_length=20, blank=True, help_text="Current number, E.164")
    registered_at = models.DateTimeField()
    display_name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # Usernames are case-insensitive on the platform: "@Someone" and "@someone" are one account.
            models.UniqueConstraint(Lower("username"), name="account_username_ci_unique"),
        ]
        indexes = [models.Index(fields=["phone"], name="account_phone_idx")]

    def __str__(self) -> str:
        return f"account #{self.pk}"


class PhoneHistory(models.Model):
    """Which number an account held when; the current one has no ``valid_to``."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="phone_history")
    number = models.CharField(max_length=20, help_text="E.164")
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["account_id", "valid_from"]
        verbose_name_plural = "phone history"
        indexes = [models.Index(fields=["number", "valid_from"], name="phonehistory_number_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=models.F("valid_from")),
                name="phonehistory_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"phone period #{self.pk}"


class IpEvent(models.Model):
    """One connection: the account, when (UTC), from which address and source port.

    The composite (account, ts) index serves every disclosure query (one account, one date range);
    the foreign key's own single-column index would only duplicate its prefix, so it is not created.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ip_events", db_index=False)
    ts = models.DateTimeField()
    ip = models.GenericIPAddressField(unpack_ipv4=False)
    port = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "ts"], name="ipevent_account_ts_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(port__isnull=True) | models.Q(port__lte=65535), name="ipevent_port_range"
            )
        ]

    def __str__(self) -> str:
        return f"ip event #{self.pk}"


class PreservationHold(models.Model):
    """Data of an account that must not be deleted, because a preservation order asked for it."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    legal_request = models.ForeignKey(
        "requests_app.LegalRequest", on_delete=models.PROTECT, related_name="preservation_holds"
    )
    starts_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    extended_at = models.DateTimeField(null=True, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the lapse was recorded in the trail (``preservation_holds_expire``, beat): once per hold.
    expiry_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-expires_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["legal_request", "account"], name="one_hold_per_request_account"),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("starts_at")), name="hold_period_ordered"
            ),
        ]
        indexes = [models.Index(fields=["account", "expires_at"], name="hold_account_expiry_idx")]

    def __str__(self) -> str:
        return f"hold #{self.pk} until {self.expires_at:%Y-%m-%d}"

    def is_active(self, at=None) -> bool:
        return self.expires_at > (at or timezone.now())
