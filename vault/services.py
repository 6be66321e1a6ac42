"""Key rotation: every registered sealed value and sealed file re-encrypted to the newest key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from vault.crypto import (
    DecryptionRefused,
    SealedField,
    envelope_key_id,
    key_ring,
    seal,
    sealed_fields,
    sealed_files,
    unseal,
)
from vault.streams import StreamContent, seal_stream, stream_key_id, stream_verify, unseal_stream


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
    for sealed in sealed_files():
        total += sealed.model_class().objects.exclude(**{sealed.field: ""}).count()
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
    for sealed in sealed_files():
        counts = _files_rotate(sealed, current=current, actor=actor, progress=progress)
        resealed[f"{sealed.model_class()._meta.label_lower}.{sealed.field}"] = counts[0]
        already_current += counts[1]
        refused += counts[2]
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


def _files_rotate(
    sealed: SealedField, *, current: str, actor, progress: Callable[[int], None] | None
) -> tuple[int, int, int]:
    """Re-encrypt each sealed file to a new file, one row per transaction; the old file is deleted
    once the row names the new one (a crash in between leaves an orphan file, never a lost one)."""
    model = sealed.model_class()
    resealed = already_current = refused = 0
    pks = list(model.objects.exclude(**{sealed.field: ""}).order_by("pk").values_list("pk", flat=True))
    for pk in pks:
        with transaction.atomic():
            row = model.objects.select_for_update().get(pk=pk)
            field_file = getattr(row, sealed.field)
            storage, old_name, context = field_file.storage, field_file.name, sealed.context(row)
            try:
                with storage.open(old_name, "rb") as source:
                    if stream_key_id(source) == current:
                        already_current += 1
                        continue
                # Verified whole first: a tampered file is left as it is, never re-sealed as valid.
                with storage.open(old_name, "rb") as source:
                    stream_verify(source, context=context, actor=actor)
                with storage.open(old_name, "rb") as source:
                    plaintext = unseal_stream(source, context=context, actor=actor)
                    new_name = storage.save(old_name, StreamContent(seal_stream(plaintext, context=context)))
                model.objects.filter(pk=pk).update(**{sealed.field: new_name})
                transaction.on_commit(lambda storage=storage, old_name=old_name: storage.delete(old_name))
                resealed += 1
            except DecryptionRefused:
                refused += 1
            finally:
                if progress is not None:
                    progress(1)
    return resealed, already_current, refused
