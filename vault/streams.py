"""Files at rest: a streaming AEAD, so a 20 MB document is never held whole in memory.

The construction is the one of Tink's ``AES-GCM-HKDF streaming`` key type, which is the STREAM
construction of Hoang, Reyhanitabar, Rogaway and Vizár ("Online Authenticated-Encryption and its
Nonce-Reuse Misuse-Resistance", CRYPTO 2015), written over ``cryptography``'s AES-GCM:

- header: ``b"LRS1" | key id length (1 byte) | key id | salt (32 bytes) | nonce prefix (7 bytes)``;
- a key for this file only: HKDF-SHA256 of the ring key named by the key id, with the salt, and the
  ``context`` (the row the file belongs to) as info: a file copied to another row does not decrypt;
- the plaintext cut in segments of ``SEGMENT_BYTES``; segment ``i`` is AES-GCM under the file key
  with the nonce ``prefix | i (4 bytes, big-endian) | last (1 byte)`` and the header as associated
  data. The final-segment flag makes truncation at a segment boundary fail, the counter makes
  reordering fail, and bytes after the last segment fail too.

Decryption yields plaintext segment by segment; callers that must not send anything unverified
(a download) run ``stream_verify`` first.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from vault.crypto import (
    _KEY_ID,
    ERR_MALFORMED,
    ERR_TAMPERED,
    ERR_UNKNOWN_KEY,
    DecryptionRefused,
    _audit_refusal,
    key_ring,
)

MAGIC = b"LRS1"
SALT_BYTES = 32
NONCE_PREFIX_BYTES = 7
TAG_BYTES = 16
SEGMENT_BYTES = 64 * 1024
MAX_SEGMENTS = 2**32
_INFO_PREFIX = b"lawreq-stream\x00"


def _file_key(key: bytes, *, salt: bytes, context: str) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO_PREFIX + context.encode()).derive(key)
    return AESGCM(derived)


def _nonce(prefix: bytes, index: int, *, last: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if last else 0)


def _segments(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Re-cut arbitrary chunks into fixed segments, flagging the last one (one segment of look-ahead)."""
    buffer = bytearray()
    pending: bytes | None = None
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= SEGMENT_BYTES:
            if pending is not None:
                yield pending, False
            pending = bytes(buffer[:SEGMENT_BYTES])
            del buffer[:SEGMENT_BYTES]
    if buffer:
        if pending is not None:
            yield pending, False
        yield bytes(buffer), True
    else:
        yield (pending if pending is not None else b""), True


def seal_stream(chunks: Iterable[bytes], *, context: str) -> Iterator[bytes]:
    """The sealed file, as a header then one ciphertext segment per ``SEGMENT_BYTES`` of plaintext."""
    ring = key_ring()
    kid = ring.current_key_id.encode()
    salt, prefix = os.urandom(SALT_BYTES), os.urandom(NONCE_PREFIX_BYTES)
    header = MAGIC + bytes([len(kid)]) + kid + salt + prefix
    cipher = _file_key(ring.keys[ring.current_key_id], salt=salt, context=context)
    yield header
    for index, (segment, last) in enumerate(_segments(chunks)):
        if index >= MAX_SEGMENTS:
            raise ValueError("file too large for one stream")
        yield cipher.encrypt(_nonce(prefix, index, last=last), segment, header)


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = source.read(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _read_header(source: BinaryIO) -> tuple[bytes, str, bytes, bytes]:
    start = _read_exactly(source, len(MAGIC) + 1)
    if len(start) != len(MAGIC) + 1 or start[: len(MAGIC)] != MAGIC:
        raise DecryptionRefused(ERR_MALFORMED)
    kid_bytes = _read_exactly(source, start[-1])
    rest = _read_exactly(source, SALT_BYTES + NONCE_PREFIX_BYTES)
    try:
        kid = kid_bytes.decode()
    except UnicodeDecodeError:
        raise DecryptionRefused(ERR_MALFORMED)
    if len(kid_bytes) != start[-1] or not _KEY_ID.match(kid) or len(rest) != SALT_BYTES + NONCE_PREFIX_BYTES:
        raise DecryptionRefused(ERR_MALFORMED)
    return start + kid_bytes + rest, kid, rest[:SALT_BYTES], rest[SALT_BYTES:]


def stream_key_id(source: BinaryIO) -> str:
    """The key id a sealed file names (the header only is read)."""
    return _read_header(source)[1]


def unseal_stream(source: BinaryIO, *, context: str, actor=None, request_ref: str = "") -> Iterator[bytes]:
    """The plaintext, segment by segment; ``DecryptionRefused`` (audited) at the first bad segment."""
    kid = ""
    try:
        header, kid, salt, prefix = _read_header(source)
        key = key_ring().keys.get(kid)
        if key is None:
            raise DecryptionRefused(ERR_UNKNOWN_KEY.format(kid=kid))
        cipher = _file_key(key, salt=salt, context=context)
        current = _read_exactly(source, SEGMENT_BYTES + TAG_BYTES)
        index = 0
        while True:
            following = _read_exactly(source, SEGMENT_BYTES + TAG_BYTES)
            last = not following
            try:
                yield cipher.decrypt(_nonce(prefix, index, last=last), current, header)
            except InvalidTag:
                raise DecryptionRefused(ERR_TAMPERED)
            if last:
                return
            current, index = following, index + 1
    except DecryptionRefused as refused:
        _audit_refusal(context=context, kid=kid, reason=refused.message, actor=actor, request_ref=request_ref)
        raise


def stream_verify(source: BinaryIO, *, context: str, actor=None, request_ref: str = "") -> None:
    """Authenticate the whole file without keeping its plaintext; ``DecryptionRefused`` if altered."""
    for _segment in unseal_stream(source, context=context, actor=actor, request_ref=request_ref):
        pass


class StreamContent:
    """An iterable of chunks as Django's ``Storage.save`` takes content: it only calls ``chunks()``."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = chunks

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        yield from self._chunks
