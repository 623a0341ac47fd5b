"""Daily care pages: the tablet screen to record care for a unit's residents (with its offline queue in
app/static/js/care-entry.js), the unit board of residents at risk now (refreshed from the board's JSON),
the daily-care section of the resident's profile and the start page's care panels.

Nothing here writes a record: the entry screen posts to the care REST API (app/care/api.py), which calls
app/care/services.py like every other way in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app, jsonify, request, session, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from app.extensions import db
from app.guards import valid_int_id
from app.tenancy import acting_user

UNIT_KEY = "care_entry_unit"  # the unit last chosen on the entry screen, remembered in the session


@dataclass
class Tap:
    """One button that makes an entry in one tap."""

    label: object
    code: str = ""
    value: object = None
    value_text: str | None = None
    kind: str = "entry"
    category: str = ""
    routine_key: str = ""
    text_from: str = ""
    extra_from: str = ""  # a chip group named after a chart code: its choice is sent in `extra`
    big: bool = False


@dataclass
class Chip:
    """One choice of a group that the next tap uses (the meal, the skin check)."""

    group: str
    value: str
    label: object
    active: bool = False


@dataclass
class Pane:
    key: str
    title: object
    resource: str  # the record's resource: the pane is offered with write on it
    taps: list = field(default_factory=list)
    chips: list = field(default_factory=list)
    form: str = ""  # the template of its form, if any
    hint: object = ""


def _ml(amount: int) -> Tap:
    return Tap(_l("Drink %(ml)s ml", ml=amount), "fluid_in", amount, big=amount in (150, 200))


def panes() -> list[Pane]:
    """The charts of the entry screen in the order a carer reaches for them."""
    meals = [("breakfast", _l("Breakfast")), ("lunch", _l("Lunch")), ("tea", _l("Tea")), ("supper", _l("Supper")),
             ("snack", _l("Snack"))]
    positions = [("left", _l("Left side")), ("right", _l("Right side")), ("back", _l("On back")),
                 ("sitting", _l("Sitting in chair")), ("standing", _l("Standing")), ("walking", _l("Walking"))]
    return [
        Pane("fluids", _l("Fluids"), "Charts",
             taps=[_ml(n) for n in (50, 100, 150, 200, 250, 300)]
             + [Tap(_l("Passed urine %(ml)s ml", ml=n), "fluid_out", n) for n in (100, 200, 300, 400)],
             hint=_l("Drinks taken and urine passed; the 24-hour total counts against the resident's target.")),
        Pane("food", _l("Food"), "Charts",
             chips=[Chip("meal", key, label) for key, label in meals],
             taps=[Tap(_l("All eaten"), "food", 100, text_from="meal", big=True),
                   Tap(_l("Three quarters eaten"), "food", 75, text_from="meal"),
                   Tap(_l("Half eaten"), "food", 50, text_from="meal"),
                   Tap(_l("A quarter eaten"), "food", 25, text_from="meal"),
                   Tap(_l("None eaten"), "food", 0, text_from="meal")]),
        Pane("turns", _l("Repositioning"), "Charts",
             chips=[Chip("skin_check", "ok", _l("Skin intact"), active=True), Chip("skin_check", "red", _l("Skin red")),
                    Chip("skin_check", "broken", _l("Skin broken"))],
             taps=[Tap(label, "reposition", None, value_text=key, extra_from="skin_check")
                   for key, label in positions]),
        Pane("continence", _l("Continence and bowels"), "Charts",
             taps=[Tap(_l("Continent"), "continence", None, value_text="continent"),
                   Tap(_l("Used the toilet"), "continence", None, value_text="toilet_used"),
                   Tap(_l("Wet, pad changed"), "continence", None, value_text="wet"),
                   Tap(_l("Soiled, pad changed"), "continence", None, value_text="soiled"),
                   Tap(_l("Wet and soiled"), "continence", None, value_text="wet_and_soiled"),
                   Tap(_l("Catheter bag emptied"), "continence", None, value_text="catheter_emptied")]
             + [Tap(_l("Bowels opened: type %(n)s", n=n), "bowel", n) for n in range(1, 8)]
             + [Tap(_l("Bowels not opened"), "bowel", None, value_text="none")],
             hint=_l("Bristol stool chart: type 1 hard lumps, type 4 smooth and soft, type 7 entirely liquid.")),
        Pane("weight", _l("Weight"), "Charts", form="care/_entry_weight.html"),
        Pane("vitals", _l("Vital signs"), "Vital signs", form="care/_entry_vitals.html",
             hint=_l("A full set is scored with NEWS2 when it is sent.")),
        Pane("notes", _l("Care note"), "Care notes", form="care/_entry_note.html"),
    ]


def routine_taps() -> list[Tap]:
    """The one-tap routine notes (the services' list, so the text saved is theirs)."""
    from app.care import services

    return [Tap(text, kind="note", routine_key=key, category=str(getattr(category, "value", category)))
            for key, category, text in services.ROUTINE_NOTES]


def _can(permission: str, resource: str) -> bool:
    return bool(current_app.appbuilder.sm.has_access(permission, resource))


def _units():
    """The units of the user's homes, each with the name to show (with its home's when several homes
    are in scope), in one query."""
    from app.homes.models import CareHome, Unit

    rows = db.session.execute(select(Unit, CareHome.name).join(CareHome, CareHome.id == Unit.home_id)
                              .order_by(CareHome.name, Unit.name)).all()
    several = len({unit.home_id for unit, _home in rows}) > 1
    for unit, home in rows:
        unit.shown_name = f"{home}: {unit.name}" if several else unit.name
    return [unit for unit, _home in rows]


def unit_residents(unit_id: int | None) -> list[dict]:
    """The residents living in the unit now (in residence, with a current stay there), by room,
    in one query; with no unit, those of every unit in the user's homes."""
    from app.homes.models import Bed, Room, Unit
    from app.homes.natural import natural_key
    from app.residents.models import Resident, ResidentStatus, Stay, StayStatus

    query = (
        select(Resident, Bed, Room, Unit)
        .join(Stay, (Stay.resident_id == Resident.id) & (Stay.status == StayStatus.current))
        .join(Bed, Bed.id == Stay.bed_id).join(Room, Room.id == Bed.room_id).join(Unit, Unit.id == Room.unit_id)
        .where(Resident.voided_at.is_(None), Resident.status == ResidentStatus.in_residence)
    )
    if unit_id is not None:
        query = query.where(Unit.id == unit_id)
    rows = db.session.execute(query).all()
    people = [{"id": r.id, "name": r.full_name, "first_name": r.preferred_name or r.first_name,
               "room": str(bed),
               "room_key": natural_key(room.number), "bed": bed.label, "unit": unit.name,
               "photo_url": url_for("ResidentPhotoView.show", pk=r.id) if r.photo_filename else None,
               "initials": ((r.first_name or "?")[:1] + (r.last_name or "")[:1]).upper()}
              for r, bed, room, unit in rows]
    people.sort(key=lambda p: (p["unit"], p["room_key"], p["bed"], p["name"]))
    return people


def _int_arg(name: str) -> int | None:
    text = str(request.args.get(name, "") or "").strip()
    return int(text) if text.isdigit() and valid_int_id(text) else None


def js_strings() -> dict:
    """The entry screen's messages, translated here ({n}, {what}, ... are filled in by the script)."""
    return {
        "waiting": _("%(n)s waiting to be sent", n="{n}"),
        "all_sent": _("All entries sent"),
        "recorded": _("Recorded: %(what)s for %(who)s", what="{what}", who="{who}"),
        "pick_resident": _("Choose a resident first."),
        "pick_first": _("Choose the meal first."),
        "offline": _("Offline: entries are kept on this tablet and sent when the connection returns."),
        "online": _("Connected"),
        "sending": _("Sending…"),
        "signed_out": _("Signed out: sign in again to send the waiting entries (they are kept)."),
        "server_error": _("The server could not save this just now (error %(status)s); it will be sent again.",
                          status="{status}"),
        "refused": _("Refused (error %(status)s).", status="{status}"),
        "confirm": _("Yes, record it"),
        "try_again": _("Try again"),
        "discard": _("Discard"),
        "news2_result": _("NEWS2 %(total)s: %(band)s", total="{total}", band="{band}"),
        "others_waiting": _("%(n)s entries made by another user on this tablet wait for them to sign in.",
                            n="{n}"),
        "fields": field_labels(),
    }


def field_labels() -> dict:
    """What the API's `field` names mean to the person at the tablet (a refusal shows the field's name)."""
    from app.care.codes import CHARTS

    names = {code: str(spec.label) for code, spec in CHARTS.items()}
    names.update({"observed_at": _("Time"), "occurred_at": _("Time"), "text": _("What happened"),
                  "category": _("Category"), "note": _("Note"), "resident_id": _("Resident"),
                  "soft_signs": _("Soft signs of deterioration"), "values": _("Vital signs"),
                  "idempotency_key": _("Entry key"), "routine_key": _("Routine entry")})
    return names


class CareEntryView(BaseView):
    """Record care on a tablet: a unit's residents by photo, one tap per routine entry, kept in the
    browser and sent when the connection allows."""

    route_base = "/care/entry"
    class_permission_name = "Charts"
    method_permission_name = {"entry": "read", "token": "read"}
    default_view = "entry"

    @expose("/")
    @has_access
    def entry(self):
        units = _units()
        unit_ids = {unit.id for unit in units}
        resident_id = _int_arg("resident")
        unit_id = _int_arg("unit") if "unit" in request.args else session.get(UNIT_KEY)
        if request.args.get("unit") == "all":
            unit_id = None
        if resident_id is not None and "unit" not in request.args:
            from app.assessments.due import units_of

            unit = units_of([resident_id]).get(resident_id)
            unit_id = unit.id if unit is not None else unit_id
        if unit_id not in unit_ids:
            unit_id = units[0].id if len(units) == 1 else None
        session[UNIT_KEY] = unit_id
        residents = unit_residents(unit_id)
        if resident_id is not None and resident_id not in {p["id"] for p in residents}:
            resident_id = None
        shown = [pane for pane in panes() if _can("can_write", pane.resource)]
        for pane in shown:
            if pane.key == "notes":
                pane.taps = routine_taps()
        tab = request.args.get("chart", "")
        if tab not in {pane.key for pane in shown}:
            tab = shown[0].key if shown else ""
        user = acting_user()
        return self.render_template(
            "care/entry.html", units=units, unit_id=unit_id, residents=residents, resident_id=resident_id,
            panes=shown, tab=tab, strings=js_strings(), user_key=str(getattr(user, "id", "")),
            categories=_note_categories(), vitals_fields=vitals_fields(), soft_signs=soft_signs(),
            urls={"entry": "/api/v1/care/entries/", "vitals": "/api/v1/care/vitals/", "note": "/api/v1/care/notes/"},
            title=_l("Record care"),
        )

    @expose("/token")
    @has_access
    def token(self):
        """A fresh CSRF token for the screen's queue (a tablet left open for a long time)."""
        return jsonify(csrf_token=generate_csrf())


def _note_categories() -> list[tuple[str, str]]:
    from app import labels
    from app.care.models import NoteCategory

    return [(c.value, labels.label(c)) for c in NoteCategory]


def vitals_fields() -> list[dict]:
    """The vital signs of a NEWS2 set as the form asks for them (name, label, unit, input bounds, needed)."""
    from app.care.codes import CHARTS

    def field(code, unit, step=1, needed=True):
        low, high = CHARTS[code].impossible
        return {"name": code, "label": CHARTS[code].label, "unit": unit, "min": low, "max": high, "step": step,
                "required": needed}

    return [
        field("respiration_rate", _l("per minute")), field("spo2", "%"),
        field("systolic_bp", "mmHg"), field("diastolic_bp", "mmHg", needed=False),
        field("pulse", _l("per minute")), field("temperature", "°C", step=0.1),
        field("blood_glucose", "mmol/L", step=0.1, needed=False), field("pain", "0–10", needed=False),
    ]


def soft_signs() -> list[tuple[str, str]]:
    """RESTORE2-style soft signs offered with a vitals set (the services' list when it has one)."""
    from app.care import codes

    found = getattr(codes, "SOFT_SIGNS", None)
    if isinstance(found, dict):
        return [(key, str(label)) for key, label in found.items()]
    if found:
        return [(item[0], str(item[1])) for item in found]
    return []


def register(appbuilder) -> None:
    """The care pages' menu items and the jinja hooks (called from app/care/menu.py)."""
    from app.care import profile

    current_app.jinja_env.globals["care_summary"] = profile.profile_summary
    appbuilder.add_view(CareEntryView, "Record care", label=_l("Record care"), icon="fa-hand-pointer-o",
                        category="Daily care")
    appbuilder.add_view(UnitBoardView, "Unit board", label=_l("At risk now"), icon="fa-heartbeat",
                        category="Daily care")


class UnitBoardView(BaseView):
    """Per unit, the residents at risk now and why; the page refreshes itself from the board JSON."""

    route_base = "/care/board"
    class_permission_name = "Unit board"
    method_permission_name = {"board": "read"}
    default_view = "board"

    @expose("/")
    @has_access
    def board(self):
        from app.care.profile import board_lines

        units = _units()
        unit_id = _int_arg("unit")
        if unit_id not in {unit.id for unit in units}:
            unit_id = None
        lines = board_lines(unit_id)
        return self.render_template(
            "care/board.html", units=units, unit_id=unit_id, lines=lines,
            generated_at=dt.datetime.now(dt.UTC), can_record=_can("can_read", "Charts"),
            every=int(current_app.config.get("CARE_BOARD_REFRESH_SECONDS") or 60),
            api_url="/api/v1/care/board/" + (f"?unit_id={unit_id}" if unit_id else ""),
            strings={"none": _("No resident is at risk now."), "updated": _("Updated %(time)s", time="{time}"),
                     "failed": _("Could not refresh the board; showing the last figures (%(time)s).",
                                 time="{time}"),
                     "record": _("Record care")},
            title=_l("At risk now"),
        )
