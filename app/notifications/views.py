"""The bell in the navigation bar, the list of one's notifications, and email preferences."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.guards import safe_next, valid_int_id
from app.notifications import services
from app.tenancy import acting_user

RESOURCE = "Notifications"
BELL_ITEMS = 5


class NotificationsView(BaseView):
    route_base = "/notifications"
    default_view = "list"
    class_permission_name = RESOURCE
    # Everything here is the signed-in person's own: reading them is the one permission.
    method_permission_name = {"list": "read", "read": "read", "read_all": "read", "settings": "read"}

    @expose("/")
    @has_access
    def list(self):
        user = acting_user()
        return self.render_template(
            "notifications/list.html", notifications=services.inbox(user.id),
            unread=services.unread_count(user.id),
        )

    @expose("/read/<int:notification_id>", methods=["POST"])
    @has_access
    def read(self, notification_id):
        if not valid_int_id(notification_id):
            abort(404)
        user = acting_user()
        services.mark_read(user.id, notification_id)
        db.session.commit()
        return redirect(safe_next(request.form.get("next"), url_for("NotificationsView.list")))

    @expose("/read-all", methods=["POST"])
    @has_access
    def read_all(self):
        services.mark_read(acting_user().id)
        db.session.commit()
        return redirect(url_for("NotificationsView.list"))

    @expose("/settings", methods=["GET", "POST"])
    @has_access
    def settings(self):
        user = acting_user()
        if request.method == "POST":
            services.set_preferences(user.id, request.form.getlist("email"))
            db.session.commit()
            flash(str(_l("Your email settings are saved.")), "info")
            return redirect(url_for("NotificationsView.settings"))
        return self.render_template(
            "notifications/settings.html", kinds=services.KINDS, chosen=services.preferences(user.id),
            has_email=bool(user.email),
        )


def bell_context() -> dict:
    """For the navigation bar: unread count and the latest few, for people who may see them."""
    from flask import current_app

    user = acting_user()
    if user is None:
        return {}
    sm = current_app.appbuilder.sm
    if not sm.has_access("can_read", RESOURCE):
        return {}
    unread, recent = services.bell(user.id, BELL_ITEMS)
    return {"notification_bell": {"unread": unread, "recent": recent}}


def register(appbuilder) -> None:
    """The notifications pages (reached from the bell, not the menu) and the bell's data."""
    import app.notifications.jobs  # noqa: F401  (connects the job signals, registers the daily job)
    from reports.base import london

    appbuilder.add_view_no_menu(NotificationsView)
    from flask import current_app

    flask_app = current_app._get_current_object()
    flask_app.jinja_env.filters["local_time"] = london
    from app.notifications import messages

    messages.init_app(flask_app)  # {{ n|notice_subject }}, {{ n|notice_body }}: in the reader's language
    flask_app.context_processor(bell_context)
