"""The start page (a dashboard of the homes in scope) and the home switcher."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, IndexView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.guards import safe_next
from app.homes.models import Bed, BedStatus, CareHome, Room, Unit
from app.tenancy import acting_user, switch_home


def home_summaries() -> list[dict]:
    """Units, rooms and beds by status for each home in scope."""
    homes = list(db.session.scalars(select(CareHome).order_by(CareHome.name)))
    counts: dict[tuple[int, str], int] = {}
    for home_id, status, count in db.session.execute(
        select(Bed.home_id, Bed.status, func.count()).group_by(Bed.home_id, Bed.status)
    ):
        counts[(home_id, getattr(status, "value", status))] = count
    units = dict(db.session.execute(select(Unit.home_id, func.count()).group_by(Unit.home_id)).all())
    rooms = dict(db.session.execute(select(Room.home_id, func.count()).group_by(Room.home_id)).all())
    summaries = []
    for home in homes:
        beds = {status.value: counts.get((home.id, status.value), 0) for status in BedStatus}
        summaries.append({
            "home": home,
            "units": units.get(home.id, 0),
            "rooms": rooms.get(home.id, 0),
            "beds": beds,
            "beds_total": sum(beds.values()),
        })
    return summaries


class HomePageView(IndexView):
    """After sign-in: the start page, with the panels of what this person needs first (app/startpage)."""

    index_template = "startpage/index.html"

    @expose("/")
    def index(self):
        from app.residents.services import today_in_london
        from app.startpage import panels

        user = acting_user()
        if user is None:
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder, panels=panels.build(user),
            user_name=user.first_name or user.username, trend_points=panels.trend_points,
            today=today_in_london(),
        )


class HomeSwitchView(BaseView):
    """POST /home/switch: choose the home shown everywhere (or all of one's homes)."""

    route_base = "/home"
    default_view = "switch"

    @expose("/switch", methods=["POST"])
    @has_access
    def switch(self):
        chosen = request.form.get("home_id", "")
        if not switch_home(chosen):
            abort(404)
        flash(str(_l("Now showing the home you chose.")) if chosen not in ("", "all")
              else str(_l("Now showing all your homes.")), "info")
        return redirect(safe_next(request.form.get("next"), url_for("HomePageView.index")))
