"""A resident's care plan: every need with what matters to the person, the outcome, the
interventions, the risks and the linked assessments; who took part in the latest review and
consent; the version and its review dates, and the plan's earlier versions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from reports.base import DocumentInfo, build_pdf, day_month_year, london
from reports.styles import BAND, MARGIN, PAGE_SIZE, RULE, STYLES, text

INNER_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
LABEL_WIDTH = 42 * mm


@dataclass(frozen=True)
class Section:
    need: str
    matters: str = ""
    outcome: str = ""
    interventions: str = ""
    risks: str = ""
    assessments: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CarePlanDocument:
    resident_name: str
    home_name: str
    title: str
    version_no: int
    reviewed_on: dt.date
    next_review_on: dt.date
    status: str
    sections: list[Section]
    date_of_birth: dt.date | None = None
    nhs_number: str = ""
    location: str = ""
    review_notes: str = ""
    participants: str = ""
    consent: str = ""
    written_by: str = ""
    history: list[str] = field(default_factory=list)  # "Version 1: 01 Oct 2026 by …"
    # Page 1, for a visiting clinician: what they need before anything else.
    allergies: str = ""
    resuscitation: str = ""  # DNACPR / ReSPECT decisions in force, in words
    key_risks: str = ""
    latest_results: list[str] = field(default_factory=list)  # "MUST: 2, High risk (12 Nov 2026)"


def _date(value: dt.date | None) -> str:
    return day_month_year(value)


def _rows_table(rows: list[tuple[str, str]]) -> Table:
    data = [[Paragraph(text(label), STYLES["label"]), Paragraph(text(value), STYLES["cell"])]
            for label, value in rows if value]
    if not data:
        data = [[Paragraph("", STYLES["label"]), Paragraph("Nothing recorded.", STYLES["note"])]]
    table = Table(data, colWidths=[LABEL_WIDTH, INNER_WIDTH - LABEL_WIDTH])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def care_plan_story(doc: CarePlanDocument) -> list:
    """The flowables of one plan (no page breaks), so a batch can put several in one file."""
    story: list = [Paragraph(text(f"{doc.title}: {doc.resident_name}"), STYLES["title"])]
    identity = " · ".join(p for p in (
        f"Born {_date(doc.date_of_birth)}" if doc.date_of_birth else "",
        f"NHS {doc.nhs_number}" if doc.nhs_number else "", doc.location,
    ) if p)
    if identity:
        story.append(Paragraph(text(identity), STYLES["subtitle"]))
    story += [_clinician_box(doc), Spacer(1, 3 * mm)]
    story.append(_rows_table([
        ("Version", f"{doc.version_no} ({doc.status})"),
        ("Reviewed on", _date(doc.reviewed_on)),
        ("Next review", _date(doc.next_review_on)),
        ("Written by", doc.written_by),
        ("Who took part", doc.participants),
        ("Consent", doc.consent),
        ("Review notes", doc.review_notes),
    ]))
    for number, section in enumerate(doc.sections, start=1):
        heading = Table([[Paragraph(text(f"{number}. {section.need}"), STYLES["cell_bold"])]],
                        colWidths=[INNER_WIDTH])
        heading.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), BAND)]))
        body = _rows_table([
            ("What matters to the person", section.matters),
            ("Outcome", section.outcome),
            ("Interventions", section.interventions),
            ("Risks", section.risks),
            ("Linked assessments", "; ".join(section.assessments)),
        ])
        story += [Spacer(1, 4 * mm), KeepTogether([heading, body])]
    if not doc.sections:
        story.append(Paragraph("This plan has no needs recorded.", STYLES["body"]))
    if doc.history:
        story += [Spacer(1, 4 * mm), Paragraph("Versions", STYLES["h2"])]
        story += [Paragraph(text(line), STYLES["small"]) for line in doc.history]
    story += [Spacer(1, 6 * mm), _signatures()]
    return story


def _clinician_box(doc: CarePlanDocument) -> Table:
    """Allergies, resuscitation decisions, key risks and the latest score of each scheduled
    assessment, boxed at the top of page 1."""
    rows = [
        ("Allergies", doc.allergies or "None recorded"),
        ("DNACPR / ReSPECT", doc.resuscitation or "No DNACPR or ReSPECT decision recorded"),
        ("Key risks", doc.key_risks or "None recorded"),
        ("Latest assessments", "\n".join(doc.latest_results) or "None recorded"),
    ]
    data = [[Paragraph("For a visiting clinician", STYLES["cell_bold"]), ""]]
    data += [[Paragraph(text(label), STYLES["label"]), Paragraph(text(value).replace("\n", "<br/>"), STYLES["cell"])]
             for label, value in rows]
    table = Table(data, colWidths=[LABEL_WIDTH, INNER_WIDTH - LABEL_WIDTH])
    table.setStyle(TableStyle([
        ("SPAN", (0, 0), (-1, 0)),
        ("BACKGROUND", (0, 0), (-1, 0), BAND),
        ("BOX", (0, 0), (-1, -1), 0.8, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 1), (-1, -2), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _signatures() -> KeepTogether:
    """Lines for the resident or their representative and the nurse to sign by hand."""
    line = "_" * 38
    rows = [
        [Paragraph("Resident or their representative", STYLES["label"]), Paragraph(line, STYLES["cell"]),
         Paragraph("Date ____________", STYLES["cell"])],
        [Paragraph("Name (capitals)", STYLES["label"]), Paragraph(line, STYLES["cell"]), ""],
        [Paragraph("Nurse", STYLES["label"]), Paragraph(line, STYLES["cell"]),
         Paragraph("Date ____________", STYLES["cell"])],
        [Paragraph("Name (capitals)", STYLES["label"]), Paragraph(line, STYLES["cell"]), ""],
    ]
    table = Table(rows, colWidths=[LABEL_WIDTH + 10 * mm, 80 * mm, INNER_WIDTH - LABEL_WIDTH - 90 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("TOPPADDING", (0, 0), (-1, -1), 7)]))
    return KeepTogether([Paragraph("Signatures", STYLES["h2"]), table])


def _info(title: str, home_name: str, header_right: str, printed_by: str, printed_at: dt.datetime) -> DocumentInfo:
    return DocumentInfo(
        title=title, home_name=home_name, header_right=header_right, printed_by=printed_by,
        printed_at=printed_at, subject=title,
        footer_note=f"The current version as recorded at {london(printed_at)}; earlier versions are kept "
                    "in WriteCareNotes.",
    )


def care_plan_pdf(doc: CarePlanDocument, *, printed_by: str, printed_at: dt.datetime | None = None) -> bytes:
    printed_at = printed_at or dt.datetime.now(dt.UTC)
    info = _info(f"Care plan: {doc.resident_name}", doc.home_name,
                 f"{doc.resident_name} · version {doc.version_no}", printed_by, printed_at)
    return build_pdf(care_plan_story(doc), info)


def care_plans_pdf(docs: list[CarePlanDocument], *, home_name: str, printed_by: str,
                   printed_at: dt.datetime | None = None, on_page=None) -> bytes:
    """Every plan in one file, each starting on a new page."""
    printed_at = printed_at or dt.datetime.now(dt.UTC)
    story: list = []
    for index, doc in enumerate(docs):
        if index:
            story.append(PageBreak())
        story += care_plan_story(doc)
    if not story:
        story.append(Paragraph("No resident of this home has an active care plan.", STYLES["body"]))
    info = _info("Care plans", home_name, f"All care plans · {len(docs)}", printed_by, printed_at)
    return build_pdf(story, info, on_page=on_page)
