"""Records at rest: AES-256-GCM envelopes bound to the row and field they belong to.

An envelope is ``version (1 byte) | key id length (1 byte) | key id | nonce (12 bytes) | ciphertext+tag``.
The associated data is the envelope header plus a ``context`` naming the row and field
(``"disclosure.snapshottarget:42:ip_events"``), so a ciphertext copied to another row or field, or
relabelled with another key id, does not decrypt.

Keys come from ``settings.LAWREQ_ENCRYPTION_KEYS`` (``"kid:base64key,kid:base64key"``; the last one
encrypts, every listed one decrypts). With the setting empty, the embedded default keeps
development keys in ``settings.LAWREQ_KEYS_DIR`` (never in the repository).

Apps whose models hold envelopes register the fields (``register_sealed_field``) so ``rotate_keys``
re-encrypts them all to the newest key.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.errors import DomainError

ENVELOPE_VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
DEV_KEYS_FILENAME = "data_keys"
_AAD_PREFIX = b"lawreq-sealed\x00"
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

ERR_KEYS_FORMAT = (
    "LAWREQ_ENCRYPTION_KEYS must be 'kid:base64key,...' with 16, 24 or 32-byte keys; entry {index} is not."
)
ERR_KEYS_DUPLICATE = "LAWREQ_ENCRYPTION_KEYS names key id '{kid}' twice."
ERR_MALFORMED = "The sealed value is malformed."
ERR_UNKNOWN_KEY = "The sealed value was encrypted with key '{kid}', which is no longer configured."
ERR_TAMPERED = "The sealed value fails its integrity check (altered, or moved from another record)."
ERR_NOT_DEVELOPMENT = "New keys are generated only for the development key file; set LAWREQ_ENCRYPTION_KEYS instead."


class DecryptionRefused(DomainError):
    """A sealed value that cannot be trusted. Never retried with other contexts or keys."""

    status_code = 409
    code = "decryption_refused"


@dataclass(frozen=True)
class KeyRing:
    ciphers: dict[str, AESGCM]
    current_key_id: str
    # The raw keys, for the streaming envelopes of files, which derive a key per file from them.
    keys: dict[str, bytes]


def _parse_keys(spec: str) -> KeyRing:
    ciphers: dict[str, AESGCM] = {}
    keys: dict[str, bytes] = {}
    entries = [entry.strip() for entry in spec.replace("\n", ",").split(",") if entry.strip()]
    for index, entry in enumerate(entries):
        kid, sep, encoded = entry.partition(":")
        try:
            key = base64.b64decode(encoded.strip().replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if not sep or not _KEY_ID.match(kid) or len(key) not in (16, 24, 32):
            # The entry itself is never echoed: it holds key material.
            raise ImproperlyConfigured(ERR_KEYS_FORMAT.format(index=index))
        if kid in ciphers:
            raise ImproperlyConfigured(ERR_KEYS_DUPLICATE.format(kid=kid))
        ciphers[kid] = AESGCM(key)
        keys[kid] = key
    if not ciphers:
        raise ImproperlyConfigured(ERR_KEYS_FORMAT.format(index=0))
    return KeyRing(ciphers=ciphers, current_key_id=entries[-1].partition(":")[0], keys=keys)


@lru_cache(maxsize=8)
def _ring_from_spec(spec: str) -> KeyRing:
    return _parse_keys(spec)


def development_keys_path() -> Path:
    return Path(settings.LAWREQ_KEYS_DIR) / DEV_KEYS_FILENAME


def _new_key_entry(kid: str) -> str:
    return f"{kid}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def _development_spec() -> str:
    path = development_keys_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once must not each write a different first key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(_new_key_entry("dev1") + "\n")
    return path.read_text()


def key_ring() -> KeyRing:
    spec = settings.LAWREQ_ENCRYPTION_KEYS.strip()
    return _ring_from_spec(spec or _development_spec())


def uses_development_keys() -> bool:
    return not settings.LAWREQ_ENCRYPTION_KEYS.strip()


def development_key_add() -> str:
    """Append a fresh key to the development key file; it becomes the one that encrypts."""
    if not uses_development_keys():
        raise ImproperlyConfigured(ERR_NOT_DEVELOPMENT)
    ring = key_ring()
    number = len(ring.ciphers) + 1
    while f"dev{number}" in ring.ciphers:
        number += 1
    kid = f"dev{number}"
    with development_keys_path().open("a") as handle:
        handle.write(_new_key_entry(kid) + "\n")
    return kid


def _header(kid: str) -> bytes:
    encoded = kid.encode()
    return bytes([ENVELOPE_VERSION, len(encoded)]) + encoded


def _aad(header: bytes, context: str) -> bytes:
    return _AAD_PREFIX + header + b"\x00" + context.encode()


def seal(plaintext: bytes, *, context: str) -> bytearray:
    """The envelope (bytes-like) of ``plaintext`` under the newest key, bound to ``context``."""
    ring = key_ring()
    header = _header(ring.current_key_id)
    nonce = os.urandom(NONCE_BYTES)
    # Encrypting straight into the envelope's buffer: concatenating a multi-megabyte ciphertext
    # after the header costs several times the encryption itself.
    start = len(header) + NONCE_BYTES
    envelope = bytearray(start + len(plaintext) + TAG_BYTES)
    envelope[: len(header)] = header
    envelope[len(header) : start] = nonce
    cipher = ring.ciphers[ring.current_key_id]
    cipher.encrypt_into(nonce, plaintext, _aad(header, context), memoryview(envelope)[start:])
    return envelope


def _byte_view(envelope: bytes) -> memoryview:
    # psycopg2 hands out memoryviews of format 'c', whose items are bytes, not ints.
    view = memoryview(envelope)
    return view if view.format == "B" else view.cast("B")


def envelope_key_id(envelope: bytes) -> str:
    """The key id an envelope names, or raise ``DecryptionRefused`` if it has no valid header."""
    view = _byte_view(envelope)
    if len(view) < 2 or view[0] != ENVELOPE_VERSION:
        raise DecryptionRefused(ERR_MALFORMED)
    kid_len = view[1]
    if len(view) < 2 + kid_len + NONCE_BYTES + TAG_BYTES:
        raise DecryptionRefused(ERR_MALFORMED)
    try:
        kid = view[2 : 2 + kid_len].tobytes().decode()
    except UnicodeDecodeError:
        raise DecryptionRefused(ERR_MALFORMED)
    # The header is the ciphertext's own word: anything but a well-formed key id (a NUL byte, say)
    # is refused here, before it can reach the audit trail.
    if not _KEY_ID.match(kid):
        raise DecryptionRefused(ERR_MALFORMED)
    return kid


def unseal(envelope: bytes, *, context: str, actor=None, request_ref: str = "") -> bytes:
    """The plaintext, or ``DecryptionRefused``; every refusal is written to the audit trail."""
    view = _byte_view(envelope)  # no copy of the ciphertext
    kid = ""
    try:
        kid = envelope_key_id(view)
        cipher = key_ring().ciphers.get(kid)
        if cipher is None:
            raise DecryptionRefused(ERR_UNKNOWN_KEY.format(kid=kid))
        header_len = 2 + view[1]
        nonce = view[header_len : header_len + NONCE_BYTES].tobytes()
        aad = _aad(view[:header_len].tobytes(), context)
        try:
            return cipher.decrypt(nonce, view[header_len + NONCE_BYTES :], aad)
        except InvalidTag:
            raise DecryptionRefused(ERR_TAMPERED)
    except DecryptionRefused as refused:
        _audit_refusal(context=context, kid=kid, reason=refused.message, actor=actor, request_ref=request_ref)
        raise


def _audit_refusal(*, context: str, kid: str, reason: str, actor, request_ref: str) -> None:
    audit_record(
        action=AuditAction.DECRYPTION_REFUSED,
        actor=actor,
        request_ref=request_ref,
        # The context names a row and field (model:pk:field), never its content.
        details={"context": context, "key_id": kid[:64], "reason": reason},
    )


# Registry of the model fields that hold envelopes, for key rotation.


@dataclass(frozen=True)
class SealedField:
    model: str  # "app_label.ModelName"
    field: str
    context: Callable[[models.Model], str]

    def model_class(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.model)


_SEALED_FIELDS: dict[tuple[str, str], SealedField] = {}


def register_sealed_field(model: str, field: str, context: Callable[[models.Model], str]) -> None:
    """Declare that ``model.field`` holds envelopes sealed with ``context(instance)``.

    Call it from the app's ``AppConfig.ready()``; registering the same field again replaces it.
    """
    _SEALED_FIELDS[(model.lower(), field)] = SealedField(model=model, field=field, context=context)


def sealed_fields() -> tuple[SealedField, ...]:
    return tuple(_SEALED_FIELDS.values())


# Registry of the file fields whose files are sealed streams (``vault.streams``), for key rotation.


_SEALED_FILES: dict[tuple[str, str], SealedField] = {}


def register_sealed_file(model: str, field: str, context: Callable[[models.Model], str]) -> None:
    """Declare that the files of ``model.field`` (a ``FileField``) are sealed with ``context(instance)``."""
    _SEALED_FILES[(model.lower(), field)] = SealedField(model=model, field=field, context=context)


def sealed_files() -> tuple[SealedField, ...]:
    return tuple(_SEALED_FILES.values())
