"""Key rotation: every registered sealed value re-encrypted to the newest key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from vault.crypto import DecryptionRefused, envelope_key_id, key_ring, seal, sealed_fields, unseal


@dataclass(frozen=True)
class RotationResult:
    key_id: str
    resealed: dict[str, int]
    already_current: int
    refused: int  # values that failed their integrity check: left as they are, audited one by one


def sealed_values_count() -> int:
    total = 0
    for sealed in sealed_fields():
        model = sealed.model_class()
        total += model.objects.exclude(**{sealed.field: b""}).exclude(**{f"{sealed.field}__isnull": True}).count()
    return total


def keys_rotate(*, actor=None, progress: Callable[[int], None] | None = None, chunk_size: int = 200) -> RotationResult:
    """Re-encrypt every registered sealed value to the newest key, a chunk of rows per transaction.

    Values already under the newest key are left alone, so an interrupted rotation can be re-run.
    A value that fails its integrity check is left untouched (and audited by ``unseal``): rotation
    must not launder a tampered ciphertext into a fresh, valid one.
    """
    current = key_ring().current_key_id
    resealed: dict[str, int] = {}
    already_current = refused = 0
    for sealed in sealed_fields():
        model = sealed.model_class()
        label = f"{model._meta.label_lower}.{sealed.field}"
        resealed[label] = 0
        pks = list(
            model.objects.exclude(**{sealed.field: b""})
            .exclude(**{f"{sealed.field}__isnull": True})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(pks), chunk_size):
            with transaction.atomic():
                rows = model.objects.select_for_update().filter(pk__in=pks[start : start + chunk_size]).order_by("pk")
                for row in rows:
                    envelope = bytes(getattr(row, sealed.field))
                    context = sealed.context(row)
                    try:
                        if envelope_key_id(envelope) == current:
                            already_current += 1
                        else:
                            plaintext = unseal(envelope, context=context, actor=actor)
                            model.objects.filter(pk=row.pk).update(**{sealed.field: seal(plaintext, context=context)})
                            resealed[label] += 1
                    except DecryptionRefused:
                        refused += 1
                    if progress is not None:
                        progress(1)
    with transaction.atomic():
        audit_record(
            action=AuditAction.KEYS_ROTATED,
            actor=actor,
            details={
                "key_id": current,
                "resealed": resealed,
                "already_current": already_current,
                "refused": refused,
                "key_ids_configured": list(key_ring().ciphers),
            },
        )
    return RotationResult(key_id=current, resealed=resealed, already_current=already_current, refused=refused)
