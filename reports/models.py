from __future__ import annotations

from django.db import models

from audit.models import AppendOnlyModel


class TransparencyPublication(AppendOnlyModel):
    """One published transparency dataset: the exact bytes served and their detached Ed25519
    signatures (raw 64 bytes) made with the audit checkpoint key. Never changed; a new day, a new row."""

    published_at = models.DateTimeField()
    tree_size = models.PositiveBigIntegerField()
    root_hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=32)
    data_json = models.BinaryField()
    data_json_signature = models.BinaryField()
    data_csv = models.BinaryField()
    data_csv_signature = models.BinaryField()
    # The public half of the key that signed these files, kept so that they stay verifiable after the
    # checkpoint key is rotated (empty for publications made before it was kept).
    public_key_pem = models.BinaryField(default=b"")

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = ["published_at", "id"]

    def __str__(self) -> str:
        return f"transparency dataset of {self.published_at:%Y-%m-%d} (checkpoint of {self.tree_size} entries)"
