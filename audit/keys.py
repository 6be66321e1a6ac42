"""The Ed25519 key that signs audit checkpoints.

Production points ``AUDIT_CHECKPOINT_KEY`` at a PEM file from the secret store; the embedded
default generates a development key in the data folder (never in the repository) when missing.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

logger = logging.getLogger(__name__)

ERR_NOT_ED25519 = "{path} does not hold an Ed25519 key"


class CheckpointKeyError(ValueError):
    pass


def _generate(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    logger.warning("generated an Ed25519 key at %s, id %s", path.name, key_id(key.public_key()))
    return key


def checkpoint_signing_key() -> Ed25519PrivateKey:
    return ed25519_key_at(settings.AUDIT_CHECKPOINT_KEY)


def ed25519_key_at(location: str | Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM file, generated there (0600) when the file is missing."""
    path = Path(location)
    if not path.exists():
        try:
            return _generate(path)
        except FileExistsError:
            pass  # another process generated it first; read theirs
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointKeyError(ERR_NOT_ED25519.format(path=path))
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    data = Path(path).read_bytes()
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        key = serialization.load_pem_private_key(data, password=None).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointKeyError(ERR_NOT_ED25519.format(path=path))
    return key


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]
