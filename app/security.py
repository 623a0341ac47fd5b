"""Users, their homes, roles as data, sign-in auditing and lockout."""

from __future__ import annotations

import logging

from flask import current_app, flash, g, has_request_context, request
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import mapped_column, relationship
from wtforms import BooleanField
from wtforms.validators import DataRequired

from app import permissions
from app.i18n import role_label

log = logging.getLogger(__name__)

user_home = Table(
    "user_home",
    Model.metadata,
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
    Column("home_id", Integer, ForeignKey("care_home.id", ondelete="CASCADE"), primary_key=True),
)


class CareUser(User):
    """A sign-in, with the homes the person works in."""

    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}

    # Group-wide staff (administrators, auditors, regional managers) see every home.
    all_homes = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    homes = relationship("CareHome", secondary=user_home, order_by="CareHome.name")


class RoleSync(Model):
    """The matrix hash last applied to each built-in role (see app.permissions)."""

    __tablename__ = "role_sync"

    role_name = mapped_column(String(64), primary_key=True)
    matrix_hash = mapped_column(String(64), nullable=False)


class CareUserView(UserDBModelView):
    """Users, with the homes each works in."""

    list_columns = ["first_name", "last_name", "username", "email", "active", "roles", "all_homes"]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "login_count", "fail_login_count"]}),
        (_l("Homes"), {"fields": ["all_homes", "homes"]}),
        (_l("Personal info"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
    ]
    add_columns = [
        "first_name", "last_name", "username", "active", "email", "roles", "all_homes", "homes",
        "password", "conf_password",
    ]
    edit_columns = [
        "first_name", "last_name", "username", "active", "email", "roles", "all_homes", "homes",
        "fail_login_count",
    ]
    label_columns = {
        **UserDBModelView.label_columns,
        "all_homes": _l("Works in every home"),
        "homes": _l("Homes"),
        "fail_login_count": _l("Failed sign-ins (0 unlocks)"),
    }
    description_columns = {
        **UserDBModelView.description_columns,
        "all_homes": _l("For group staff such as administrators and auditors."),
        "homes": _l("The homes this person works in and can switch between."),
    }
    search_exclude_columns = ["password", "homes"]
    # A ticked box is "yes", an unticked one (a browser sends nothing) is "no". The generated field
    # was required, because the column is not nullable, so every saved user worked in every home.
    add_form_extra_fields = {
        **UserDBModelView.add_form_extra_fields,
        "all_homes": BooleanField(_l("Works in every home"), default=False,
                                  description=description_columns["all_homes"]),
    }
    edit_form_extra_fields = {
        "all_homes": BooleanField(_l("Works in every home"), default=False,
                                  description=description_columns["all_homes"]),
    }
    formatters_columns = {"roles": lambda roles: ", ".join(role_label(r) for r in roles or [])}
    # Roles only (FAB's user groups are not used): every user needs at least one role.
    validators_columns = {"roles": [DataRequired()]}


class CareSecurityManager(SecurityManager):
    user_model = CareUser
    userdbmodelview = CareUserView
    # FAB's sign-in statistics chart adds little for a care home and 500s on a junk URL argument.
    userstatschartview = None

    # -- sign-in auditing and lockout ---------------------------------------------------------

    def auth_user_db(self, username, password):
        from app.audit import record_event

        user = self.find_user(username=username) if username else None
        limit = current_app.config.get("AUTH_MAX_FAILED_LOGINS") or 0
        if user is not None and limit and (user.fail_login_count or 0) >= limit:
            record_event(
                "sign_in_refused", "User", entity_id=user.id,
                changes={"username": username, "reason": "locked after repeated failed sign-ins"},
            )
            if has_request_context():
                flash(str(_l("This account is locked after too many failed sign-ins. "
                             "Ask an administrator to unlock it.")), "danger")
            return None
        authenticated = super().auth_user_db(username, password)
        if authenticated is None and user is None:
            record_event("sign_in_failed", "User", changes={"username": (username or "")[:128]})
        return authenticated

    def on_user_login(self, user) -> None:
        from app.audit import record_event

        record_event("sign_in", "User", entity_id=user.id, actor_id=user.id, actor_name=user.username)

    def on_user_login_failed(self, user) -> None:
        from app.audit import record_event

        record_event(
            "sign_in_failed", "User", entity_id=user.id,
            changes={"username": user.username, "failed_in_a_row": user.fail_login_count},
        )

    def on_user_logout(self, user) -> None:
        from app.audit import record_event

        record_event("sign_out", "User", entity_id=user.id, actor_id=user.id, actor_name=user.username)

    # -- roles as data ------------------------------------------------------------------------

    def sync_roles(self) -> list[str]:
        """Create the built-in roles and apply the matrix where it changed. Returns what changed."""
        changed = []
        session = self.session
        if self.find_role(self.auth_role_admin) is None:
            self.add_role(self.auth_role_admin)
        for name in permissions.ROLE_NAMES:
            if name == self.auth_role_admin:
                continue
            role = self.find_role(name) or self.add_role(name)
            wanted_hash = permissions.matrix_hash(name)
            state = session.get(RoleSync, name)
            if state is not None and state.matrix_hash == wanted_hash:
                continue
            pvs = []
            for perm, view in sorted(permissions.role_permissions(name)):
                pv = self.add_permission_view_menu(perm, view)
                if pv is not None:
                    pvs.append(pv)
            role.permissions = pvs
            if state is None:
                session.add(RoleSync(role_name=name, matrix_hash=wanted_hash))
            else:
                state.matrix_hash = wanted_hash
            changed.append(name)
        session.commit()
        return changed


def record_permission_denials(app) -> None:
    """Permission denials are audit events: Flask-AppBuilder logs each one; listen for that log."""

    class DenialHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if not has_request_context() or g.get("_denial_recorded"):
                return
            try:
                from app.audit import record_event

                g._denial_recorded = True
                args = record.args if isinstance(record.args, tuple) else ()
                record_event(
                    "permission_denied",
                    str(args[1]) if len(args) > 1 else "view",
                    changes={"permission": str(args[0]) if args else "", "path": request.path},
                )
            except Exception:  # an audit failure must not turn a 403 into a 500
                log.exception("could not record a permission denial")

    handler = DenialHandler(level=logging.WARNING)
    logger = logging.getLogger("flask_appbuilder.security.decorators")
    if not any(isinstance(h, DenialHandler) for h in logger.handlers):
        logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    del app
