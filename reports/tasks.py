from __future__ import annotations

from celery import shared_task

from lawreq.errors import Conflict
from reports.transparency import transparency_publish


@shared_task(name="reports.transparency_publish")
def transparency_publish_task() -> int | None:
    """Beat, daily: publish the transparency dataset at the latest checkpoint. Returns the
    publication's id (None before the first checkpoint)."""
    try:
        return transparency_publish().pk
    except Conflict:
        return None
