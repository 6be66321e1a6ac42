"""Reports as CSV, SVG and PDF (WeasyPrint). The per-request trail PDF is signed like a letter."""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape

import orjson
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from audit.selectors import RequestTrail
from lawreq.spreadsheets import csv_document
from letters.signing import PURPOSE_REPORT, pdf_sign
from reports.selectors import TRANSPARENCY_FIGURES, TransparencyReport

TRANSPARENCY_COLUMNS = ("jurisdiction", *TRANSPARENCY_FIGURES)
CHART_SERIES = (
    ("received", "#4c6ef5"),
    ("disclosed", "#2b8a3e"),
    ("partially_disclosed", "#94d82d"),
    ("no_records", "#adb5bd"),
    ("rejected", "#e03131"),
)
TRAIL_COLUMNS = (
    "seq",
    "created_at",
    "actor",
    "role",
    "action",
    "object_type",
    "object_id",
    "details",
    "entry_hash",
    "prev_hash",
    "verified",
    "problems",
)


def rows_csv(rows: list[dict]) -> bytes:
    header = list(rows[0]) if rows else []
    return csv_document(header, ([row[name] for name in header] for row in rows))


def transparency_csv(report: TransparencyReport) -> bytes:
    process_types = sorted({pt for row in report.jurisdictions for pt in row.by_process_type})
    header = [*TRANSPARENCY_COLUMNS, *(f"received_{pt}" for pt in process_types)]
    lines = []
    for row in [*report.jurisdictions, report.totals]:
        values = row.as_dict()
        lines.append(
            [
                *(values[name] for name in TRANSPARENCY_COLUMNS),
                *(row.by_process_type.get(pt, 0) for pt in process_types),
            ]
        )
    return csv_document(header, lines)


def transparency_chart_svg(report: TransparencyReport, *, width: int = 640) -> str:
    """Grouped horizontal bars per jurisdiction: received and each outcome."""
    rows = report.jurisdictions
    label_width, bar_height, group_gap, legend_height = 60, 7, 10, 24
    group_height = bar_height * len(CHART_SERIES) + group_gap
    height = legend_height + max(1, len(rows)) * group_height + 10
    largest = max([1, *(getattr(row, name) for row in rows for name, _ in CHART_SERIES)])
    scale = (width - label_width - 50) / largest
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="9">'
    ]
    x = label_width
    for name, colour in CHART_SERIES:
        parts.append(f'<rect x="{x}" y="4" width="9" height="9" fill="{colour}"/>')
        parts.append(f'<text x="{x + 12}" y="12">{escape(name.replace("_", " "))}</text>')
        x += 14 + 6 * len(name)
    for index, row in enumerate(rows):
        top = legend_height + index * group_height
        parts.append(f'<text x="0" y="{top + group_height / 2}">{escape(row.jurisdiction)}</text>')
        for offset, (name, colour) in enumerate(CHART_SERIES):
            value = getattr(row, name)
            y = top + offset * bar_height
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{value * scale:.1f}" height="{bar_height - 1}" '
                f'fill="{colour}"><title>{escape(row.jurisdiction)} {name}: {value}</title></rect>'
            )
            parts.append(
                f'<text x="{label_width + value * scale + 3:.1f}" y="{y + bar_height - 1}" font-size="6">{value}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _pdf(html: str) -> bytes:
    return HTML(string=html).write_pdf()


def transparency_pdf(report: TransparencyReport, *, platform: str) -> bytes:
    html = render_to_string(
        "reports/transparency_pdf.html",
        {
            "report": report,
            "data": report.as_dict(),
            "chart": transparency_chart_svg(report),
            "platform": platform,
            "generated_at": timezone.now(),
        },
    )
    return _pdf(html)


def _trail_rows(trail: RequestTrail) -> Iterable[list]:
    for item in trail.entries:
        entry = item.entry
        yield [
            entry.seq,
            entry.created_at.isoformat(),
            entry.actor_username,
            entry.role,
            entry.action,
            entry.object_type,
            entry.object_id,
            orjson.dumps(entry.details, option=orjson.OPT_SORT_KEYS).decode(),
            entry.entry_hash,
            entry.prev_hash,
            "yes" if item.ok else "no",
            "; ".join(item.problems),
        ]


def trail_csv(trail: RequestTrail) -> bytes:
    return csv_document(TRAIL_COLUMNS, _trail_rows(trail))


def trail_pdf(trail: RequestTrail, *, platform: str) -> bytes:
    """The trail as a PDF signed (PAdES) with the internal reports' certificate, so a printout is
    evidence too, and never mistaken for a response (``letters.verification`` refuses it as one)."""
    html = render_to_string(
        "reports/trail_pdf.html",
        {
            "trail": trail,
            "platform": platform,
            "generated_at": timezone.now(),
        },
    )
    return pdf_sign(
        _pdf(html),
        reason=f"Internal report: audit trail of {trail.ref}, verified {'intact' if trail.ok else 'BROKEN'}",
        purpose=PURPOSE_REPORT,
    )
