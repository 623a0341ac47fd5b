#!/usr/bin/env bash
# Keep the translation catalogues current. Run from anywhere, with the virtualenv active
# (or PYTHON=/path/to/venv/bin/python):
#
#   translations/update.sh
#
# 1. extract our strings (app/**.py, forms/**.py, app/templates/**.html; see babel.cfg)
# 2. add Flask-AppBuilder's own strings (FAB ships no Welsh; see add_fab_strings.py)
# 3. create or update translations/<lang>/LC_MESSAGES/messages.po
# 4. compile the .mo files the app loads (they are committed)
#
# Then translate every new empty msgstr in the .po files, run this again to compile, and run
# tests/integration/test_translations.py, which fails while any entry is untranslated or fuzzy.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
LANGS="${LANGS:-cy}"

if ! "$PYTHON" -c "import babel, flask_appbuilder" 2>/dev/null; then
    echo "update.sh: $PYTHON cannot import babel and flask_appbuilder;" \
         "activate the virtualenv or set PYTHON=/path/to/venv/bin/python" >&2
    exit 1
fi
pybabel() { "$PYTHON" -m babel.messages.frontend "$@"; }

POT=translations/messages.pot

pybabel --quiet extract -F babel.cfg -k _l -k lazy_gettext \
    --project=WriteCareNotes --copyright-holder="WriteCareNotes contributors" \
    --sort-by-file -o "$POT" .
"$PYTHON" translations/add_fab_strings.py "$POT"

for lang in $LANGS; do
    po="translations/$lang/LC_MESSAGES/messages.po"
    if [ -f "$po" ]; then
        pybabel update -i "$POT" -d translations -l "$lang" --no-fuzzy-matching --ignore-obsolete
    else
        pybabel init -i "$POT" -d translations -l "$lang"
    fi
done

pybabel compile -d translations --statistics
