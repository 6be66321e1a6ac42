"""CSV as people open it, in a spreadsheet: the one escaping policy of every CSV lawreq writes.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as
a formula (CSV injection). Such a cell is written with a leading apostrophe, which spreadsheets show
as text; a plain signed number (``+12025550199``, ``-3``) stays a number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def csv_document(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """Header and rows as RFC 4180 CSV (UTF-8, CRLF), every cell escaped."""
    return b"".join(csv_chunks(header, rows))


CSV_ROWS_PER_CHUNK = 5_000


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """``csv_document`` a few thousand rows at a time, for files too large to hold in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_cell(value) for value in row])
        if count % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
