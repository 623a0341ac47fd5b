"""Pages: the people of one's homes with their homes, roles and status; inviting someone; changing
their homes and roles; a temporary password or a reset email; deactivating, reactivating and
unlocking. And the page that asks for a new password until a temporary one is changed.
Each change goes through app/users/services.py (audited)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import no_cache
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.exceptions import DomainError, NotFoundError
from app.extensions import db
from app.guards import safe_next, valid_int_id
from app.i18n import role_label
from app.users import services

WRITE = ("can_write", services.RESOURCE)


def _person_or_404(pk):
    if not valid_int_id(pk):
        abort(404)
    try:
        return services.get_user(current_user, int(pk))
    except NotFoundError:
        abort(404)


def _form_lists() -> dict:
    return {
        "home_ids": request.form.getlist("homes"),
        "role_ids": request.form.getlist("roles"),
        "all_homes": bool(request.form.get("all_homes")),
    }


class PeopleView(BaseView):
    """/people/: who signs in, in plain words (the raw user pages are under Advanced)."""

    route_base = "/people"
    default_view = "index"
    class_permission_name = services.RESOURCE
    method_permission_name = {
        "index": "read", "person": "read", "new": "write", "edit": "write", "password": "write",
        "deactivate": "write", "reactivate": "write", "unlock": "write",
    }

    def _can_write(self) -> bool:
        return self.appbuilder.sm.has_access(*WRITE)

    @expose("/")
    @has_access
    def index(self):
        actor = current_user
        people = services.visible_users(actor)
        return self.render_template(
            "users/list.html", people=[(user, services.status(user), services.may_manage(actor, user))
                                       for user in people],
            can_write=self._can_write(), role_label=role_label, title=_l("Users"))

    def _form_page(self, template: str, values: dict, errors: dict, user=None, status: int = 200):
        actor = current_user
        page = self.render_template(
            template, values=values, errors=errors, person=user,
            homes=services.givable_homes(actor), roles=services.givable_roles(actor),
            group_admin=services.is_group_administrator(actor), role_label=role_label,
            state=services.status(user) if user is not None else None,
            manageable=user is None or services.may_manage(actor, user), can_write=self._can_write(),
            title=services.full_name(user) if user is not None else _l("Invite someone"))
        return page, status

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        values = {"homes": [], "roles": []}
        errors: dict = {}
        if request.method == "POST":
            values = {key: request.form.get(key, "") for key in ("first_name", "last_name", "username", "email")}
            values.update(homes=request.form.getlist("homes"), roles=request.form.getlist("roles"),
                          all_homes=bool(request.form.get("all_homes")), how=request.form.get("how", "email"))
            password = request.form.get("password", "") if values["how"] == "password" else None
            if values["how"] == "password" and not password:
                errors = {"password": [str(_l("Give a temporary password, or choose to send an email."))]}
            else:
                try:
                    user = services.create_user(
                        current_user, first_name=values["first_name"], last_name=values["last_name"],
                        username=values["username"], email=values["email"], password=password, **_form_lists())
                    db.session.commit()
                except DomainError as error:
                    db.session.rollback()
                    errors = error.errors
                else:
                    message = (_l("%(name)s can now sign in with the temporary password you chose; they will "
                                  "be asked for a new one.", name=services.full_name(user)) if password else
                               _l("%(name)s is invited: an email with a link to choose a password is on its way.",
                                  name=services.full_name(user)))
                    flash(str(message), "success")
                    return redirect(url_for("PeopleView.person", pk=user.id))
        return self._form_page("users/new.html", values, errors, status=422 if errors else 200)

    @expose("/<int:pk>/")
    @has_access
    def person(self, pk):
        user = _person_or_404(pk)
        values = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email,
                  "homes": [str(home.id) for home in user.homes], "roles": [str(role.id) for role in user.roles],
                  "all_homes": user.all_homes}
        return self._form_page("users/person.html", values, {}, user)

    @expose("/<int:pk>/edit", methods=["POST"])
    @has_access
    def edit(self, pk):
        user = _person_or_404(pk)
        values = {key: request.form.get(key, "") for key in ("first_name", "last_name", "email")}
        values.update(homes=request.form.getlist("homes"), roles=request.form.getlist("roles"),
                      all_homes=bool(request.form.get("all_homes")))
        try:
            services.update_user(current_user, user, first_name=values["first_name"],
                                 last_name=values["last_name"], email=values["email"], **_form_lists())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            user = _person_or_404(pk)
            return self._form_page("users/person.html", values, error.errors, user, status=422)
        flash(str(_l("Saved %(name)s's details, homes and roles.", name=services.full_name(user))), "success")
        return redirect(url_for("PeopleView.person", pk=user.id))

    def _act(self, pk, do, done):
        user = _person_or_404(pk)
        try:
            result = do(user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            for messages in error.errors.values():
                for message in messages:
                    flash(message, "danger")
        else:
            flash(str(done(user, result)), "success")
        return redirect(url_for("PeopleView.person", pk=pk))

    @expose("/<int:pk>/password", methods=["POST"])
    @has_access
    def password(self, pk):
        if request.form.get("how") == "password":
            return self._act(pk, lambda user: services.set_temporary_password(
                current_user, user, request.form.get("password", "")),
                lambda user, _r: _l("%(name)s has a temporary password and is signed out everywhere; they choose "
                                    "a new one at their next sign-in.", name=services.full_name(user)))
        return self._act(pk, lambda user: services.send_reset_email(current_user, user),
                         lambda user, _r: _l("An email with a link to choose a new password is on its way to "
                                             "%(name)s.", name=services.full_name(user)))

    @expose("/<int:pk>/deactivate", methods=["POST"])
    @has_access
    def deactivate(self, pk):
        return self._act(pk, lambda user: services.deactivate(current_user, user),
                         lambda user, ended: _l("%(name)s is deactivated: they cannot sign in, and %(n)d sessions "
                                                "and API tokens of theirs ended.", name=services.full_name(user),
                                                n=ended))

    @expose("/<int:pk>/reactivate", methods=["POST"])
    @has_access
    def reactivate(self, pk):
        return self._act(pk, lambda user: services.reactivate(current_user, user),
                         lambda user, _r: _l("%(name)s can sign in again.", name=services.full_name(user)))

    @expose("/<int:pk>/unlock", methods=["POST"])
    @has_access
    def unlock(self, pk):
        return self._act(pk, lambda user: services.unlock(current_user, user),
                         lambda user, _r: _l("%(name)s's account is unlocked.", name=services.full_name(user)))


class NewPasswordView(BaseView):
    """/password/new: a person signed in with a temporary password chooses their own, before any
    other page (see must_change_password_gate)."""

    route_base = "/password"
    default_view = "new"

    @expose("/new", methods=["GET", "POST"])
    @no_cache
    def new(self):
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        next_url = safe_next(request.args.get("next"), url_for("HomePageView.index"))
        if not current_user.must_change_password:
            return redirect(next_url)
        errors: dict = {}
        if request.method == "POST":
            password = request.form.get("password", "")
            problem = services.password_problem(password)
            if problem:
                errors["password"] = [problem]
            elif password != request.form.get("conf_password", ""):
                errors["conf_password"] = [str(_l("The passwords differ."))]
            else:
                self.appbuilder.sm.reset_password(current_user.id, password)  # clears the flag, audited
                db.session.commit()
                flash(str(_l("Your new password is set.")), "success")
                return redirect(next_url)
        return self.render_template("users/new_password.html", errors=errors, title=_l("Choose your password")), (
            422 if errors else 200)


# Pages a person with a temporary password may still reach.
_OPEN_WHILE_PASSWORD_DUE = frozenset({
    "NewPasswordView.new", "CareAuthDBView.logout", "CareAuthDBView.login", "AccountView.second_factor",
    "AccountView.enrol", "MySessionsView.ping", "static", "appbuilder.static", "LocaleView.index",
})


def _bearer_user():
    """The person a REST call's bearer token (JWT) names, when it is a valid access token. Flask-AppBuilder
    reads the token only in the view, after this gate; signing in through the API itself stays open (it
    answers with a token, and the next call is told to choose a password)."""
    if not request.path.startswith("/api/") or not request.headers.get("Authorization", "").lower().startswith(
            "bearer "):
        return None
    from flask_jwt_extended import get_current_user, verify_jwt_in_request

    try:
        verify_jwt_in_request()
        return get_current_user()
    except Exception:  # noqa: BLE001 - a missing, expired, revoked or refresh token: the API answers 401 itself
        return None


def must_change_password_gate():
    """Until a temporary password is changed, every other page sends the person to choose one."""
    endpoint = request.endpoint or ""
    if endpoint in _OPEN_WHILE_PASSWORD_DUE or endpoint.startswith("ops."):
        return None
    from app.tenancy import acting_user

    user = acting_user() or _bearer_user()
    if user is None or not getattr(user, "must_change_password", False):
        return None
    if request.path.startswith("/api/"):
        response = jsonify(message=str(_l("Choose a new password in the browser first: yours is temporary.")))
        response.status_code = 403
        return response
    return redirect(url_for("NewPasswordView.new", next=request.full_path if request.method == "GET" else None))


def register_views(appbuilder) -> None:
    appbuilder.add_view(
        PeopleView, "Users", label=_l("Users"), icon="fa-user", category="People and roles",
        category_label=_l("People and roles"), category_icon="fa-users",
    )
    appbuilder.add_view_no_menu(NewPasswordView)
    from flask import current_app

    current_app.before_request(must_change_password_gate)
