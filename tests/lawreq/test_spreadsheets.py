"""One escaping policy for every CSV lawreq writes: no cell runs as a spreadsheet formula."""

from __future__ import annotations

import csv
import io

import pytest

from demo.letter_samples import sample_target
from lawreq.spreadsheets import csv_cell
from letters.exports import IP_EVENTS_CSV, PHONE_NUMBERS_CSV, records_exports
from reports.rendering import rows_csv

HOSTILE = '=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("\t=1", "'\t=1"),
        ("+12025550199", "+12025550199"),  # a phone number in E.164 stays a number
        ("-3", "-3"),
        ("-0.5", "-0.5"),
        ("2001:db8::1", "2001:db8::1"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_a_cell_that_would_run_as_a_formula_is_written_as_text(value, written):
    assert csv_cell(value) == written


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


def test_the_letters_record_files_are_escaped():
    target = sample_target(events=2)
    hostile = type(target)(**{**target.__dict__, "account_id": HOSTILE})

    files = {
        export.name: export.data
        for export in records_exports(
            ref="LR-2026-000001", targets=(hostile,), with_ip_events=True, with_phone_numbers=True
        )
    }

    for name in (IP_EVENTS_CSV, PHONE_NUMBERS_CSV):
        header, *rows = _rows(files[name])
        assert rows and all(row[header.index("account_id")] == "'" + HOSTILE for row in rows), name


def test_the_auditors_report_files_are_escaped():
    header, row = _rows(rows_csv([{"actor": HOSTILE, "count": 3}]))

    assert header == ["actor", "count"] and row == ["'" + HOSTILE, "3"]
