"""The handover of one unit (or a whole home) for one shift: who needs attention now (charts out
of range from the unit board's rules), new or changed body marks of concern, vital signs taken,
tasks due, then each resident's care notes of the shift. Plain values in, a PDF out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from reports.base import DocumentInfo, build_pdf, london
from reports.styles import ALERT, BAND, MARGIN, PAGE_SIZE, RULE, STYLES, register_fonts, text

INNER_WIDTH = PAGE_SIZE[0] - 2 * MARGIN


@dataclass(frozen=True)
class NoteLine:
    at: dt.datetime
    category: str
    text: str
    author: str = ""
    late: bool = False
    entered_at: dt.datetime | None = None
    amended: bool = False


@dataclass(frozen=True)
class ResidentHandover:
    name: str
    room: str = ""
    alerts: list[str] = field(default_factory=list)  # charts out of range, in words
    vitals: list[str] = field(default_factory=list)  # "14:05 NEWS2 6 (Medium…) by …"
    body: list[str] = field(default_factory=list)  # new or changed marks of concern
    tasks: list[str] = field(default_factory=list)
    notes: list[NoteLine] = field(default_factory=list)

    @property
    def has_anything(self) -> bool:
        return bool(self.alerts or self.vitals or self.body or self.tasks or self.notes)


@dataclass(frozen=True)
class HandoverDocument:
    home_name: str
    unit_name: str  # "All units" for a whole home
    shift_label: str  # "Day shift" / "Night shift"
    start: dt.datetime
    end: dt.datetime
    residents: list[ResidentHandover]
    home_tasks: list[str] = field(default_factory=list)  # tasks due for the home, not one resident
    labels: dict = field(default_factory=dict)  # translated headings (English when empty)


HEADINGS = {
    "title": "Handover", "attention": "Needs attention now", "none_attention": "No resident is on the at-risk list.",
    "resident": "Resident", "why": "Why", "body": "Body map", "vitals": "Vital signs", "tasks": "Tasks due",
    "notes": "Care notes", "no_notes": "No care notes recorded in this shift.", "late": "late entry, entered",
    "amended": "amended", "home_tasks": "Tasks for the home", "nothing": "Nothing recorded in this shift.",
    "summary": "%(risk)s at risk now · %(body)s body marks of concern · %(tasks)s tasks due · %(notes)s care notes",
    "quiet": "Residents with nothing recorded", "footer": "Gathered at %(when)s. Amended notes show their latest "
    "wording; the originals are kept in WriteCareNotes.",
}


def _grid(rows, widths, extra=None) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        *(extra or []),
    ]))
    return table


def _time(value: dt.datetime, start: dt.datetime) -> str:
    """14:05, or with the date when the shift runs over midnight and the time is on the next day."""
    local = london(value)
    return local[-5:] if london(value, with_time=False) == london(start, with_time=False) else local


def handover_story(doc: HandoverDocument) -> list:
    register_fonts()  # before the first Paragraph: it reads the font family
    h = {**HEADINGS, **doc.labels}
    period = f"{london(doc.start)} – {london(doc.end)}"
    story: list = [
        Paragraph(text(f"{h['title']}: {doc.unit_name}, {doc.shift_label}"), STYLES["title"]),
        Paragraph(text(f"{doc.home_name} · {period}"), STYLES["subtitle"]),
    ]
    at_risk = [r for r in doc.residents if r.alerts]
    body_count = sum(len(r.body) for r in doc.residents)
    tasks_count = sum(len(r.tasks) for r in doc.residents) + len(doc.home_tasks)
    notes_count = sum(len(r.notes) for r in doc.residents)
    summary = h["summary"] % {"risk": len(at_risk), "body": body_count, "tasks": tasks_count, "notes": notes_count}
    story.append(Paragraph(text(summary), STYLES["body"]))
    story.append(Spacer(1, 3 * mm))

    story.append(Paragraph(text(h["attention"]), STYLES["h1"]))
    if at_risk:
        rows = [[Paragraph(text(h["resident"]), STYLES["label"]), Paragraph(text(h["why"]), STYLES["label"])]]
        rows += [[Paragraph(text(r.name + (f" · {r.room}" if r.room else "")), STYLES["cell_bold"]),
                  Paragraph(text("\n".join(r.alerts)), STYLES["cell"])] for r in at_risk]
        story.append(_grid(rows, [55 * mm, INNER_WIDTH - 55 * mm],
                           [("BACKGROUND", (0, 1), (-1, -1), ALERT), ("BACKGROUND", (0, 0), (-1, 0), BAND)]))
    else:
        story.append(Paragraph(text(h["none_attention"]), STYLES["note"]))

    quiet = []
    for resident in doc.residents:
        if not resident.has_anything:
            quiet.append(resident.name)
            continue
        heading = Table([[Paragraph(text(resident.name + (f" · {resident.room}" if resident.room else "")),
                                    STYLES["cell_bold"])]], colWidths=[INNER_WIDTH])
        heading.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), BAND)]))
        block: list = [Spacer(1, 4 * mm), heading]
        for key, lines in (("why", resident.alerts), ("vitals", resident.vitals), ("body", resident.body),
                           ("tasks", resident.tasks)):
            if lines:
                block.append(_grid([[Paragraph(text(h[key]), STYLES["label"]),
                                     Paragraph(text("\n".join(lines)), STYLES["cell"])]],
                                   [32 * mm, INNER_WIDTH - 32 * mm]))
        story.append(KeepTogether(block))
        story.append(Paragraph(text(h["notes"]), STYLES["h2"]))
        if resident.notes:
            rows = []
            for note in resident.notes:
                extra = []
                if note.late and note.entered_at is not None:
                    extra.append(f"{h['late']} {london(note.entered_at)}")
                if note.amended:
                    extra.append(h["amended"])
                words = text(note.text) + (f"<br/><i>({text('; '.join(extra))})</i>" if extra else "")
                rows.append([Paragraph(text(_time(note.at, doc.start)), STYLES["cell"]),
                             Paragraph(text(note.category), STYLES["cell"]), Paragraph(words, STYLES["cell"]),
                             Paragraph(text(note.author), STYLES["small"])])
            story.append(_grid(rows, [20 * mm, 30 * mm, INNER_WIDTH - 90 * mm, 40 * mm]))
        else:
            story.append(Paragraph(text(h["no_notes"]), STYLES["note"]))

    if doc.home_tasks:
        story += [Spacer(1, 4 * mm), Paragraph(text(h["home_tasks"]), STYLES["h1"])]
        story += [Paragraph(text(line), STYLES["body"]) for line in doc.home_tasks]
    if quiet:
        story += [Spacer(1, 4 * mm), Paragraph(text(h["quiet"]), STYLES["h2"]),
                  Paragraph(text(", ".join(quiet)), STYLES["small"])]
    return story


def handover_pdf(doc: HandoverDocument, *, printed_by: str, printed_at: dt.datetime | None = None,
                 on_page=None) -> bytes:
    printed_at = printed_at or dt.datetime.now(dt.UTC)
    h = {**HEADINGS, **doc.labels}
    info = DocumentInfo(
        title=f"{h['title']}: {doc.unit_name}", home_name=doc.home_name,
        header_right=f"{doc.unit_name} · {doc.shift_label} · {london(doc.start, with_time=False)}",
        printed_by=printed_by, printed_at=printed_at, subject=h["title"],
        footer_note=h["footer"] % {"when": london(printed_at)},
    )
    return build_pdf(handover_story(doc), info, on_page=on_page)
