"""Reports as CSV, SVG and PDF (WeasyPrint). The per-request trail PDF is signed like a letter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import orjson
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from weasyprint import HTML

from audit.selectors import RequestTrail
from lawreq.spreadsheets import csv_document
from letters.signing import PURPOSE_REPORT, pdf_sign
from reports.selectors import TRANSPARENCY_FIGURES, TransparencyReport
from requests_app.choices import Outcome, ProcessType, label_of

if TYPE_CHECKING:
    from reports.pages import ReportPage

TRANSPARENCY_COLUMNS = ("jurisdiction", *TRANSPARENCY_FIGURES)
CHART_SERIES = (
    ("received", "#4c6ef5"),
    ("disclosed", "#2b8a3e"),
    ("partially_disclosed", "#94d82d"),
    ("no_records", "#adb5bd"),
    ("rejected", "#e03131"),
)
TRANSPARENCY_SERIES_LABELS = {
    "received": "Received",
    **dict(Outcome.choices),
}
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


# Charts: plain SVG written here (no script, no CDN), labelled in words. A zero draws no bar and no
# figure, so labels never pile up on the axis.
CHAR_WIDTH = 5.4  # of a 10 px sans-serif character, on average: enough to size the label column
MAX_LABEL = 34
NOTHING_TO_SHOW = gettext_noop("Nothing to show in this period.")


def _label(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _label_width(labels: Iterable[str]) -> int:
    return int(min(MAX_LABEL, max([4, *(len(_label(text)) for text in labels)])) * CHAR_WIDTH) + 12


def _svg_open(width: int, height: int, title: str, description: str = "") -> list[str]:
    """The chart's opening: its title (the accessible name) and, when given, a description saying
    where its figures are in words (a table beside it)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        f"<title>{escape(title)}</title>",
    ]
    if description:
        parts.append(f"<desc>{escape(description)}</desc>")
    return parts


def _figure(value: float) -> str:
    return f"{value:g}"


# On a phone the chart is drawn narrow, each label on its own line above its bars, so that scaled
# to the screen its text stays about the page's size (a wide chart shrunk to 360 px would be unreadable).
NARROW_WIDTH = 360
NARROW_LABEL_HEIGHT = 13


def _legend(series: list[tuple[str, str]], width: int) -> tuple[list[str], int]:
    """The series' names with their colours, wrapped to the chart's width; returns the height used."""
    parts, x, y = [], 0.0, 6
    for name, colour in series:
        item = 24 + CHAR_WIDTH * len(name)
        if x > 0 and x + item > width:
            x, y = 0.0, y + 16
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y + 9}">{escape(name)}</text>')
        x += item
    return parts, y + 20


def bar_chart_svg(
    bars: list[tuple[str, float]],
    *,
    title: str,
    colour: str = "#1d4f8f",
    width: int = 640,
    narrow: bool = False,
    description: str = "",
) -> str:
    """One horizontal bar per label, its figure at the bar's end (narrow: the label above its bar)."""
    width = NARROW_WIDTH if narrow else width
    bar_height, gap, top = 14, 6, 8
    label_width = 0 if narrow else _label_width(label for label, _ in bars)
    above = NARROW_LABEL_HEIGHT if narrow else 0
    step = above + bar_height + gap
    height = top + max(1, len(bars)) * step + 4
    largest = max([1, *(value for _, value in bars)])
    scale = (width - label_width - 40) / largest
    parts = _svg_open(width, height, title, description)
    if not bars:
        parts.append(f'<text x="0" y="{top + 10}">{escape(gettext(NOTHING_TO_SHOW))}</text>')
    for index, (label, value) in enumerate(bars):
        y = top + index * step + above
        label_y = y - 3 if narrow else y + 11
        parts.append(f'<text x="0" y="{label_y}">{escape(_label(label))}<title>{escape(label)}</title></text>')
        if value > 0:
            length = value * scale
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{colour}">'
                f"<title>{escape(label)}: {_figure(value)}</title></rect>"
            )
            parts.append(f'<text x="{label_width + length + 4:.1f}" y="{y + 11}">{_figure(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def grouped_bar_chart_svg(
    groups: list[tuple[str, list[float]]],
    *,
    series: list[tuple[str, str]],
    title: str,
    width: int = 640,
    narrow: bool = False,
    description: str = "",
) -> str:
    """Per group (a jurisdiction) one bar per series that is not zero (received, each outcome), the
    series told apart by colour and named in the legend; a group of zeros keeps one empty line."""
    width = NARROW_WIDTH if narrow else width
    bar_height, group_gap = 11, 10
    label_width = 0 if narrow else _label_width(label for label, _ in groups)
    above = NARROW_LABEL_HEIGHT if narrow else 0
    legend, legend_height = _legend(series, width)
    drawn = [(label, [(index, value) for index, value in enumerate(values) if value > 0]) for label, values in groups]
    height = legend_height + sum(above + max(1, len(bars)) * bar_height + group_gap for _, bars in drawn) + 6
    if not groups:
        height += 14  # room for the line saying there is nothing to show
    largest = max([1, *(value for _, values in groups for value in values)])
    scale = (width - label_width - 40) / largest
    parts = [*_svg_open(width, height, title, description), *legend]
    if not groups:
        parts.append(f'<text x="0" y="{legend_height + 10}">{escape(gettext(NOTHING_TO_SHOW))}</text>')
    top = legend_height
    for label, bars in drawn:
        top += above
        middle = top - 3 if narrow else top + max(1, len(bars)) * bar_height / 2 + 4
        parts.append(f'<text x="0" y="{middle:.1f}">{escape(_label(label))}<title>{escape(label)}</title></text>')
        for offset, (index, value) in enumerate(bars):
            name, colour = series[index]
            y = top + offset * bar_height
            length = value * scale
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height - 1}" fill="{colour}">'
                f"<title>{escape(label)}, {escape(name)}: {_figure(value)}</title></rect>"
            )
            end = label_width + length + 3
            parts.append(f'<text x="{end:.1f}" y="{y + bar_height - 2}" font-size="9">{_figure(value)}</text>')
        top += max(1, len(bars)) * bar_height + group_gap
    parts.append("</svg>")
    return "".join(parts)


def transparency_chart_svg(report: TransparencyReport, *, width: int = 640, narrow: bool = False) -> str:
    """Grouped horizontal bars per jurisdiction, by name: received and each outcome, in words."""
    series = [(TRANSPARENCY_SERIES_LABELS[name], colour) for name, colour in CHART_SERIES]
    groups = [
        (report.name_of(row.jurisdiction), [getattr(row, name) for name, _ in CHART_SERIES])
        for row in report.jurisdictions
    ]
    return grouped_bar_chart_svg(
        groups,
        series=series,
        title=f"Requests received and answered, {report.year} H{report.half}",
        width=width,
        narrow=narrow,
    )


def _pdf(html: str) -> bytes:
    return HTML(string=html).write_pdf()


def transparency_pdf(report: TransparencyReport, *, platform: str) -> bytes:
    """Jurisdictions and process types by name, in words: the codes stay in the JSON and the CSV."""
    data = report.as_dict()
    html = render_to_string(
        "reports/transparency_pdf.html",
        {
            "report": report,
            "data": data,
            "rows": [
                {
                    **row,
                    "name": report.name_of(row["jurisdiction"]),
                    "process_types": [
                        (label_of(ProcessType, code), count) for code, count in row["by_process_type"].items()
                    ],
                }
                for row in data["jurisdictions"]
            ],
            "chart": transparency_chart_svg(report),
            "platform": platform,
            "generated_at": timezone.now(),
        },
    )
    return _pdf(html)


def report_pdf(page: ReportPage, *, platform: str) -> bytes:
    """One of the auditors' report pages (its chart and tables, in words) as a PDF."""
    html = render_to_string(
        "reports/report_pdf.html", {"page": page, "platform": platform, "generated_at": timezone.now()}
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
