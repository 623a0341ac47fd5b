"""Add Flask-AppBuilder's own translatable strings to our message template.

FAB ships no Welsh catalogue, so the list, show, add and edit screens, the sign-in page and the Security
menu would stay English in Welsh unless our catalogue translates FAB's strings too. This script extracts
them from the installed flask_appbuilder package (its Python modules and Jinja templates, the same
keywords FAB itself uses) and merges them into the template we extracted from our own code:

    python translations/add_fab_strings.py translations/messages.pot

A msgid used by both keeps one entry with both locations. Run by `translations/update.sh`.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

# FAB's Python uses lazy_gettext / gettext / _; its templates use _() (Jinja's i18n extension).
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
METHOD_MAP = [
    ("templates/**.html", "jinja2"),
    ("**.py", "python"),
]
SKIP_DIRS = {"static", "translations", "__pycache__"}
MARK = "Flask-AppBuilder"


def fab_package_dir() -> Path:
    spec = importlib.util.find_spec("flask_appbuilder")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("flask_appbuilder is not installed in this environment (activate the virtualenv).")
    return Path(next(iter(spec.submodule_search_locations)))


def fab_messages(package: Path):
    """(msgid, context, 'flask_appbuilder/<path>', lineno) for every translatable string in FAB."""

    for filename, lineno, message, _comments, context in extract_from_dir(
        str(package), method_map=METHOD_MAP, keywords=KEYWORDS, callback=None, strip_comment_tags=True,
        directory_filter=lambda path: Path(path).name not in SKIP_DIRS,
    ):
        yield message, context, f"flask_appbuilder/{filename}", lineno


def merge(pot_path: Path) -> tuple[int, int]:
    with pot_path.open("rb") as fh:
        catalog = read_po(fh)
    added = shared = 0
    for message, context, filename, lineno in fab_messages(fab_package_dir()):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        key = message[0] if isinstance(message, tuple) else message
        existing = catalog.get(key, context)
        if existing is not None:
            if (filename, lineno) not in existing.locations:
                existing.locations.append((filename, lineno))
            if MARK not in existing.auto_comments:
                existing.auto_comments.append(MARK)
                shared += 1
            continue
        catalog.add(message, locations=[(filename, lineno)], auto_comments=[MARK], context=context)
        added += 1
    with pot_path.open("wb") as fh:
        write_po(fh, catalog)
    return added, shared


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pot", type=Path, help="the .pot written by pybabel extract")
    args = parser.parse_args(argv)
    added, shared = merge(args.pot)
    print(f"Flask-AppBuilder strings: {added} added, {shared} already in our code, into {args.pot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
