"""Users, their homes, roles as data, sign-in auditing, lockout with back-off, server-side sessions
(browser and API tokens) and the second factor. The pages and services are in app/accounts/."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app, flash, g, has_request_context, jsonify, redirect, request, session, url_for
from flask_appbuilder import Model
from flask_appbuilder.actions import action
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import joinedload, mapped_column, relationship
from wtforms import BooleanField
from wtforms.validators import DataRequired

from app import permissions
from app.i18n import role_label
from app.request_cache import permission_view_menus, public_permissions, role_permissions

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
    # After repeated failed sign-ins the account is paused until then (longer after each further failure).
    locked_until = mapped_column(DateTime(timezone=True))
    # A temporary password given by an administrator: every page asks for a new one until it is changed.
    must_change_password = mapped_column(Boolean, nullable=False, default=False, server_default="0")
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

    def post_update(self, item):
        if not item.active:
            from app.accounts import sessions

            sessions.end_all_of(item.id, "deactivated")

    # Actions that change sign-in state without going through the user form (POST, from the list).
    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts?"), "fa-unlock", single=False)
    def unlock(self, items):
        from app.audit import record_event
        from app.extensions import db

        for user in _as_list(items):
            user.fail_login_count = 0
            user.locked_until = None
            record_event("account_unlocked", "User", entity_id=user.id, changes={"username": user.username},
                         session=db.session)
        db.session.commit()
        flash(str(_l("The selected accounts are unlocked.")), "info")
        return redirect(self.get_redirect())

    @action("reset_second_factor", _l("Reset second factor"),
            _l("Remove the authenticator app and recovery codes of the selected accounts? They set up a new one "
               "at their next sign-in."), "fa-mobile", single=False)
    def reset_second_factor(self, items):
        from app.accounts import mfa, sessions
        from app.audit import record_event
        from app.extensions import db

        for user in _as_list(items):
            had = mfa.reset(user.id)
            record_event("second_factor_reset", "User", entity_id=user.id,
                         changes={"username": user.username, "had_one": had}, session=db.session)
            sessions.end_all_of(user.id, "second factor reset", commit=False)
        db.session.commit()
        flash(str(_l("The second factor of the selected accounts is reset and they are signed out.")), "info")
        return redirect(self.get_redirect())

    @action("end_sessions", _l("Sign out everywhere"), _l("Sign the selected accounts out on every device and "
            "revoke their API tokens?"), "fa-sign-out", single=False)
    def end_sessions(self, items):
        from app.accounts import sessions
        from app.audit import record_event
        from app.extensions import db

        for user in _as_list(items):
            count = sessions.end_all_of(user.id, "ended by an administrator", commit=False)
            record_event("sessions_ended", "User", entity_id=user.id,
                         changes={"username": user.username, "sessions": count}, session=db.session)
        db.session.commit()
        flash(str(_l("The selected accounts are signed out everywhere.")), "info")
        return redirect(self.get_redirect())


def _as_list(items) -> list:
    return [item for item in (items if isinstance(items, list) else [items]) if item is not None]


class CareSecurityManager(SecurityManager):
    user_model = CareUser
    userdbmodelview = CareUserView
    # FAB's sign-in statistics chart adds little for a care home and 500s on a junk URL argument.
    userstatschartview = None

    @property
    def authdbview(self):
        from app.accounts.views import CareAuthDBView

        return CareAuthDBView

    @property
    def security_api(self):
        from app.accounts.api import CareSecurityApi

        return CareSecurityApi

    def register_views(self):
        super().register_views()
        from app.accounts.views import AccountView, MySessionsView

        self.appbuilder.add_view_no_menu(AccountView)
        self.appbuilder.add_view_no_menu(MySessionsView)
        app = current_app._get_current_object()
        if self.is_auth_limited:
            self._limit_api_sign_in()
            self._limit_browser_sign_in_pages()
        app.before_request(_second_factor_gate)
        app.register_error_handler(429, _too_many_requests)

    # -- rate limits on sign-in ---------------------------------------------------------------

    def _limit_api_sign_in(self) -> None:
        """The API sign-in gets the browser's per-address limit plus one per username."""
        api = next(v for v in self.appbuilder.baseviews if v.__class__.__name__ == "CareSecurityApi")
        per_user = current_app.config.get("AUTH_USERNAME_RATE_LIMIT") or "10 per minute"
        self.limiter.limit(self.auth_rate_limit, methods=["POST"])(api.blueprint)
        self.limiter.limit(per_user, key_func=_username_key, methods=["POST"])(api.blueprint)

    def _limit_browser_sign_in_pages(self) -> None:
        per_user = current_app.config.get("AUTH_USERNAME_RATE_LIMIT") or "10 per minute"
        self.limiter.limit(per_user, key_func=_username_key, methods=["POST"])(self.auth_view.blueprint)
        for view in self.appbuilder.baseviews:
            if view.__class__.__name__ == "AccountView":
                self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)

    # -- sessions: every request checks its server-side session -------------------------------

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.token_in_blocklist_loader(_token_revoked)
        return jwt_manager

    def load_user(self, pk):
        """The browser's user, if its server-side session is live (else signed out)."""
        if has_request_context():
            from app.accounts import sessions

            row = sessions.check(session.get(sessions.SESSION_KEY), pk)
            if row is None:
                sessions.forget_browser_session()
                return None
            g.wcn_session = row
        return super().load_user(pk)

    def get_user_by_id(self, pk):
        """The user with their roles and groups in one read (each request loads its user; FAB's own
        get reads the roles and the groups in two more)."""
        model = self.user_model
        return self.session.get(model, pk, options=[joinedload(model.roles), joinedload(model.groups)])

    def load_user_jwt(self, _jwt_header, jwt_data):
        user = self.get_user_by_id(int(jwt_data["sub"]))
        if user is not None and user.is_active:
            g.user = user
            return user
        return None

    def reset_password(self, userid, password):
        """A password change ends every other session and API token of the user."""
        from app.accounts import sessions

        user = self.get_user_by_id(userid)
        if user is not None:
            user.must_change_password = False  # a new password is the person's own (app/users sets it again)
        super().reset_password(userid, password)
        own = sessions.current()
        keep = own.id if own is not None and own.user_id == int(userid) else None
        count = sessions.end_all_of(int(userid), "password changed", keep=keep)
        from app.audit import record_event

        record_event("password_changed", "User", entity_id=int(userid), changes={"sessions_ended": count})

    # -- permission checks: the roles' permissions read once per request (app.request_cache) ----

    def exist_permission_on_roles(self, view_name, permission_name, role_ids) -> bool:
        pairs = role_permissions(self, role_ids)
        if pairs is None:
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        return (permission_name, view_name) in pairs

    def is_item_public(self, permission_name, view_name) -> bool:
        pairs = public_permissions(self)
        if pairs is None:
            return super().is_item_public(permission_name, view_name)
        return (permission_name, view_name) in pairs

    def find_roles_permission_view_menus(self, permission_name, role_ids):
        pairs = role_permissions(self, role_ids)
        if pairs is None:
            return super().find_roles_permission_view_menus(permission_name, role_ids)
        return permission_view_menus(pairs, permission_name)

    # -- sign-in auditing and lockout with back-off --------------------------------------------

    def auth_user_db(self, username, password):
        from werkzeug.security import check_password_hash

        from app.audit import record_event

        if isinstance(username, str) and "\x00" in username:
            username = None
        user = self.find_user(username=username) if username else None
        if user is not None and _locked(user):
            # Same work and the same answer as a wrong password: nothing tells the account is paused.
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
            record_event(
                "sign_in_refused", "User", entity_id=user.id,
                changes={"username": username, "reason": "paused after repeated failed sign-ins",
                         "until": _aware(user.locked_until).isoformat()},
            )
            return None
        authenticated = super().auth_user_db(username, password)
        if authenticated is None and user is None:
            record_event("sign_in_failed", "User", changes={"username": (username or "")[:128]})
        return authenticated

    def update_user_auth_stat(self, user, success=True):
        if success:
            user.locked_until = None
        else:
            threshold = int(current_app.config.get("AUTH_MAX_FAILED_LOGINS") or 0)
            failures = (user.fail_login_count or 0) + 1
            if threshold and failures >= threshold:
                base = float(current_app.config.get("AUTH_LOCKOUT_MINUTES") or 1)
                longest = float(current_app.config.get("AUTH_LOCKOUT_MAX_MINUTES") or 60)
                minutes = min(base * 2 ** min(failures - threshold, 20), longest)
                user.locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
        super().update_user_auth_stat(user, success)

    def on_user_login(self, user) -> None:
        from app.audit import record_event

        record_event("sign_in", "User", entity_id=user.id, actor_id=user.id, actor_name=user.username)

    def on_user_login_failed(self, user) -> None:
        from app.audit import record_event

        changes = {"username": user.username, "failed_in_a_row": user.fail_login_count}
        if _locked(user):
            changes["paused_until"] = _aware(user.locked_until).isoformat()
        record_event("sign_in_failed", "User", entity_id=user.id, changes=changes)

    def on_user_logout(self, user) -> None:
        from app.accounts import sessions
        from app.audit import record_event

        if has_request_context():
            sessions.end_sessions([session.get(sessions.SESSION_KEY)], "signed out")
            sessions.forget_browser_session()
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


def _aware(value):
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def _locked(user) -> bool:
    until = _aware(getattr(user, "locked_until", None))
    return until is not None and until > dt.datetime.now(dt.UTC)


def _username_key() -> str:
    """The rate-limit key of a sign-in attempt: the username tried (any case), else the address."""
    name = None
    try:
        if request.is_json:
            body = request.get_json(silent=True)
            name = body.get("username") if isinstance(body, dict) else None
        else:
            name = request.form.get("username")
    except Exception:  # a body too deep or broken to parse is limited by address
        name = None
    if isinstance(name, str) and name.strip():
        return "sign-in-user:" + name.strip().lower()[:128]
    return "sign-in-addr:" + (request.remote_addr or "")


def _too_many_requests(error):
    message = str(_l("Too many sign-in attempts. Wait a minute and try again."))
    if request.path.startswith("/api/"):
        response = jsonify(message=message)
    else:
        from flask import render_template_string

        response = current_app.make_response(render_template_string(
            "<!doctype html><title>{{ m }}</title><p>{{ m }}</p>", m=message))
    response.status_code = 429
    retry = getattr(error, "retry_after", None)
    if retry:
        response.headers["Retry-After"] = str(int(retry))
    return response


def _token_revoked(_jwt_header, jwt_payload) -> bool:
    """A JWT is refused once its sign-in (the `sid` claim) has ended, timed out or is unknown."""
    from app.accounts import sessions

    return sessions.check(jwt_payload.get("sid"), jwt_payload.get("sub")) is None


# Pages a sign-in that still owes its second factor may reach.
_OPEN_DURING_SECOND_FACTOR = frozenset({
    "AccountView.second_factor", "AccountView.enrol", "CareAuthDBView.logout", "CareAuthDBView.login",
    "static", "appbuilder.static", "LocaleView.index",
})


def _second_factor_gate():
    """Until the second factor is given (or set up), every other page sends the person to that step."""
    endpoint = request.endpoint or ""
    if endpoint in _OPEN_DURING_SECOND_FACTOR or endpoint.startswith("ops."):
        return None
    from flask_login import current_user

    if not current_user.is_authenticated:
        return None
    from app.accounts import mfa, sessions

    row = sessions.current()
    if row is None or not row.second_factor_due:
        return None
    if request.path.startswith("/api/"):
        response = jsonify(message=str(_l("Give your second factor in the browser first.")))
        response.status_code = 401
        return response
    step = "AccountView.second_factor" if mfa.enrolled(row.user_id) else "AccountView.enrol"
    return redirect(url_for(step, next=request.full_path if request.method == "GET" else None))


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
