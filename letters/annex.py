"""The annex of a letter: the IP events, drawn with ReportLab straight onto the page.

WeasyPrint lays out an HTML table of N rows in worse than linear time and memory (tens of thousands
of IP events took minutes and gigabytes). These pages have a fixed grid instead: a fixed number of
rows per page, one text line per event, so the page count is known before drawing (the letter can
name its annex pages and every footer can say "page X of Y"), and time and memory grow linearly.

The page box, fonts and footer match static/letters/letter.css so the annex reads as part of the
letter.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import reportlab.rl_config
from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from subscribers.records import IpEvent

# Flate alone: ReportLab's default ASCII85 wrapping costs a third of the drawing time and 15% size.
reportlab.rl_config.useA85 = 0

ROWS_PER_PAGE = 60
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = MARGIN_RIGHT = MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 22 * mm
ROW_LEADING = 10.8
DATA_FONT_SIZE = 8.5
FOOTER_FONT_SIZE = 8
FOOTER_COLOUR = (0x44 / 255, 0x44 / 255, 0x44 / 255)
HEADING_COLOUR = (0x1F / 255, 0x3A / 255, 0x5F / 255)
DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"


def column_header() -> str:
    """The annex's column heads, in the active language, on the data's fixed grid."""
    number, timestamp, address, port = _("No."), _("Timestamp (UTC)"), _("IP address"), _("Port")
    return f"{number:>7}  {timestamp:<19}  {address:<39}  {port:>5}"


@dataclass(frozen=True)
class AnnexSection:
    """The IP events of one target; ``count`` is ``len(events)``, taken once by the caller."""

    target_id: int
    account_id: str
    events: Iterable[IpEvent]
    count: int
    number: int = 0  # the target's number in the letter (1, 2, ...): database ids are never printed

    @property
    def pages(self) -> int:
        return math.ceil(self.count / ROWS_PER_PAGE)


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    mono: str
    mono_bold: str


@cache
def annex_fonts() -> Fonts:
    """The letter's DejaVu fonts, embedded (subset); the PDF base fonts if they are not installed."""
    font_dir = Path(getattr(settings, "LAWREQ_LETTER_FONT_DIR", DEFAULT_FONT_DIR))
    files = {
        "DejaVuSans": "DejaVuSans.ttf",
        "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
        "DejaVuSansMono": "DejaVuSansMono.ttf",
        "DejaVuSansMono-Bold": "DejaVuSansMono-Bold.ttf",
    }
    if not all((font_dir / name).is_file() for name in files.values()):
        return Fonts("Helvetica", "Helvetica-Bold", "Courier", "Courier-Bold")
    for font_name, file_name in files.items():
        pdfmetrics.registerFont(TTFont(font_name, str(font_dir / file_name)))
    return Fonts("DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono", "DejaVuSansMono-Bold")


def annex_page_count(sections: Iterable[AnnexSection]) -> int:
    return sum(section.pages for section in sections)


def utc_seconds(value: dt.datetime, separator: str = " ") -> str:
    """``2026-10-01 12:03:04`` in UTC. ``isoformat`` is about three times faster than ``strftime``,
    which adds up over a hundred thousand events formatted three times each (annex, CSV, JSON)."""
    if value.tzinfo is not None and value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.isoformat(separator, "seconds")[:19]


def format_timestamp(value: dt.datetime) -> str:
    return utc_seconds(value)


def annex_render(
    *,
    sections: list[AnnexSection],
    ref: str,
    platform_name: str,
    first_page: int,
    total_pages: int,
) -> bytes:
    """The annex pages, numbered from ``first_page`` out of ``total_pages``."""
    fonts = annex_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, invariant=True)
    page_number = first_page
    for section in sections:
        section_pages = section.pages
        events = iter(section.events)
        row_number = 0
        for section_page in range(1, section_pages + 1):
            _draw_page_frame(pdf, fonts, section, section_page, section_pages, ref, platform_name)
            rows = pdf.beginText(MARGIN_LEFT, PAGE_HEIGHT - MARGIN_TOP - 50)
            rows.setFont(fonts.mono, DATA_FONT_SIZE)
            rows.setLeading(ROW_LEADING)
            for event in _take(events, ROWS_PER_PAGE):
                row_number += 1
                port = "-" if event.port is None else event.port
                rows.textLine(f"{row_number:>7}  {format_timestamp(event.ts)}  {event.ip:<39}  {port:>5}")
            pdf.drawText(rows)
            _draw_footer(pdf, fonts, ref, page_number, total_pages)
            pdf.showPage()
            page_number += 1
        if row_number != section.count:
            raise ValueError("An annex section yielded a different number of events than it announced.")
    pdf.save()
    return buffer.getvalue()


def _take(iterator, count: int):
    for _index in range(count):
        try:
            yield next(iterator)
        except StopIteration:
            return


def _draw_page_frame(
    pdf, fonts: Fonts, section: AnnexSection, section_page: int, section_pages: int, ref: str, platform_name: str
) -> None:
    top = PAGE_HEIGHT - MARGIN_TOP
    pdf.setFillColorRGB(*HEADING_COLOUR)
    pdf.setFont(fonts.bold, 10)
    pdf.drawString(
        MARGIN_LEFT, top - 10, (_("Annex: IP events of target %(number)s") % {"number": section.number or ""}).rstrip()
    )
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont(fonts.regular, 8)
    pdf.drawString(
        MARGIN_LEFT,
        top - 22,
        _("%(platform)s · %(ref)s · account %(account)s · %(count)s events, sheet %(sheet)s of %(sheets)s")
        % {
            "platform": platform_name,
            "ref": ref,
            "account": section.account_id,
            "count": formats.number_format(section.count, force_grouping=True),
            "sheet": section_page,
            "sheets": section_pages,
        },
    )
    pdf.setFont(fonts.mono_bold, DATA_FONT_SIZE)
    pdf.drawString(MARGIN_LEFT, top - 36, column_header())
    pdf.setLineWidth(0.4)
    pdf.line(MARGIN_LEFT, top - 39, PAGE_WIDTH - MARGIN_RIGHT, top - 39)


def _draw_footer(pdf, fonts: Fonts, ref: str, page_number: int, total_pages: int) -> None:
    baseline = MARGIN_BOTTOM / 2 - FOOTER_FONT_SIZE / 3
    pdf.setFillColorRGB(*FOOTER_COLOUR)
    pdf.setFont(fonts.regular, FOOTER_FONT_SIZE)
    pdf.drawString(MARGIN_LEFT, baseline, ref)
    pdf.drawRightString(
        PAGE_WIDTH - MARGIN_RIGHT,
        baseline,
        _("Page %(page)s of %(pages)s") % {"page": page_number, "pages": total_pages},
    )
