"""Celery tasks of letters: thin, each runs one service."""

from __future__ import annotations

from celery import shared_task

from letters.retention import purge_expired


@shared_task(name="letters.purge_expired")
def purge_expired_task() -> int:
    """Purge what the retention periods let go (beat: daily); returns how many items went."""
    return len(purge_expired())
