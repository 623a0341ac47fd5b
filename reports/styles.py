"""Fonts, colours and paragraph styles shared by every document."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
FONT_BOLD_ITALIC = "DejaVuSans-BoldOblique"

PAGE_SIZE = A4
MARGIN = 18 * mm
HEADER_HEIGHT = 14 * mm
FOOTER_HEIGHT = 14 * mm

INK = colors.HexColor("#1b1b1b")
MUTED = colors.HexColor("#5a5a5a")
RULE = colors.HexColor("#b8c2cc")
BAND = colors.HexColor("#e8eef4")
ALERT = colors.HexColor("#fbe3e3")


def register_fonts() -> None:
    """Register the embedded TrueType fonts once per process, on first use (`build_pdf` calls it):
    not at import, where parsing four TrueType files cost every web worker a quarter of a second of
    start-up for pages that never print. Only the family's names (which paragraphs read when they
    are made) are known from import on."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for name, file in (
        (FONT, "DejaVuSans.ttf"),
        (FONT_BOLD, "DejaVuSans-Bold.ttf"),
        (FONT_ITALIC, "DejaVuSans-Oblique.ttf"),
        (FONT_BOLD_ITALIC, "DejaVuSans-BoldOblique.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    _register_family()


def _register_family() -> None:
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC)


_register_family()


def _style(name: str, **kw) -> ParagraphStyle:
    base = {"fontName": FONT, "fontSize": 9.5, "leading": 12.5, "textColor": INK, "alignment": TA_LEFT}
    base.update(kw)
    return ParagraphStyle(name, **base)


STYLES = {
    "title": _style("title", fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=4),
    "subtitle": _style("subtitle", fontSize=10.5, leading=14, textColor=MUTED, spaceAfter=8),
    "h1": _style("h1", fontName=FONT_BOLD, fontSize=12.5, leading=16, spaceBefore=8, spaceAfter=4),
    "h2": _style("h2", fontName=FONT_BOLD, fontSize=10.5, leading=14, spaceBefore=6, spaceAfter=3),
    "body": _style("body"),
    "small": _style("small", fontSize=8, leading=10, textColor=MUTED),
    "cell": _style("cell", fontSize=9, leading=11.5),
    "cell_bold": _style("cell_bold", fontName=FONT_BOLD, fontSize=9, leading=11.5),
    "label": _style("label", fontName=FONT_BOLD, fontSize=8.5, leading=11, textColor=MUTED),
    "note": _style("note", fontName=FONT_ITALIC, fontSize=8.5, leading=11, textColor=MUTED),
    "alert": _style("alert", fontName=FONT_BOLD, fontSize=10, leading=13),
}


def text(value) -> str:
    """Escape a user's text for a Paragraph (which reads a little XML), keeping line breaks."""
    return escape("" if value is None else str(value)).replace("\n", "<br/>")
