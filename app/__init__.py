"""create_app(): the one place that wires WriteCareNotes together."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, g, request
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from config import Config, load_config

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def create_app(config: Config | str | None = None, **overrides) -> Flask:
    if config is None or isinstance(config, str):
        config = load_config(config)
    app = Flask(
        __name__,
        instance_path=str(_instance_path()),
        static_folder="static",
        template_folder="templates",
    )
    app.config.from_object(config)
    app.config.update(overrides)

    from app import guards
    from app.extensions import csrf, db, migrate

    db.init_app(app)
    with app.app_context():
        _configure_sqlite(db.engine)
    migrate.init_app(
        app, db, directory=str(_root() / "migrations"), render_as_batch=True, compare_type=True
    )
    # CSRF before AppBuilder: without it, FAB's GET /<view>/delete/<pk> would delete rows.
    csrf.init_app(app)
    _init_request_context(app)
    from app import headers

    headers.init_app(app)  # CSP with a nonce per response, HSTS when configured, no-store

    with app.app_context():
        _import_models()
        from app.crud import fast_related_fields, fast_rison_validation, scope_filters_per_request

        scope_filters_per_request()  # list search filters belong to the request, not the shared view
        fast_related_fields()  # drop-downs of related rows: one interface each, no decryption
        fast_rison_validation()  # REST arguments: each JSON schema checked once, not on every call
        from app import ukdates

        ukdates.install()  # generated forms take and show dates the British way
        from app import labels

        labels.install()  # enum drop-downs (list filters, forms) show words, not codes
        appbuilder = AppBuilder(update_perms=app.config.get("FAB_UPDATE_PERMS", False))
        appbuilder.init_app(app, db.session)
        app.appbuilder = appbuilder
        _register_views(appbuilder)
        _register_apis(app, appbuilder, csrf)
        guards.init_app(app)

    from app.security import record_permission_denials

    record_permission_denials(app)
    from app import outage

    outage.init_app(app)  # database unreachable: a 503 page, not a bare 500
    _register_cli(app)

    from app.ops import ops

    app.register_blueprint(ops)
    csrf.exempt(ops)

    @app.get("/favicon.ico")
    def favicon():
        """The browser tab's icon (browsers ask for it here)."""
        return app.send_static_file("img/favicon.ico")

    return app


def _configure_sqlite(engine) -> None:
    """SQLite: enforce foreign keys, and let SQLAlchemy manage transactions so savepoints work."""
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the one writer
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


def _instance_path():
    from config import INSTANCE_DIR

    return INSTANCE_DIR


def _import_models() -> None:
    """Import every models module so the mappers exist before views are built."""
    import app.accounts.models  # noqa: F401
    import app.assessments.models  # noqa: F401
    import app.audit  # noqa: F401
    import app.billing.models  # noqa: F401
    import app.care.bodymap_models  # noqa: F401
    import app.care.models  # noqa: F401
    import app.careplans.models  # noqa: F401
    import app.homes.models  # noqa: F401
    import app.jobs  # noqa: F401
    import app.notifications.models  # noqa: F401
    import app.residents.models  # noqa: F401
    import app.security  # noqa: F401
    import forms.store.sql  # noqa: F401


def _init_request_context(app: Flask) -> None:
    from app import audit, i18n, labels

    @app.before_request
    def _request_id():
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def _send_request_id(response):
        if g.get("request_id"):
            response.headers["X-Request-Id"] = g.request_id
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    audit.set_context_resolver(_audit_context)
    app.jinja_env.globals["label"] = labels.label
    from app import ukdates

    app.jinja_env.globals["now_local"] = ukdates.now_local_input
    app.jinja_env.filters["ukdate"] = ukdates.format_date
    app.jinja_env.filters["ukdatetime"] = ukdates.format_datetime
    app.jinja_env.filters["longdate"] = ukdates.long_date  # months spelled out in the reader's language
    app.jinja_env.filters["monthyear"] = ukdates.month_year
    i18n.init_app(app)
    from app import navbar

    navbar.init_app(app)  # the menu bar's markup kept per set of visible items and language

    @app.context_processor
    def _home_switcher():
        from app.tenancy import acting_user, current_home_id, homes_of

        user = acting_user()
        if user is None:
            return {}
        homes = homes_of(user)
        current = current_home_id()
        return {"home_switcher": {
            "homes": homes,
            "current": next((h for h in homes if h.id == current), None),
        }}


def _audit_context():
    """Who and where, for the audit trail, from the request being served."""
    from flask import has_request_context

    if not has_request_context():
        return None
    from app.tenancy import acting_user

    user = acting_user()
    return {
        "actor_id": getattr(user, "id", None),
        "actor_name": getattr(user, "username", None) or "anonymous",
        "request_id": g.get("request_id"),
        "client_addr": request.remote_addr,
    }


def _register_views(appbuilder: AppBuilder) -> None:
    from app.audit_views import register_audit_views
    from app.documents.views import register as register_documents
    from app.homes import views as homes
    from app.notifications.views import register as register_notifications
    from app.views import HomeSwitchView

    appbuilder.add_view(
        homes.CareHomeView, "Care homes", label=_l("Care homes"), icon="fa-home",
        category="Homes", category_label=_l("Homes"), category_icon="fa-building",
    )
    appbuilder.add_view(homes.UnitView, "Units", label=_l("Units"), icon="fa-sitemap", category="Homes")
    appbuilder.add_view(homes.RoomView, "Rooms", label=_l("Rooms"), icon="fa-door-open", category="Homes")
    appbuilder.add_view(homes.BedView, "Beds", label=_l("Beds"), icon="fa-bed", category="Homes")
    appbuilder.add_view_no_menu(homes.BedServicePeriodView)
    appbuilder.add_view(
        homes.OrganisationView, "Organisations", label=_l("Organisations"), icon="fa-globe",
        category="Homes",
    )
    appbuilder.add_view_no_menu(HomeSwitchView)
    register_audit_views(appbuilder)
    register_documents(appbuilder)
    register_notifications(appbuilder)
    from app.residents.menu import register_views as register_resident_views

    register_resident_views(appbuilder)
    from app.assessments.menu import register_views as register_assessment_views

    register_assessment_views(appbuilder)
    from app.careplans.menu import register_views as register_care_plan_views

    register_care_plan_views(appbuilder)
    from app.billing.menu import register_views as register_billing_views

    register_billing_views(appbuilder)
    from app.care.menu import register_views as register_care_views

    register_care_views(appbuilder)
    from app.formbuilder.views import register as register_formbuilder

    register_formbuilder(appbuilder)
    from app.roles.views import register_views as register_role_views

    register_role_views(appbuilder)
    from app.access import register_field_resources

    register_field_resources(appbuilder)


def _register_apis(app: Flask, appbuilder: AppBuilder, csrf) -> None:
    from app.homes import api as homes_api

    for api in (
        homes_api.OrganisationApi,
        homes_api.CareHomeApi,
        homes_api.UnitApi,
        homes_api.RoomApi,
        homes_api.BedApi,
        homes_api.BedServicePeriodApi,
    ):
        appbuilder.add_api(api)
    from app.residents.menu import register_apis as register_resident_apis

    register_resident_apis(appbuilder)
    from app.assessments.menu import register_apis as register_assessment_apis

    register_assessment_apis(appbuilder)
    from app.careplans.menu import register_apis as register_care_plan_apis

    register_care_plan_apis(appbuilder)
    from app.billing.menu import register_apis as register_billing_apis

    register_billing_apis(appbuilder)
    from app.care.menu import register_apis as register_care_apis

    register_care_apis(appbuilder)
    # REST calls authenticate with a JWT bearer token or the session. Flask-WTF's form check is off
    # here; app.guards requires the CSRF token (X-CSRFToken header) on a change made with the session.
    for blueprint in app.blueprints.values():
        if (blueprint.url_prefix or "").startswith("/api/"):
            csrf.exempt(blueprint)


def _register_cli(app: Flask) -> None:
    from app.audit import audit_cli
    from app.cli import demo_cli, setup_command
    from app.crypto import keys_cli
    from app.jobs import jobs_cli, worker_command
    from forms.cli import forms_cli

    app.cli.add_command(audit_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(forms_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(setup_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs_cli)
    from app.billing.cli import billing_cli

    app.cli.add_command(billing_cli)
    from app.accounts.cli import users_cli

    app.cli.add_command(users_cli)
    from app.anonymise.cli import data_cli

    app.cli.add_command(data_cli)
