"""The colour of a scoring band: the one the form sets (`colour`: green, amber, red, grey or blue) or,
for a band without one (the standard forms), the one its code implies: high, severe or a red score is
red; medium, moderate, mild or "at risk" amber; low, none or independent green; anything else grey.
A colour is always shown with the band's words, never alone."""

from __future__ import annotations

import re

COLOURS = ("green", "amber", "red", "grey", "blue")
FILL = {"red": "#d9534f", "amber": "#f0ad4e", "green": "#5cb85c", "blue": "#5bc0de", "grey": "#999999"}
TINT = {"red": "#f8d7da", "amber": "#fcefd9", "green": "#dff0d8", "blue": "#d9edf7", "grey": "#eeeeee"}

_RED = re.compile(r"(^|_)(high|severe|very_high|red|total_dependency)(_|$)")
_AMBER = re.compile(r"(^|_)(medium|moderate|mild|at_risk|low_medium|severe_dependency)(_|$)")
_GREEN = re.compile(r"(^|_)(low|none|no|no_pain|independent|below|slight_dependency)(_|$)")


def colour_of_code(code: str | None) -> str:
    code = (code or "").lower()
    if _RED.search(code):
        return "red"
    if _AMBER.search(code):
        return "amber"
    if _GREEN.search(code):
        return "green"
    return "grey"


def band_colour(band: dict | None, code: str | None = None) -> str:
    """The colour of a band of a definition (or of a bare band code)."""
    if band and band.get("colour") in COLOURS:
        return band["colour"]
    return colour_of_code((band or {}).get("code") or code)
