"""Words shown for stored codes (enum members), translated at display time."""

from __future__ import annotations

import enum

_LABELS: dict[enum.Enum, object] = {}


def register(labels: dict[enum.Enum, object]) -> None:
    """Give each member of an enum its (lazily translated) label."""
    _LABELS.update(labels)


def label(value) -> str:
    """The label of an enum member (or a stored code), falling back to a readable form of the code."""
    if value is None:
        return ""
    found = _LABELS.get(value)
    if found is None and not isinstance(value, enum.Enum):
        found = next((text for member, text in _LABELS.items() if member.value == value), None)
    if found is not None:
        return str(found)
    code = getattr(value, "value", value)
    return str(code).replace("_", " ").capitalize()


def choices(enum_cls) -> list[tuple[str, str]]:
    return [(member.name, label(member)) for member in enum_cls]


def install() -> None:
    """Drop-downs Flask-AppBuilder makes for enum columns (list search filters, add and edit forms)
    show each member's label in the reader's language instead of its code."""
    from flask_appbuilder import fields
    from flask_babel import LazyString

    if getattr(fields.EnumField, "_wcn_labels", False):
        return
    original = fields.EnumField.__init__

    def __init__(self, enum_class, enums, *args, **kwargs):
        original(self, enum_class, enums, *args, **kwargs)
        members = [enum_class.__members__[name] if enum_class is not None else name for name in enums]
        self.choices = [(name, LazyString(label, member)) for name, member in zip(enums, members, strict=True)]

    fields.EnumField.__init__ = __init__
    fields.EnumField._wcn_labels = True
