"""Domain errors: what a user did wrong, in words they can act on, naming the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule refused a change. `errors` maps field names (or "_" for the whole record) to messages."""

    status_code = 422

    def __init__(self, errors: dict[str, list[str] | str] | str, field: str | None = None):
        if isinstance(errors, str) or not isinstance(errors, dict):
            errors = {field or "_": [errors]}
        self.errors = {
            key: [str(m) for m in (value if isinstance(value, (list, tuple)) else [value])]
            for key, value in errors.items()
        }
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = []
        for field, messages in self.errors.items():
            text = " ".join(messages)
            parts.append(text if field == "_" else f"{field}: {text}")
        return "; ".join(parts)

    def __str__(self) -> str:
        return self.message


class HomeScopeError(DomainError):
    """A change reached outside the homes the user works in."""

    status_code = 403


class NotFoundError(DomainError):
    status_code = 404

    def __init__(self, what: str = "record"):
        super().__init__(str(_l("That %(what)s does not exist or is not in your homes.", what=what)))


class ConflictError(DomainError):
    """Someone else changed the same thing a moment ago (e.g. took the bed): look again and choose."""

    status_code = 409
