"""Uploaded PDFs for verification: bounded in size, read into memory once."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from lawreq.errors import PayloadTooLarge

ERR_TOO_LARGE = "The file is larger than {limit} MB; no response of ours is."


def max_verify_bytes() -> int:
    # The body size middleware already refuses multipart bodies above the document limit.
    return getattr(settings, "LAWREQ_MAX_VERIFY_BYTES", settings.LAWREQ_MAX_DOCUMENT_BYTES)


def read_pdf_upload(upload: UploadedFile) -> bytes:
    limit = max_verify_bytes()
    if upload.size is not None and upload.size > limit:
        raise PayloadTooLarge(ERR_TOO_LARGE.format(limit=limit // (1024 * 1024)))
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(ERR_TOO_LARGE.format(limit=limit // (1024 * 1024)))
    return data
