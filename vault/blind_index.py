"""Keyed blind indexes: equality search over values that are stored only sealed.

``blind_index(kind=..., value=...)`` is HMAC-SHA256 under ``settings.LAWREQ_BLIND_INDEX_KEY`` (its own
key, never one of the data keys) of ``kind`` and the already normalised value. Equal values of the same
kind give equal indexes, so a unique constraint, a duplicate check or a search by identifier still works
on the index column; without the key, a leaked database gives no way to test a guessed phone number.

What it does not hide: equality. Anyone who reads the table sees which rows name the same identifier
(how many requests name one account, and which ones), though not what the identifier is.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ERR_INDEX_KEY = "LAWREQ_BLIND_INDEX_KEY must be at least 32 characters."
_MIN_KEY_LENGTH = 32


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    if len(secret) < _MIN_KEY_LENGTH:
        raise ImproperlyConfigured(ERR_INDEX_KEY)
    # Derived, so the index key stays distinct from any other use the operator makes of the secret.
    return hmac.new(secret.encode(), b"lawreq-blind-index-v1", hashlib.sha256).digest()


def blind_index(*, kind: str, value: str) -> str:
    """The hex index of a normalised ``value`` of a given ``kind`` (phone, username, account_id)."""
    message = kind.encode() + b"\x00" + value.encode()
    return hmac.new(_key(settings.LAWREQ_BLIND_INDEX_KEY), message, hashlib.sha256).hexdigest()
