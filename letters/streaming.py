"""Attachments too large for memory: embedded into a PDF from temporary files.

pyHanko's ``pdf_utils.embed`` (like pypdf) holds an embedded file's bytes in memory. Here each export
is compressed chunk by chunk into a file of its own (0600, in the letter's work directory), and a
stream object that copies that file when the PDF is written stands in for the bytes; the catalog's
EmbeddedFiles name tree and AF array are updated as ``rendering._embed_file`` does for small letters.
The result is an incremental update of the letter, written to a file and signed from it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from letters.exports import ExportSource

COPY_CHUNK_BYTES = 1 << 20
COMPRESSION_LEVEL = 6


@contextlib.contextmanager
def letter_workspace() -> Iterator[Path]:
    """A private directory for one letter's temporary files (0700, in the data directory), removed
    with everything in it when the letter is done, whatever happened."""
    parent = Path(settings.LAWREQ_LETTER_WORK_DIR)
    parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="letter-", dir=parent) as directory:
        yield Path(directory)


def private_file(path: Path) -> BinaryIO:
    """A new file only its owner may read (0600), whatever the umask."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


@dataclass(frozen=True)
class CompressedExport:
    source: ExportSource
    path: Path  # the export, Flate-compressed
    size: int  # uncompressed
    md5: bytes  # of the uncompressed bytes (the PDF's /CheckSum)
    compressed_size: int
    sha256: str  # of the uncompressed bytes, hex (the certificate of authenticity prints it)


def export_compress(source: ExportSource, path: Path) -> CompressedExport:
    compressor = zlib.compressobj(COMPRESSION_LEVEL)
    digest = hashlib.md5(usedforsecurity=False)  # the PDF specification's checksum, not a security hash
    sha256 = hashlib.sha256()
    size = 0
    with private_file(path) as out:
        for chunk in source.chunks():
            size += len(chunk)
            digest.update(chunk)
            sha256.update(chunk)
            out.write(compressor.compress(chunk))
        out.write(compressor.flush())
    return CompressedExport(
        source=source,
        path=path,
        size=size,
        md5=digest.digest(),
        compressed_size=path.stat().st_size,
        sha256=sha256.hexdigest(),
    )


def exports_compress(sources: list[ExportSource], *, directory: Path, first: int = 0) -> list[CompressedExport]:
    """Each source compressed to a file of its own in ``directory`` (``export-<n>.deflate`` from ``first``)."""
    return [
        export_compress(source, directory / f"export-{index}.deflate") for index, source in enumerate(sources, first)
    ]


class FileBackedStream(generic.StreamObject):
    """An already-encoded PDF stream whose data is copied from a file when written."""

    def __init__(self, dict_data: dict, path: Path, length: int):
        super().__init__(dict_data=dict_data, encoded_data=b"")
        self._path = path
        self._length = length

    def write_to_stream(self, stream, handler=None, container_ref=None):
        if handler is not None:
            raise NotImplementedError("A file-backed stream is not written into an encrypted PDF.")
        self[generic.NameObject("/Length")] = generic.NumberObject(self._length)
        generic.DictionaryObject.write_to_stream(self, stream, handler, container_ref)
        del self["/Length"]
        stream.write(b"\nstream\n")
        with self._path.open("rb") as data:
            shutil.copyfileobj(data, stream, COPY_CHUNK_BYTES)
        stream.write(b"\nendstream")


def pdf_embed_streamed(base: BinaryIO, output: Path, exports: list[CompressedExport], *, modified: dt.datetime) -> None:
    """Write ``base`` with ``exports`` attached (PDF/A-3 style: EmbeddedFiles and AF) to ``output``."""
    writer = IncrementalPdfFileWriter(base)
    entries: list[tuple[str, generic.IndirectObject]] = []
    for compressed in exports:
        entries.append((compressed.source.name, writer.add_object(_filespec(writer, compressed, modified))))
    root = writer.root
    names = root.get("/Names")
    if names is None:
        names = generic.DictionaryObject()
        root["/Names"] = writer.add_object(names)
    embedded = names.get("/EmbeddedFiles")
    if embedded is None:
        embedded = generic.DictionaryObject()
        names["/EmbeddedFiles"] = writer.add_object(embedded)
        if names.container_ref is not None:
            writer.update_container(names)
    existing = embedded.get("/Names", generic.ArrayObject())
    pairs = [(str(existing[i]), existing.raw_get(i + 1)) for i in range(0, len(existing), 2)] + entries
    pairs.sort(key=lambda pair: pair[0])
    embedded["/Names"] = generic.ArrayObject(item for name, ref in pairs for item in (generic.pdf_string(name), ref))
    if embedded.container_ref is not None:
        writer.update_container(embedded)
    associated = root.get("/AF", generic.ArrayObject())
    root["/AF"] = generic.ArrayObject([*associated, *(ref for _name, ref in entries)])
    writer.update_root()
    with private_file(output) as out:
        writer.write(out)


def _filespec(
    writer: IncrementalPdfFileWriter, compressed: CompressedExport, modified: dt.datetime
) -> generic.DictionaryObject:
    source = compressed.source
    stream = FileBackedStream(
        {
            generic.NameObject("/Type"): generic.NameObject("/EmbeddedFile"),
            generic.NameObject("/Subtype"): generic.NameObject("/" + source.mime_type),
            generic.NameObject("/Filter"): generic.NameObject("/FlateDecode"),
            generic.NameObject("/Params"): generic.DictionaryObject(
                {
                    generic.NameObject("/Size"): generic.NumberObject(compressed.size),
                    generic.NameObject("/CheckSum"): generic.ByteStringObject(compressed.md5),
                    generic.NameObject("/ModDate"): generic.pdf_date(modified),
                }
            ),
        },
        compressed.path,
        compressed.compressed_size,
    )
    stream_ref = writer.add_object(stream)
    return generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Filespec"),
            generic.NameObject("/F"): generic.pdf_string(source.name),
            generic.NameObject("/UF"): generic.pdf_string(source.name),
            generic.NameObject("/Desc"): generic.pdf_string(source.description),
            generic.NameObject("/AFRelationship"): generic.NameObject("/Data"),
            generic.NameObject("/EF"): generic.DictionaryObject(
                {generic.NameObject("/F"): stream_ref, generic.NameObject("/UF"): stream_ref}
            ),
        }
    )
