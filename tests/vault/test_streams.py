"""The streaming envelope of files: round trips, and every way to cut, extend, reorder or move one."""

from __future__ import annotations

import io
import os
import re

import pytest

from audit.actions import AuditAction
from audit.models import AuditEntry
from vault.crypto import ERR_MALFORMED, ERR_TAMPERED, ERR_UNKNOWN_KEY, DecryptionRefused
from vault.streams import SEGMENT_BYTES, TAG_BYTES, seal_stream, stream_key_id, stream_verify, unseal_stream

pytestmark = pytest.mark.django_db

CONTEXT = "requests_app.legaldocument:1:abc"
KEY_1 = "k1:" + "A" * 43 + "="
KEY_2 = "k2:" + "B" * 43 + "="


@pytest.fixture(autouse=True)
def _data_key(settings):
    settings.LAWREQ_ENCRYPTION_KEYS = KEY_1


def sealed(plaintext: bytes, *, chunk: int = 10_000, context: str = CONTEXT) -> bytes:
    chunks = (plaintext[i : i + chunk] for i in range(0, len(plaintext), chunk))
    return b"".join(seal_stream(chunks, context=context))


def opened(data: bytes, *, context: str = CONTEXT) -> bytes:
    return b"".join(unseal_stream(io.BytesIO(data), context=context))


def header_length(data: bytes) -> int:
    return 4 + 1 + data[4] + 32 + 7


@pytest.mark.parametrize("size", [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES + 5])
def test_a_sealed_stream_opens_to_the_same_bytes_whatever_its_size(size):
    plaintext = os.urandom(size)

    data = sealed(plaintext)

    assert opened(data) == plaintext
    assert size < 16 or plaintext[:64] not in data
    assert stream_key_id(io.BytesIO(data)) == "k1"


def test_a_stream_cut_at_a_segment_boundary_is_refused_and_audited():
    data = sealed(os.urandom(3 * SEGMENT_BYTES + 100))
    cut = data[: header_length(data) + 2 * (SEGMENT_BYTES + TAG_BYTES)]

    with pytest.raises(DecryptionRefused, match=re.escape(ERR_TAMPERED)):
        stream_verify(io.BytesIO(cut), context=CONTEXT)

    assert AuditEntry.objects.filter(action=AuditAction.DECRYPTION_REFUSED, details__context=CONTEXT).exists()


def test_bytes_after_the_last_segment_are_refused():
    data = sealed(os.urandom(SEGMENT_BYTES + 100))

    with pytest.raises(DecryptionRefused, match=re.escape(ERR_TAMPERED)):
        stream_verify(io.BytesIO(data + sealed(b"more")[-40:]), context=CONTEXT)


def test_reordered_segments_are_refused():
    data = sealed(os.urandom(3 * SEGMENT_BYTES))
    start, size = header_length(data), SEGMENT_BYTES + TAG_BYTES
    first, second = data[start : start + size], data[start + size : start + 2 * size]
    swapped = data[:start] + second + first + data[start + 2 * size :]

    with pytest.raises(DecryptionRefused, match=re.escape(ERR_TAMPERED)):
        stream_verify(io.BytesIO(swapped), context=CONTEXT)


def test_a_stream_moved_to_another_record_does_not_open():
    data = sealed(b"%PDF-1.4 court order")

    with pytest.raises(DecryptionRefused, match=re.escape(ERR_TAMPERED)):
        opened(data, context="requests_app.legaldocument:2:abc")


def test_a_stream_under_a_retired_key_or_without_a_header_is_refused(settings):
    data = sealed(b"%PDF-1.4 court order")
    settings.LAWREQ_ENCRYPTION_KEYS = KEY_2

    with pytest.raises(DecryptionRefused, match=re.escape(ERR_UNKNOWN_KEY.format(kid="k1"))):
        opened(data)
    with pytest.raises(DecryptionRefused, match=re.escape(ERR_MALFORMED)):
        opened(b"%PDF-1.4 court order in clear")
