"""The Welsh (cy) catalogue: complete, safe to render, and used by the screens.

English (en-GB) is the default; /lang/cy (FAB's LocaleView, behind the navbar's language picker)
switches the session to Welsh, including Flask-AppBuilder's own strings, which only our catalogue
translates (FAB ships no Welsh).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
CY_PO = TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po"
CY_MO = TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.mo"
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcoa%]")

# Navigation seen by a Home Manager: English label -> Welsh label.
NAVIGATION = {
    "Care homes": "Cartrefi gofal",
    "Units": "Unedau",
    "Rooms": "Ystafelloedd",
    "Beds": "Gwelyau",
    "Logout": "Allgofnodi",
    "Profile": "Proffil",
}


def _catalogue():
    with CY_PO.open("rb") as fh:
        return read_po(fh)


def _messages():
    return [m for m in _catalogue() if m.id]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0) != "%%")


def _text(response) -> str:
    return response.get_data(as_text=True)


def _menu_labels(html: str) -> set[str]:
    """The visible text of navbar links and dropdown toggles (the text after their icon)."""
    found = re.findall(r"</(?:i|span)>(?:&nbsp;)?\s*([^<]+?)\s*<", html)
    return {re.sub(r"\s+", " ", label).strip() for label in found}


# -- the catalogue itself -------------------------------------------------------------------------


def test_every_welsh_entry_is_translated_and_none_is_fuzzy():
    messages = _messages()
    assert len(messages) > 200  # our strings and Flask-AppBuilder's
    untranslated = [m.id for m in messages if not all(s.strip() for s in _strings(m))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not untranslated, f"untranslated in {CY_PO.name}: {untranslated} (run translations/update.sh)"
    assert not fuzzy, f"fuzzy (unreviewed) in {CY_PO.name}: {fuzzy}"


def test_welsh_placeholders_match_their_english():
    wrong = []
    for message in _messages():
        expected = _placeholders(_ids(message)[0])
        for string in _strings(message):
            if _placeholders(string) != expected:
                wrong.append((message.id, string))
    assert not wrong


def test_welsh_strings_are_safe_inside_flask_appbuilder_templates():
    """FAB renders some strings unescaped inside JavaScript literals and HTML attributes."""
    unsafe = [(m.id, s) for m in _messages() for s in _strings(m) if re.search(r"['\"<>&]", s)]
    assert not unsafe, "write apostrophes as ’ (U+2019) and avoid quotes, < > and &"


def test_compiled_catalogue_is_current():
    """The committed .mo holds exactly the .po's translations (run translations/update.sh)."""
    def key(value):  # a plural entry's id and forms are a list in the .mo and a tuple in the .po
        return tuple(value) if isinstance(value, (list, tuple)) else value

    with CY_MO.open("rb") as fh:
        compiled = {key(m.id): key(m.string) for m in read_mo(fh) if m.id}
    source = {key(m.id): key(m.string) for m in _messages()}
    assert compiled == source


def test_template_has_no_strings_missing_from_the_welsh_catalogue():
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    assert template <= {m.id for m in _messages()}


def test_flask_appbuilder_screens_are_in_the_catalogue():
    ids = {m.id for m in _messages()}
    for msgid in ("List Users", "List Roles", "Security", "Search", "Save", "Back", "Actions", "Record Count",
                  "Add", "Edit", "Show", "Delete", "Sign In", "Username", "Password", "Add Filter",
                  "No records found", "Access is Denied", "Invalid login. Please try again.",
                  "Are you sure you want to delete this item?", "Added Row", "Changed Row", "Deleted Row"):
        assert msgid in ids


def test_every_role_has_a_welsh_name(app):
    from flask_babel import force_locale

    from app.i18n import ROLE_LABELS, role_label
    from app.permissions import ROLE_NAMES

    assert set(ROLE_LABELS) == set(ROLE_NAMES)
    with app.test_request_context(), force_locale("cy"):
        assert role_label("Home Manager") == "Rheolwr Cartref"
        assert role_label("Senior Carer") == "Uwch Ofalwr"
        assert role_label("Regional lead") == "Regional lead"  # made in the UI: shown as typed
        welsh = {name: role_label(name) for name in ROLE_NAMES}
    assert all(welsh[name] != name for name in ROLE_NAMES)


# -- the screens ----------------------------------------------------------------------------------


def test_language_picker_switches_navigation_to_welsh_and_back(auth, client):
    auth.login("manager")

    english = _text(client.get("/"))
    assert "Care homes" in _menu_labels(english)

    response = client.get("/lang/cy")
    assert response.status_code == 302
    for path in ("/", "/carehomeview/list/"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = _text(response)
        labels = _menu_labels(html)
        for english_label, welsh_label in NAVIGATION.items():
            assert welsh_label in labels, (path, welsh_label, sorted(labels))
            assert english_label not in labels, (path, english_label)
        assert "Cymraeg" in html

    listing = _text(client.get("/carehomeview/list/"))
    assert "Alder House" in listing  # data is not translated
    assert "Nifer y cofnodion" in listing and "Record Count" not in listing

    client.get("/lang/en")
    labels = _menu_labels(_text(client.get("/carehomeview/list/")))
    assert "Care homes" in labels and "Logout" in labels
    assert "Cartrefi gofal" not in labels


def test_sign_in_page_is_welsh(client):
    client.get("/lang/cy")
    html = _text(client.get("/login/"))
    assert "Mewngofnodi" in html
    assert "Enw defnyddiwr" in html and "Cyfrinair" in html
    assert "Enter your login and password below" not in html


@pytest.mark.parametrize("locale", ["xx", "en-US"])
def test_unknown_language_is_refused(client, locale):
    assert client.get(f"/lang/{locale}").status_code == 404
