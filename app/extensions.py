"""Extension objects, created unbound; `create_app()` binds them to an app.

The AppBuilder itself is not here: Flask-AppBuilder keeps per-app view state on the AppBuilder
object, so a module-level one shared between apps (as the tests build several) silently skips the
second app's views. `create_app()` makes one per app and keeps it at `app.appbuilder`.
"""

from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = SQLA()
migrate = Migrate()
csrf = CSRFProtect()
