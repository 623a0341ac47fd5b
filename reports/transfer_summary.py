"""The one-page hospital transfer summary: who the resident is (with NHS number and photo), what
a hospital must know at once (resuscitation decisions, allergies), conditions, communication
needs, legal authorisations and contacts. Everything is fitted onto one A4 page: long text is
shrunk, never cut."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepInFrame, PageBreak, Paragraph, Spacer, Table, TableStyle

from reports.base import DocumentInfo, build_pdf, day_month_year, london
from reports.styles import (
    ALERT,
    BAND,
    FONT,
    FOOTER_HEIGHT,
    HEADER_HEIGHT,
    MARGIN,
    PAGE_SIZE,
    RULE,
    STYLES,
    text,
)

INNER_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
INNER_HEIGHT = PAGE_SIZE[1] - 2 * MARGIN - HEADER_HEIGHT - FOOTER_HEIGHT + 10 * mm
PHOTO_SIZE = 32 * mm


@dataclass(frozen=True)
class Contact:
    name: str
    relationship: str
    phone: str = ""
    notes: str = ""  # next of kin, LPA for health and welfare...


@dataclass(frozen=True)
class TransferSummary:
    name: str
    date_of_birth: dt.date | None
    nhs_number: str
    sex: str
    home_name: str
    home_contact: str = ""
    preferred_name: str = ""
    gender_identity: str = ""
    location: str = ""  # room and bed
    admitted_on: dt.date | None = None
    gp_practice: str = ""
    religion: str = ""
    resuscitation: list[str] = field(default_factory=list)
    legal: list[str] = field(default_factory=list)
    allergies: str = ""
    conditions: str = ""
    key_risks: str = ""
    communication_needs: str = ""
    dietary_needs: str = ""
    what_matters_to_me: str = ""
    contacts: list[Contact] = field(default_factory=list)
    assessments: list[str] = field(default_factory=list)
    photo: bytes | None = None


def age_on(born: dt.date | None, today: dt.date) -> str:
    if born is None:
        return ""
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return f"{years}"


def _grid(rows: list[list], widths: list[float], style: list | None = None) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        *(style or []),
    ]))
    return table


def _label_value(label: str, value: str) -> list:
    return [Paragraph(text(label), STYLES["label"]), Paragraph(text(value or "—"), STYLES["cell"])]


def _section(title: str, value: str, alert: bool = False) -> list:
    body = Paragraph(text(value or "None recorded"), STYLES["alert"] if alert and value else STYLES["cell"])
    return [Paragraph(text(title), STYLES["h2"]), body]


def summary_story(summary: TransferSummary, today: dt.date, title: str = "Hospital transfer summary") -> list:
    known_as = f" (known as {summary.preferred_name})" if summary.preferred_name else ""
    born = summary.date_of_birth
    identity = [
        _label_value("Name", summary.name + known_as),
        _label_value("Date of birth", f"{day_month_year(born)} (aged {age_on(born, today)})" if born else ""),
        _label_value("NHS number", summary.nhs_number),
        _label_value("Sex", summary.sex + (f"; gender identity: {summary.gender_identity}"
                                           if summary.gender_identity else "")),
        _label_value("Lives at", ", ".join(p for p in (summary.home_name, summary.location) if p)),
        _label_value("Admitted", day_month_year(summary.admitted_on)),
        _label_value("GP practice", summary.gp_practice),
        _label_value("Faith", summary.religion),
        _label_value("Home's phone", summary.home_contact),
    ]
    id_table = _grid(identity, [28 * mm, INNER_WIDTH - PHOTO_SIZE - 34 * mm])
    if summary.photo:
        photo = Image(io.BytesIO(summary.photo), width=PHOTO_SIZE, height=PHOTO_SIZE, kind="proportional")
    else:
        photo = Paragraph("No photo on file", STYLES["small"])
    top = _grid([[id_table, photo]], [INNER_WIDTH - PHOTO_SIZE - 4 * mm, PHOTO_SIZE + 4 * mm],
                [("BOX", (1, 0), (1, 0), 0.4, RULE), ("ALIGN", (1, 0), (1, 0), "CENTER")])

    resus = summary.resuscitation or ["No DNACPR or ReSPECT decision is recorded in WriteCareNotes."]
    alert_rows = [[Paragraph("Resuscitation", STYLES["label"]),
                   Paragraph(text("\n".join(resus)), STYLES["alert"])],
                  [Paragraph("Allergies", STYLES["label"]),
                   Paragraph(text(summary.allergies or "No known allergies recorded"), STYLES["alert"])]]
    alerts = _grid(alert_rows, [28 * mm, INNER_WIDTH - 28 * mm],
                   [("BACKGROUND", (0, 0), (-1, -1), ALERT), ("BOX", (0, 0), (-1, -1), 0.6, RULE)])

    story: list = [
        Paragraph(text(title), STYLES["title"]),
        top, Spacer(1, 2 * mm), alerts, Spacer(1, 1 * mm),
    ]
    story += _section("Conditions and medical history", summary.conditions)
    story += _section("Key risks", summary.key_risks)
    story += _section("Communication needs", summary.communication_needs)
    story += _section("Eating and drinking", summary.dietary_needs)
    story += _section("What matters to me", summary.what_matters_to_me)
    story.append(Paragraph("Legal authorisations and decisions", STYLES["h2"]))
    story.append(Paragraph(text("\n".join(summary.legal) or "None recorded"), STYLES["cell"]))
    if summary.assessments:
        story.append(Paragraph("Latest assessments", STYLES["h2"]))
        story.append(Paragraph(text("\n".join(summary.assessments)), STYLES["cell"]))
    story.append(Paragraph("Contacts", STYLES["h2"]))
    if summary.contacts:
        rows = [[Paragraph(h, STYLES["label"]) for h in ("Name", "Relationship", "Phone", "")]]
        rows += [[Paragraph(text(c.name), STYLES["cell"]), Paragraph(text(c.relationship), STYLES["cell"]),
                  Paragraph(text(c.phone), STYLES["cell"]), Paragraph(text(c.notes), STYLES["cell"])]
                 for c in summary.contacts]
        story.append(_grid(rows, [INNER_WIDTH * w for w in (0.30, 0.18, 0.20, 0.32)],
                           [("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE), ("BACKGROUND", (0, 0), (-1, 0), BAND)]))
    else:
        story.append(Paragraph("None recorded", STYLES["cell"]))
    return [KeepInFrame(INNER_WIDTH, INNER_HEIGHT, story, mode="shrink")]


def transfer_summary_pdf(
    summary: TransferSummary, *, printed_by: str, printed_at: dt.datetime | None = None
) -> bytes:
    printed_at = printed_at or dt.datetime.now(dt.UTC)
    info = DocumentInfo(
        title="Hospital transfer summary",
        home_name=summary.home_name,
        header_right=f"{summary.name} · NHS {summary.nhs_number}" if summary.nhs_number else summary.name,
        printed_by=printed_by,
        printed_at=printed_at,
        footer_note=f"Correct as recorded at {london(printed_at)}. Check allergies and resuscitation "
                    "status with the home if in doubt.",
        subject="Hospital transfer summary",
    )
    return build_pdf(summary_story(summary, printed_at.date()), info)


def transfer_summaries_pdf(
    summaries: list[TransferSummary],
    *,
    home_name: str,
    printed_by: str,
    printed_at: dt.datetime | None = None,
    on_page=None,
) -> bytes:
    """Every resident's summary in one file, one page each (the home's grab pack)."""
    printed_at = printed_at or dt.datetime.now(dt.UTC)
    story: list = []
    for index, summary in enumerate(summaries):
        if index:
            story.append(PageBreak())
        story += summary_story(summary, printed_at.date(), title=f"Hospital transfer summary: {summary.name}")
    if not story:
        story.append(Paragraph("No residents live in this home at the moment.", STYLES["body"]))
    info = DocumentInfo(
        title="Hospital transfer summaries",
        home_name=home_name,
        header_right=f"All residents · {len(summaries)}",
        printed_by=printed_by,
        printed_at=printed_at,
        footer_note=f"Correct as recorded at {london(printed_at)}. Check allergies and resuscitation "
                    "status with the home if in doubt.",
        subject="Hospital transfer summaries",
    )
    return build_pdf(story, info, on_page=on_page)
