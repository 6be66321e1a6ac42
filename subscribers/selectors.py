"""Reads of the platform data that are not disclosure (disclosure reads go through the provider)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from requests_app.models import LegalRequest
from requests_app.states import OPEN_STATES
from subscribers.models import PreservationHold


def holds_in_force(*, now: dt.datetime | None = None) -> QuerySet[PreservationHold]:
    """The holds that preserve now: within their period, or kept by a request for production that
    followed the preservation order within that period and is not answered yet. The data is then
    preserved as long as needed to produce it (Regulation (EU) 2023/1543 Art. 11(1), (2); Annex II)."""
    now = now or timezone.now()
    kept = PreservationHold.objects.filter(
        legal_request__productions__state__in=OPEN_STATES,
        legal_request__productions__received_at__lt=F("expires_at"),
    ).values("pk")
    return PreservationHold.objects.filter(Q(expires_at__gt=now) | Q(pk__in=kept))


def preservation_holds_of(*, legal_request: LegalRequest, active_only: bool = True) -> list[PreservationHold]:
    holds = holds_in_force() if active_only else PreservationHold.objects.all()
    return list(holds.filter(legal_request=legal_request).order_by("pk"))


def account_is_held(*, account_id: str) -> bool:
    """Whether a preservation order still holds the account's data (so it must not be deleted)."""
    return holds_in_force().filter(account__account_id=account_id).exists()
