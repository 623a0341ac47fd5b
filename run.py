"""First run and every run after: create or upgrade the database, load demo data, serve.

    python run.py            # embedded default: SQLite in instance/, jobs inline
    WCN_ENV=production ...   # use gunicorn in production (see README)
"""

from __future__ import annotations

import os

from app import create_app
from app.cli import print_setup_result, setup


def main() -> None:
    app = create_app()
    with app.app_context():
        result = setup(load_demo=app.config.get("DEMO_DATA", False))
    print_setup_result(result)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f"WriteCareNotes is running at http://{host}:{port}/  (Ctrl+C to stop)")
    app.run(host=host, port=port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
