"""A completed assessment: answers with points, total and band, signatures, amendments, and the
definition's key, version and hash in the footer. Uses only the values frozen at submit time
(`forms.printing.printable_rows`), so an old assessment prints as it was recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from forms.band_colours import FILL, TINT, band_colour
from forms.messages import localised, normalise_locale
from forms.printing import printable_rows
from reports.base import DocumentInfo, build_pdf, london
from reports.styles import ALERT, BAND, FONT, MARGIN, PAGE_SIZE, RULE, STYLES, text

INNER_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
ANSWER_COLUMNS = [INNER_WIDTH * 0.46, INNER_WIDTH * 0.42, INNER_WIDTH * 0.12]


def _answers_table(rows: list[list], scored: bool) -> Table:
    widths = ANSWER_COLUMNS if scored else [ANSWER_COLUMNS[0], ANSWER_COLUMNS[1] + ANSWER_COLUMNS[2]]
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT") if scored else ("ALIGN", (0, 0), (0, 0), "LEFT"),
    ]))
    return table


def _points(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join("" if v is None else str(v) for v in value)
    return str(value)


def _change_text(labels: dict[str, str], changes: dict[str, Any]) -> str:
    parts = []
    for key, change in (changes.get("answers") or {}).items():
        parts.append(f"{labels.get(key, key)}: {_plain(change.get('from'))} → {_plain(change.get('to'))}")
    for part in ("total", "band", "status"):
        if part in changes:
            parts.append(f"{part}: {_plain(changes[part].get('from'))} → {_plain(changes[part].get('to'))}")
    return "; ".join(parts) or "—"


def _plain(value: Any) -> str:
    if value is None:
        return "not answered"
    if isinstance(value, dict) and {"name", "signed_at"} <= set(value):
        return f"signed by {value.get('name')}"
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    return str(value)


def assessment_story(
    definition, submission, amendments: Sequence[Any], *, resident_label: str, locale: str | None = None
) -> tuple[list, str]:
    """The flowables of the document and its footer note."""
    loc = normalise_locale(locale)
    title = localised(definition.title, loc)
    scored = bool(definition.scoring)
    story: list = [
        Paragraph(text(title), STYLES["title"]),
        Paragraph(
            text(f"{resident_label} · taken {london(submission.taken_at)} · recorded by "
                 f"{submission.submitted_by or 'unknown'} at {london(submission.submitted_at)}"),
            STYLES["subtitle"],
        ),
    ]
    if amendments:
        story.append(Paragraph(
            text(f"Amended {len(amendments)} time{'s' if len(amendments) != 1 else ''}: the answers below are "
                 "the current ones; what changed, when, by whom and why is listed at the end."),
            STYLES["note"],
        ))
    header = [Paragraph("Question", STYLES["label"]), Paragraph("Answer", STYLES["label"])]
    if scored:
        header.append(Paragraph("Points", STYLES["label"]))
    pending: list[list] = []
    summary: list[list] = []
    band_row: int | None = None
    notes: list = []
    version_line = ""

    def flush() -> None:
        if pending:
            story.append(_answers_table([header, *pending], scored))
            pending.clear()

    for row in printable_rows(definition, submission, loc):
        kind = row["kind"]
        if kind == "page":
            flush()
            story.append(Paragraph(text(row["label"]), STYLES["h1"]))
        elif kind == "section":
            flush()
            if row["label"]:
                story.append(Paragraph(text(row["label"]), STYLES["h2"]))
        elif kind in ("answer", "calculated", "entry"):
            style = STYLES["cell_bold"] if kind == "entry" else STYLES["cell"]
            cells = [Paragraph(text(row["label"]), style), Paragraph(text(row["value"]), STYLES["cell"])]
            if scored:
                cells.append(Paragraph(text(_points(row.get("points"))), STYLES["cell"]))
            pending.append(cells)
        elif kind in ("total", "band"):
            summary.append([Paragraph(text(row["label"]), STYLES["cell_bold"]),
                            Paragraph(text(row["value"]), STYLES["cell_bold"])])
            if kind == "band":
                band_row = len(summary) - 1
        elif kind == "flag":
            notes.append(Paragraph(text(row["value"]), STYLES["alert"]))
        elif kind == "note":
            style = STYLES["body"] if row["key"].startswith("band:") else STYLES["note"]
            notes.append(Paragraph(text(row["value"]), style))
        elif kind == "source":
            notes.append(Paragraph(text(f"{row['label']}: {row['value']}"), STYLES["small"]))
        elif kind == "version":
            version_line = row["value"]
    flush()
    if summary:
        table = Table(summary, colWidths=[ANSWER_COLUMNS[0], ANSWER_COLUMNS[1] + ANSWER_COLUMNS[2]], hAlign="LEFT")
        style = [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("BACKGROUND", (0, 0), (-1, -1), BAND),
            ("BOX", (0, 0), (-1, -1), 0.6, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
        if band_row is not None:  # the band's colour behind its words
            band = next((b for b in (definition.scoring or {}).get("bands", ()) if b.get("code") == submission.band),
                        None)
            colour = band_colour(band, submission.band)
            style += [("BACKGROUND", (0, band_row), (-1, band_row), colors.HexColor(TINT[colour])),
                      ("LINEBEFORE", (0, band_row), (0, band_row), 4, colors.HexColor(FILL[colour]))]
        table.setStyle(TableStyle(style))
        story += [Spacer(1, 4 * mm), KeepTogether([table])]
    if notes:
        story.append(Spacer(1, 3 * mm))
        story += notes
    if amendments:
        labels = {key: localised(spec.label, loc) for key, spec in definition.fields.items()}
        story.append(Paragraph("Amendments", STYLES["h1"]))
        rows = [[Paragraph(h, STYLES["label"]) for h in ("No.", "When and by whom", "Reason", "What changed")]]
        for amendment in amendments:
            rows.append([
                Paragraph(str(amendment.seq), STYLES["cell"]),
                Paragraph(text(f"{london(amendment.amended_at)}\n{amendment.amended_by or 'unknown'}"), STYLES["cell"]),
                Paragraph(text(amendment.reason), STYLES["cell"]),
                Paragraph(text(_change_text(labels, amendment.changes)), STYLES["cell"]),
            ])
        table = Table(rows, colWidths=[INNER_WIDTH * w for w in (0.07, 0.23, 0.30, 0.40)], repeatRows=1)
        table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
            ("BACKGROUND", (0, 0), (-1, 0), ALERT),
        ]))
        story.append(table)
    if version_line:
        story += [Spacer(1, 4 * mm), Paragraph(text(version_line), STYLES["small"])]
    return story, version_line


def assessment_pdf(
    definition,
    submission,
    amendments: Sequence[Any] = (),
    *,
    home_name: str,
    resident_label: str,
    printed_by: str,
    printed_at: dt.datetime | None = None,
    locale: str | None = None,
) -> bytes:
    story, version_line = assessment_story(
        definition, submission, amendments, resident_label=resident_label, locale=locale
    )
    title = localised(definition.title, normalise_locale(locale))
    info = DocumentInfo(
        title=f"{title} · {resident_label}",
        home_name=home_name,
        printed_by=printed_by,
        printed_at=printed_at or dt.datetime.now(dt.UTC),
        footer_note=version_line,
        header_right=resident_label,
        subject="Assessment",
    )
    return build_pdf(story, info)

