"""The SBARD escalation summary, for a GP or 111 call about a resident who may be deteriorating:
Situation (who, where, the latest NEWS2 and why we are calling), Background (conditions,
allergies, DNACPR/ReSPECT, medicines, recent notes, earlier scores), Assessment (each vital sign
with its NEWS2 points, soft signs), Recommendation (the NEWS2 band's response, what we ask for)
and Decision (lines to write the agreed plan on during the call). Plain values in, a PDF out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from reports.base import DocumentInfo, build_pdf, day_month_year, london
from reports.styles import ALERT, BAND, MARGIN, PAGE_SIZE, RULE, STYLES, register_fonts, text

INNER_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
LABEL_WIDTH = 40 * mm


@dataclass(frozen=True)
class VitalLine:
    parameter: str
    value: str  # with its unit
    points: int | None = None


@dataclass(frozen=True)
class SbardDocument:
    resident_name: str
    home_name: str
    date_of_birth: dt.date | None = None
    nhs_number: str = ""
    location: str = ""
    gp_practice: str = ""
    home_phone: str = ""
    observed_at: dt.datetime | None = None  # the latest vital signs set; None when there is none
    recorded_by: str = ""
    news2_total: int | None = None
    news2_band_label: str = ""
    news2_max_single: int | None = None
    vitals: list[VitalLine] = field(default_factory=list)
    soft_signs: list[str] = field(default_factory=list)
    set_note: str = ""
    previous: list[str] = field(default_factory=list)  # earlier NEWS2 totals, newest first
    allergies: str = ""
    conditions: str = ""
    key_risks: str = ""
    communication_needs: str = ""
    resuscitation: list[str] = field(default_factory=list)
    medicines: list[str] = field(default_factory=list)
    medicines_recorded: bool = False  # False: the product has no medicines record for this resident
    recent_notes: list[str] = field(default_factory=list)
    recommendation: str = ""  # the NEWS2 band's clinical response, from the published definition


def _age(born: dt.date | None, today: dt.date) -> str:
    if born is None:
        return ""
    return str(today.year - born.year - ((today.month, today.day) < (born.month, born.day)))


def _rows(rows: list[tuple[str, str]], alert: bool = False) -> Table:
    data = [[Paragraph(text(label), STYLES["label"]), Paragraph(text(value), STYLES["alert" if alert else "cell"])]
            for label, value in rows]
    table = Table(data, colWidths=[LABEL_WIDTH, INNER_WIDTH - LABEL_WIDTH], hAlign="LEFT")
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
             ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]
    if alert:
        style.append(("BACKGROUND", (0, 0), (-1, -1), ALERT))
    table.setStyle(TableStyle(style))
    return table


def _letter(letter: str, title: str) -> Table:
    table = Table([[Paragraph(f"<b>{letter}</b>", STYLES["title"]), Paragraph(text(title), STYLES["h1"])]],
                  colWidths=[12 * mm, INNER_WIDTH - 12 * mm])
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), BAND), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _write_lines(labels: list[str]) -> Table:
    rows = [[Paragraph(text(label), STYLES["label"]), Paragraph("_" * 70, STYLES["cell"])] for label in labels]
    table = Table(rows, colWidths=[LABEL_WIDTH + 8 * mm, INNER_WIDTH - LABEL_WIDTH - 8 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("TOPPADDING", (0, 0), (-1, -1), 7)]))
    return table


def sbard_story(doc: SbardDocument, today: dt.date) -> list:
    register_fonts()  # before the first Paragraph: it reads the font family
    born = doc.date_of_birth
    story: list = [Paragraph(text(f"SBARD escalation summary: {doc.resident_name}"), STYLES["title"])]
    identity = " · ".join(p for p in (
        f"Born {day_month_year(born)} (aged {_age(born, today)})" if born else "",
        f"NHS {doc.nhs_number}" if doc.nhs_number else "", doc.location, doc.home_name,
    ) if p)
    story.append(Paragraph(text(identity), STYLES["subtitle"]))

    # S: Situation
    story.append(_letter("S", "Situation"))
    if doc.observed_at is not None and doc.news2_total is not None:
        red = " It includes a score of 3 in a single parameter." if (doc.news2_max_single or 0) >= 3 else ""
        said = (f"I am calling about {doc.resident_name} at {doc.home_name}. Their NEWS2 score is "
                f"{doc.news2_total} ({doc.news2_band_label}) from observations taken at "
                f"{london(doc.observed_at)}.{red}")
    else:
        said = (f"I am calling about {doc.resident_name} at {doc.home_name}. No set of vital signs is recorded "
                "in WriteCareNotes: take a full set of observations before calling if you can.")
    situation = [("Summary", said)]
    if doc.soft_signs:
        situation.append(("Soft signs", "; ".join(doc.soft_signs)))
    if doc.set_note:
        situation.append(("Staff note", doc.set_note))
    story += [_rows(situation, alert=(doc.news2_total or 0) >= 5), _write_lines(["My concern is"])]

    # B: Background
    story += [Spacer(1, 3 * mm), _letter("B", "Background")]
    if doc.medicines_recorded:
        medicines = "\n".join(doc.medicines) or "No current medicines recorded"
    else:
        medicines = "No medicines are recorded in WriteCareNotes: check the home's medication records (MAR)."
    story.append(_rows([
        ("DNACPR / ReSPECT", "\n".join(doc.resuscitation) or "No DNACPR or ReSPECT decision recorded"),
        ("Allergies", doc.allergies or "No known allergies recorded"),
    ], alert=True))
    story.append(_rows([
        ("Conditions", doc.conditions or "None recorded"),
        ("Key risks", doc.key_risks or "None recorded"),
        ("Communication", doc.communication_needs or "None recorded"),
        ("Medicines", medicines),
        ("GP practice", doc.gp_practice or "Not recorded"),
        ("Earlier NEWS2", "\n".join(doc.previous) or "None in the last 90 days"),
        ("Recent care notes", "\n".join(doc.recent_notes) or "None in the last 3 days"),
    ]))

    # A: Assessment
    story += [Spacer(1, 3 * mm), _letter("A", "Assessment")]
    if doc.vitals:
        rows = [[Paragraph("Parameter", STYLES["label"]), Paragraph("Value", STYLES["label"]),
                 Paragraph("NEWS2 points", STYLES["label"])]]
        rows += [[Paragraph(text(v.parameter), STYLES["cell"]), Paragraph(text(v.value), STYLES["cell"]),
                  Paragraph("" if v.points is None else str(v.points),
                            STYLES["cell_bold"] if (v.points or 0) >= 3 else STYLES["cell"])] for v in doc.vitals]
        rows.append([Paragraph("NEWS2 total", STYLES["cell_bold"]), Paragraph(text(doc.news2_band_label),
                                                                            STYLES["cell"]),
                     Paragraph(text("" if doc.news2_total is None else str(doc.news2_total)), STYLES["cell_bold"])])
        table = Table(rows, colWidths=[60 * mm, INNER_WIDTH - 95 * mm, 35 * mm], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
            ("BACKGROUND", (0, 0), (-1, 0), BAND), ("BACKGROUND", (0, -1), (-1, -1), BAND),
        ]))
        story.append(table)
        if doc.recorded_by:
            story.append(Paragraph(text(f"Recorded by {doc.recorded_by} at {london(doc.observed_at)}"),
                                   STYLES["small"]))
    else:
        story.append(Paragraph("No vital signs recorded.", STYLES["note"]))
    story.append(_write_lines(["I think the problem is"]))

    # R: Recommendation
    story += [Spacer(1, 3 * mm), _letter("R", "Recommendation")]
    story.append(_rows([("NEWS2 response", doc.recommendation or "Use clinical judgement; NEWS2 not scored.")]))
    story.append(_write_lines(["I am asking for", "Within (time)"]))

    # D: Decision
    story.append(KeepTogether([
        Spacer(1, 3 * mm), _letter("D", "Decision"),
        _write_lines(["Agreed plan", "", "Clinician's name and role", "Time of call", "Observations again at",
                      "Escalate sooner if", "Written by"]),
    ]))
    return story


def sbard_pdf(doc: SbardDocument, *, printed_by: str, printed_at: dt.datetime | None = None) -> bytes:
    printed_at = printed_at or dt.datetime.now(dt.UTC)
    info = DocumentInfo(
        title=f"SBARD: {doc.resident_name}", home_name=doc.home_name,
        header_right=f"{doc.resident_name} · NHS {doc.nhs_number}" if doc.nhs_number else doc.resident_name,
        printed_by=printed_by, printed_at=printed_at, subject="SBARD escalation summary",
        footer_note=f"From the record at {london(printed_at)}" + (
            f"; vital signs of {london(doc.observed_at)}" if doc.observed_at else "") + ". Phone: " + (
            doc.home_phone or "the home"),
    )
    return build_pdf(sbard_story(doc, printed_at.date()), info)
