from __future__ import annotations

import logging

from celery import shared_task

from audit.services import ChainBroken, audit_checkpoint_create_if_due

logger = logging.getLogger(__name__)


@shared_task(name="audit.checkpoint")
def audit_checkpoint() -> int | None:
    """Beat: sign a checkpoint when entries were appended since the last one (the tree size, or None)."""
    try:
        checkpoint = audit_checkpoint_create_if_due()
    except ChainBroken as exc:
        logger.critical("audit checkpoint refused: %s", exc)
        raise
    return checkpoint.tree_size if checkpoint else None
