"""Rooms and beds in the order people count them: "Room 2" before "Room 10", beds 1, 2, 10, 11.

Homes have tens to a few hundred rooms, so lists of rooms and beds are loaded whole (still home
scoped) and sorted in Python; `NaturalInterface` does this for Flask-AppBuilder's list pages and
for the related drop-downs and search choices it builds from any view that uses it."""

from __future__ import annotations

import re

from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import select

from app.homes.models import Bed, Room

_PARTS = re.compile(r"(\d+)")


def natural_key(text) -> tuple:
    """A sort key that compares runs of digits as numbers and the rest case-insensitively."""
    parts = _PARTS.split(str(text or "").strip())
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.casefold()) for p in parts if p != "")


def room_key(room: Room) -> tuple:
    return natural_key(room.number), room.id or 0


def bed_key(bed: Bed) -> tuple:
    room = bed.room
    return (natural_key(room.number) if room is not None else (), natural_key(bed.label), bed.id or 0)


def sorted_beds(beds) -> list[Bed]:
    return sorted(beds, key=bed_key)


# model -> (its natural sort key, the order columns that mean "by that key")
NATURAL_ORDER = {
    Room: (room_key, {"", "number"}),
    Bed: (bed_key, {"", "room", "label"}),
}


class NaturalInterface(SQLAInterface):
    """SQLAInterface that lists rooms and beds in natural order (and pages them in memory).

    Any other model, or another order column chosen by the user, is left to the database."""

    def query(self, filters=None, order_column="", order_direction="", page=None, page_size=None,
              select_columns=None, outer_default_load=False):
        natural = NATURAL_ORDER.get(self.obj)
        if natural is None or order_column not in natural[1]:
            return super().query(filters, order_column, order_direction, page, page_size,
                                 select_columns, outer_default_load)
        count, items = super().query(filters, select_columns=select_columns,
                                     outer_default_load=outer_default_load)
        if self.obj is Bed and items:
            # one query for the rooms the key reads (then found in the session, not one per bed)
            room_ids = {b.room_id for b in items}
            list(self.session.scalars(select(Room).where(Room.id.in_(room_ids))))
        items = sorted(items, key=natural[0], reverse=order_direction == "desc")
        if page is not None and page_size:
            items = items[page * page_size:(page + 1) * page_size]
        return count, items
