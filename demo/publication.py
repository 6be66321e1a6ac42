"""The demo's public transparency page: a checkpoint over the demo's trail, the dataset published."""

from __future__ import annotations

from audit.services import audit_checkpoint_create
from reports.models import TransparencyPublication
from reports.transparency import transparency_latest, transparency_publish


def demo_transparency_publish() -> TransparencyPublication | None:
    """Sign a checkpoint and publish the transparency dataset from it, so /transparency/ has figures;
    once (None when a dataset is already published)."""
    if transparency_latest() is not None:
        return None
    audit_checkpoint_create()
    return transparency_publish()
