"""Reads of the platform data that are not disclosure (disclosure reads go through the provider)."""

from __future__ import annotations

from django.utils import timezone

from requests_app.models import LegalRequest
from subscribers.models import PreservationHold


def preservation_holds_of(*, legal_request: LegalRequest, active_only: bool = True) -> list[PreservationHold]:
    holds = PreservationHold.objects.filter(legal_request=legal_request)
    if active_only:
        holds = holds.filter(expires_at__gt=timezone.now())
    return list(holds.order_by("pk"))


def account_is_held(*, account_id: str) -> bool:
    """Whether a preservation order still holds the account's data (so it must not be deleted)."""
    return PreservationHold.objects.filter(account__account_id=account_id, expires_at__gt=timezone.now()).exists()
