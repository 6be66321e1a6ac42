"""Legal documents: only real PDFs of bounded size are accepted, hashed on the way in."""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename
from pypdf import PdfReader

from lawreq.errors import PayloadTooLarge, UnsupportedMediaType

logger = logging.getLogger(__name__)

ERR_TOO_LARGE = "The document is larger than the limit of {limit} bytes."
ERR_NOT_PDF = "The legal document must be a PDF file."
ERR_DAMAGED_PDF = "The file starts like a PDF but cannot be read as one (damaged or truncated)."
ERR_ENCRYPTED_PDF = "Password-protected PDFs cannot be checked; upload the document without a password."
ERR_EMPTY = "The document is empty."

PDF_MAGIC = b"%PDF-"


def max_document_bytes() -> int:
    return settings.LAWREQ_MAX_DOCUMENT_BYTES


def check_document_size(size: int | None) -> None:
    if size is not None and size > max_document_bytes():
        raise PayloadTooLarge(ERR_TOO_LARGE.format(limit=max_document_bytes()))


def sanitize_filename(name: str) -> str:
    base = PurePath(unicodedata.normalize("NFKC", name or "")).name.replace("\\", "_")
    stem = get_valid_filename(PurePath(base).stem)[:80] if PurePath(base).stem else ""
    return f"{stem or 'document'}.pdf"


def inspect_pdf(upload: UploadedFile) -> str:
    """Check the upload is a readable PDF within the size limit; return its SHA-256.

    The size is checked first, so an oversized file is never parsed.
    """
    check_document_size(upload.size)
    if not upload.size:
        raise UnsupportedMediaType(ERR_EMPTY)
    upload.seek(0)
    if upload.read(len(PDF_MAGIC)) != PDF_MAGIC:
        raise UnsupportedMediaType(ERR_NOT_PDF)
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=True)
        if reader.is_encrypted:
            raise UnsupportedMediaType(ERR_ENCRYPTED_PDF)
        if len(reader.pages) < 1:
            raise UnsupportedMediaType(ERR_DAMAGED_PDF)
    except UnsupportedMediaType:
        raise
    except Exception as exc:  # hostile files make pypdf raise almost any exception type
        logger.info("rejected an unreadable PDF upload: %s", type(exc).__name__)
        raise UnsupportedMediaType(ERR_DAMAGED_PDF)
    finally:
        upload.seek(0)
    return digest.hexdigest()
