"""The frame every document shares: A4, the home's name in the header, and a footer with
"page x of y", when it was printed (Europe/London) and by whom, and a document-specific note."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import SimpleDocTemplate

from reports.styles import (
    FONT,
    FONT_BOLD,
    FOOTER_HEIGHT,
    HEADER_HEIGHT,
    MARGIN,
    MUTED,
    PAGE_SIZE,
    RULE,
    register_fonts,
)

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class DocumentInfo:
    title: str
    home_name: str
    printed_by: str
    printed_at: dt.datetime  # aware; shown in Europe/London
    footer_note: str = ""
    header_right: str = ""  # e.g. the resident's name on every page; default: the title
    subject: str = ""
    confidential: bool = True


def welsh() -> bool:
    """Whether the document is being printed in Welsh: the job runs in the language of the person
    who asked (flask_babel's current locale); English outside an application."""
    from flask_babel import get_locale

    try:
        return str(get_locale() or "").lower().startswith("cy")
    except RuntimeError:
        return False


def day_month_year(value: dt.date | None) -> str:
    """12 Apr 1938, or 12 Ebr 1938 when the document is printed in Welsh."""
    if value is None:
        return ""
    if welsh():
        from babel.dates import format_date

        return format_date(value, "dd MMM y", locale="cy")
    return value.strftime("%d %b %Y")


def london(value: dt.datetime | None, with_time: bool = True) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(LONDON)
    day = day_month_year(local.date())
    return f"{day} {local:%H:%M}" if with_time else day


def _fit(canvas, value: str, font: str, size: float, width: float) -> str:
    """Shorten a line with an ellipsis so it never runs off the page."""
    if canvas.stringWidth(value, font, size) <= width:
        return value
    while value and canvas.stringWidth(value + "…", font, size) > width:
        value = value[:-1]
    return value + "…"


def _numbered_canvas(info: DocumentInfo):
    class NumberedCanvas(pdf_canvas.Canvas):
        """Draws header and footer after the last page, when the page count is known."""

        def __init__(self, *args, **kwargs):
            kwargs["initialFontName"] = FONT  # no unembedded Helvetica in the file
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict] = []

        def showPage(self):
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = PAGE_SIZE
            inner = width - 2 * MARGIN
            self.saveState()
            top = height - MARGIN + 2 * mm
            self.setFont(FONT_BOLD, 10)
            self.setFillColor(MUTED)
            self.drawString(MARGIN, top, _fit(self, info.home_name, FONT_BOLD, 10, inner * 0.55))
            self.setFont(FONT, 9)
            right = info.header_right or info.title
            self.drawRightString(width - MARGIN, top, _fit(self, right, FONT, 9, inner * 0.43))
            self.setStrokeColor(RULE)
            self.setLineWidth(0.6)
            self.line(MARGIN, top - 2.5 * mm, width - MARGIN, top - 2.5 * mm)
            bottom = MARGIN - 6 * mm
            self.line(MARGIN, bottom + 7.5 * mm, width - MARGIN, bottom + 7.5 * mm)
            self.setFont(FONT, 7.5)
            printed = _("Printed %(when)s by %(who)s", when=london(info.printed_at), who=info.printed_by)
            if info.confidential:
                printed += " · " + _("Confidential")
            self.drawString(MARGIN, bottom + 3.5 * mm, _fit(self, printed, FONT, 7.5, inner * 0.78))
            page = _("Page %(page)s of %(total)s", page=self._pageNumber, total=total)
            self.drawRightString(width - MARGIN, bottom + 3.5 * mm, page)
            if info.footer_note:
                self.drawString(MARGIN, bottom, _fit(self, info.footer_note, FONT, 7.5, inner))
            self.restoreState()

    return NumberedCanvas


def build_pdf(story: list, info: DocumentInfo, on_page: Callable[[int], None] | None = None) -> bytes:
    """Lay out the flowables on A4 pages with the shared header and footer; returns the PDF.
    `on_page(n)` is told as each page is laid out (for progress)."""
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT - 6 * mm,
        bottomMargin=MARGIN + FOOTER_HEIGHT - 6 * mm,
        title=info.title,
        author=info.home_name,
        subject=info.subject or info.title,
        creator="WriteCareNotes",
    )
    if on_page is not None:
        doc.afterPage = lambda: on_page(doc.page)
    doc.build(story, canvasmaker=_numbered_canvas(info))
    return buffer.getvalue()
