"""CSV as people open it, in a spreadsheet: the one escaping policy of every CSV lawreq writes.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as
a formula (CSV injection). Such a cell is written with a leading apostrophe, which spreadsheets show
as text; a plain signed number (``+12025550199``, ``-3``) stays a number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def csv_document(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """Header and rows as RFC 4180 CSV (UTF-8, CRLF), every cell escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode()
