"""The baselines load.py measures against, in the same run: a stock Flask-AppBuilder app over the
same residents table (a `ModelView` list and show, a `ModelRestApi` list and show; no home scope,
no audit, no encryption, FAB's own permission checks), and a bare Flask JSON endpoint.

    STOCK_DATABASE_URL=postgresql://... gunicorn -w 2 -b 127.0.0.1:8001 'benchmarks.stock_app:create_app()'

FAB's own security tables live in a schema of their own (`stock`) so the product's users, roles and
permissions are untouched; the residents and homes are read from the product's tables (`public`).
"""

from __future__ import annotations

import os

from flask import Flask, jsonify
from flask_appbuilder import AppBuilder, Model, ModelRestApi, ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine, text
from sqlalchemy.orm import relationship

ADMIN, PASSWORD = "stockadmin", "Stock-password-1!"


class StockHome(Model):
    __tablename__ = "care_home"
    __table_args__ = {"schema": "public"}
    id = Column(Integer, primary_key=True)
    name = Column(String(200))

    def __repr__(self) -> str:
        return self.name or ""


class StockResident(Model):
    __tablename__ = "resident"
    __table_args__ = {"schema": "public"}
    id = Column(Integer, primary_key=True)
    first_name = Column(String(100))
    last_name = Column(String(100))
    preferred_name = Column(String(100))
    status = Column(String(32))
    home_id = Column(Integer, ForeignKey("public.care_home.id"))
    home = relationship(StockHome)


class StockResidentView(ModelView):
    datamodel = SQLAInterface(StockResident)
    list_columns = ["first_name", "last_name", "preferred_name", "status", "home"]
    show_columns = ["first_name", "last_name", "preferred_name", "status", "home"]
    base_order = ("last_name", "asc")
    page_size = 25


class StockResidentApi(ModelRestApi):
    resource_name = "stockresident"
    datamodel = SQLAInterface(StockResident)
    list_columns = ["id", "first_name", "last_name", "preferred_name", "status", "home.name"]
    show_columns = list_columns
    page_size = 25


def _prepare_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA IF NOT EXISTS stock"))
    engine.dispose()


def create_app() -> Flask:
    url = os.environ["STOCK_DATABASE_URL"]
    _prepare_schema(url)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("STOCK_SECRET_KEY", "stock-baseline-secret"),
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": "-csearch_path=stock"}},
        WTF_CSRF_ENABLED=True,
        FAB_ADD_SECURITY_API=True,
        AUTH_RATE_LIMITED=False,
        FAB_UPDATE_PERMS=os.environ.get("STOCK_UPDATE_PERMS", "1") == "1",
    )
    db = SQLAlchemy(app, model_class=Model)
    with app.app_context():
        appbuilder = AppBuilder(app, db.session)
        appbuilder.add_view(StockResidentView, "Residents", category="Residents")
        appbuilder.add_api(StockResidentApi)
        sm = appbuilder.sm
        if sm.find_user(username=ADMIN) is None:
            sm.add_user(ADMIN, "Stock", "Admin", "stock@example.org", sm.find_role(sm.auth_role_admin), PASSWORD)

    @app.route("/bare")
    def bare():
        return jsonify(ok=True, service="bare flask")

    return app
