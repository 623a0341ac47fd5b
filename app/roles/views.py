"""Pages: the roles with who has them, a role's grid of areas by Read / Add and edit / Delete, a new
role copied from another, and renaming. Each change goes through app/roles/services.py (audited)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import labels, permissions
from app.exceptions import DomainError
from app.extensions import db
from app.guards import valid_int_id
from app.roles import services

RESOURCE = "Roles"


def _role_or_404(pk: int):
    if not valid_int_id(pk):
        abort(404)
    try:
        return services.get_role(pk)
    except DomainError:
        abort(404)


def _flash_errors(error: DomainError) -> None:
    for messages in error.errors.values():
        for message in messages:
            flash(message, "danger")


class RolesView(BaseView):
    """/roles/: what each role may do, in plain words."""

    route_base = "/roles"
    default_view = "index"
    class_permission_name = RESOURCE
    method_permission_name = {"index": "read", "role": "read", "new": "write", "rename": "write"}

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("roles/list.html", roles=services.roles_with_counts(),
                                    is_admin=services.is_administrator, is_built_in=services.is_built_in,
                                    title=_l("Roles"))

    @expose("/<int:pk>/", methods=["GET", "POST"])
    @has_access
    def role(self, pk):
        role = _role_or_404(pk)
        grid = services.grid_of(role)
        if request.method == "POST":
            if services.is_administrator(role):
                abort(403)
            wanted = {}
            for resource in permissions.RESOURCES:
                letters = "".join(letter for letter in "rwd" if request.form.get(f"{resource}:{letter}"))
                if letters:
                    wanted[resource] = letters
            try:
                services.set_grid(role, wanted, current_user)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                _flash_errors(error)
                grid = wanted
            else:
                flash(str(_l("Saved what %(role)s may do.", role=role.name)), "success")
                return redirect(url_for("RolesView.role", pk=role.id))
        return self.render_template(
            "roles/role.html", role=role, grid=grid, areas=services.areas(), letters=services.LETTER_NAMES,
            letter_help=services.LETTER_HELP, holders=services.holders(role),
            is_admin=services.is_administrator(role), built_in=services.is_built_in(role),
            may_change=services.may_change(current_user, role),
            resource_label=labels.label, title=role.name,
        )

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        roles = [role for role, _count in services.roles_with_counts() if services.may_copy(current_user, role)]
        chosen = request.values.get("copy", "")
        name = request.form.get("name", "")
        if request.method == "POST":
            source = next((role for role in roles if str(role.id) == chosen), None)
            try:
                if source is None:
                    raise services.RoleError({"copy": [str(_l("Choose the role to copy."))]})
                role = services.copy_role(source, name, current_user)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                _flash_errors(error)
            else:
                flash(str(_l("Role %(name)s made as a copy of %(source)s: now choose what it may do.",
                             name=role.name, source=source.name)), "success")
                return redirect(url_for("RolesView.role", pk=role.id))
        return self.render_template("roles/new.html", roles=roles, chosen=chosen, name=name, title=_l("New role"))

    @expose("/<int:pk>/rename", methods=["POST"])
    @has_access
    def rename(self, pk):
        role = _role_or_404(pk)
        try:
            services.rename_role(role, request.form.get("name", ""), current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _flash_errors(error)
        else:
            flash(str(_l("Role renamed.")), "success")
        return redirect(url_for("RolesView.role", pk=role.id))


def register_views(appbuilder) -> None:
    # Flask-AppBuilder's own security pages are for the group administrator: "Advanced".
    security = appbuilder.menu.find("Security")
    if security is not None:
        security.label = _l("Advanced")
    from app.users.views import register_views as register_user_views

    register_user_views(appbuilder)  # the users page in plain words, beside the roles
    appbuilder.add_view(
        RolesView, "Roles", label=_l("Roles"), icon="fa-user-tag",
        category="People and roles", category_label=_l("People and roles"), category_icon="fa-users",
    )
