"""Risk in colour: the colour of an assessment's band wherever its result shows, always with the band's
words (never colour alone).

A band's colour is the one chosen in the form builder (`colour` of the band: green, amber, red, grey or
blue); a band without one gets the colour its code implies (forms/band_colours.py).
"""

from __future__ import annotations

from flask import g, has_request_context
from markupsafe import Markup

from forms.band_colours import FILL
from forms.band_colours import band_colour as colour_of_band

CSS = {"red": "label-danger", "amber": "label-warning", "green": "label-success", "blue": "label-info",
       "grey": "label-default"}


def definition_bands(key: str, version: int | None = None) -> list[dict]:
    """The bands of a form's definition (cached for the request); [] when it cannot be read."""
    from app.assessments import services
    from app.exceptions import DomainError
    from forms.store import StoreError

    cache = g.setdefault("_band_cache", {}) if has_request_context() else {}
    if (key, version) not in cache:
        try:
            definition = services.definition(key, version)
            cache[(key, version)] = list((definition.scoring or {}).get("bands", ()))
        except (DomainError, StoreError):  # a form that cannot be loaded still shows its stored band words
            cache[(key, version)] = []
    return cache[(key, version)]


def band_colour(key: str | None, version: int | None, code: str | None) -> str:
    if not code:
        return "grey"
    band = next((b for b in (definition_bands(key, version) if key else []) if b.get("code") == code), None)
    return colour_of_band(band, code)


def band_badge(record) -> Markup:
    """<span class="label label-danger">High risk (2 or more)</span> for a record's band; '' without."""
    if record is None or not getattr(record, "band", None):
        return Markup("")
    colour = band_colour(record.form_key, record.version, record.band)
    words = band_words(record)
    return Markup('<span class="label {} band-badge" data-band="{}" data-colour="{}">{}</span>').format(
        CSS[colour], record.band, colour, words)


def chart_bands(key: str, version: int | None, low, high) -> list[dict]:
    """Score ranges of the bands, with their colours, for shading the history chart."""
    areas = []
    for band in definition_bands(key, version):
        start = band.get("min", low)
        end = band.get("max", high)
        if start is None:
            start = low
        if end is None:
            end = high
        try:
            start, end = float(start), float(end)
        except (TypeError, ValueError):
            continue
        colour = colour_of_band(band)
        label = band.get("label")
        if isinstance(label, dict):
            label = label.get(_locale()) or label.get("en-GB") or next(iter(label.values()), "")
        areas.append({"min": start, "max": end, "fill": FILL[colour], "label": label or band.get("code", "")})
    return areas


def band_words(record) -> str:
    """A record's band in the reader's language when its definition has it; else the words stored
    when it was signed (a form that cannot be loaded, or a band since renamed)."""
    code = getattr(record, "band", None)
    stored = getattr(record, "band_label", None) or code or ""
    if not code:
        return stored
    band = next((b for b in definition_bands(record.form_key, record.version) if b.get("code") == code), None)
    label = band.get("label") if band else None
    if isinstance(label, dict):
        return str(label.get(_locale()) or stored)
    return stored


def _locale() -> str:
    """The reader's language: the request's, or in a job the language of the person who asked
    (the job runs under flask_babel's force_locale, see app.documents.jobs.in_language)."""
    from flask import has_app_context
    from flask_babel import get_locale

    locale = str(get_locale() or "en") if has_app_context() else "en"
    return "cy" if locale.startswith("cy") else "en-GB"


def init_app(app) -> None:
    app.jinja_env.globals["band_badge"] = band_badge
    from app.assessments.jobs import task_title

    app.jinja_env.filters["task_title"] = task_title  # {{ task|task_title }}: in the reader's language
