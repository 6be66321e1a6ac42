"""Legal documents at rest: sealing and opening a 20 MB PDF as a stream.

    .venv/bin/python bench/bench_documents.py [--megabytes N] [--runs R]

Prints, median of R runs, for a file of N MB (20 by default, the upload limit) read from disk in
64 KiB chunks as Django hands an upload over:
- ``seal_stream`` (HKDF, 64 KiB AES-256-GCM segments) written to a file, and one-shot AES-GCM of the
  whole file in memory, and their ratio;
- ``stream_verify`` then ``unseal_stream`` (what a download does: authenticate all, then decrypt while
  sending), next to one-shot AES-GCM decryption;
- the peak of Python memory allocated while sealing and while opening (tracemalloc): it stays near a
  few segments whatever N, where the one-shot path holds the file twice.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import benchsetup  # noqa: F401  (Django, and the bench database)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault.streams import seal_stream, stream_verify, unseal_stream

CONTEXT = "requests_app.legaldocument:1:bench"
CHUNK = 64 * 1024


def _chunks(path: Path):
    with path.open("rb") as source:
        yield from iter(lambda: source.read(CHUNK), b"")


def _seal(clear: Path, sealed: Path) -> None:
    with sealed.open("wb") as target:
        for piece in seal_stream(_chunks(clear), context=CONTEXT):
            target.write(piece)


def _open(sealed: Path) -> int:
    with sealed.open("rb") as source:
        stream_verify(source, context=CONTEXT)
    total = 0
    with sealed.open("rb") as source:
        for piece in unseal_stream(source, context=CONTEXT):
            total += len(piece)
    return total


def _timed(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak(function) -> int:
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("LAWREQ_ENCRYPTION_KEYS", "")
    folder = Path(tempfile.mkdtemp(prefix="lawreq-bench-documents-"))
    clear, sealed = folder / "order.pdf", folder / "order.pdf.sealed"
    clear.write_bytes(os.urandom(args.megabytes * 1024 * 1024))
    cipher, nonce = AESGCM(os.urandom(32)), os.urandom(12)

    seal_time = _timed(lambda: _seal(clear, sealed), args.runs)
    raw_seal_time = _timed(lambda: cipher.encrypt(nonce, clear.read_bytes(), b""), args.runs)
    one_shot = cipher.encrypt(nonce, clear.read_bytes(), b"")
    open_time = _timed(lambda: _open(sealed), args.runs)
    raw_open_time = _timed(lambda: cipher.decrypt(nonce, one_shot, b""), args.runs)
    assert _open(sealed) == clear.stat().st_size

    mb = args.megabytes
    print(f"document of {mb} MB, median of {args.runs} runs")
    print(f"  seal_stream to disk      {seal_time * 1000:8.1f} ms  {mb / seal_time:7.0f} MB/s")
    print(f"  one-shot AES-GCM (RAM)   {raw_seal_time * 1000:8.1f} ms  ratio {seal_time / raw_seal_time:5.2f}x")
    print(f"  verify + unseal_stream   {open_time * 1000:8.1f} ms  {mb / open_time:7.0f} MB/s")
    print(f"  one-shot decrypt (RAM)   {raw_open_time * 1000:8.1f} ms  ratio {open_time / raw_open_time:5.2f}x")
    print(f"  peak memory sealing      {_peak(lambda: _seal(clear, sealed)) / 1024:8.0f} KiB")
    print(f"  peak memory opening      {_peak(lambda: _open(sealed)) / 1024:8.0f} KiB")
    print(f"  one-shot peak            {_peak(lambda: cipher.encrypt(nonce, clear.read_bytes(), b'')) / 1024:8.0f} KiB")


if __name__ == "__main__":
    main()
