"""Sign-in pages: the password step (same answer whatever went wrong), the second-factor step,
enrolment of an authenticator app, password reset by email, and "sign out everywhere"."""

from __future__ import annotations

from flask import current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import update
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.accounts import mfa, reset, sessions
from app.accounts.models import UserSession
from app.audit import record_event
from app.extensions import db

# One answer for an unknown user, a wrong password and a paused account, so the page never tells
# which usernames exist or which accounts are locked.
SIGN_IN_REFUSED = _l(
    "The username or password is not right, or the account is paused for a while after repeated "
    "failed sign-ins. Try again, or use \u201cForgot your password?\u201d to reset it by email."
)
RESET_SENT = _l(
    "If an account with that username or email address exists, we have sent it a link to reset the "
    "password. The link works once and expires in %(minutes)d minutes."
)


def _next_url() -> str:
    return get_safe_redirect(request.args.get("next", "")) or "/"


def begin_browser_session(user, second_factor: str | None) -> UserSession:
    """After the password: a fresh server-side session (a copied old cookie is of no use)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    row = sessions.start(user, "browser", second_factor_due=second_factor is not None)
    db.session.commit()
    login_user(user, remember=False)
    session[sessions.SESSION_KEY] = row.id
    return row


class CareAuthDBView(AuthDBView):
    login_template = "accounts/login.html"
    invalid_login_message = SIGN_IN_REFUSED

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            next_url = get_safe_redirect(request.args.get("next", ""))
            user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
            if not user:
                flash(str(SIGN_IN_REFUSED), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            step = mfa.needed_at_sign_in(user)
            begin_browser_session(user, step)
            if step == "enrol":
                return redirect(url_for("AccountView.enrol", next=next_url or None))
            if step == "verify":
                return redirect(url_for("AccountView.second_factor", next=next_url or None))
            return redirect(next_url or self.appbuilder.get_url_for_index)
        return self.render_template(self.login_template, title=self.title, form=form, appbuilder=self.appbuilder)


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


class ForgotForm(FlaskForm):
    username = StringField(_l("Username or email address"), validators=[DataRequired(), Length(max=256)])


def _password_validators():
    from flask_appbuilder.validators import PasswordComplexityValidator

    return [DataRequired(), PasswordComplexityValidator(), Length(max=256)]


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=_password_validators())
    conf_password = PasswordField(
        _l("New password again"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )


def _pending_row() -> UserSession | None:
    """The session of a signed-in user that still owes its second factor."""
    row = sessions.current()
    return row if row is not None and current_user.is_authenticated else None


class AccountView(BaseView):
    """Pages of the sign-in that are reachable before (or part way through) signing in."""

    route_base = "/login"
    default_view = "second_factor"

    @expose("/second-factor", methods=["GET", "POST"])
    @no_cache
    def second_factor(self):
        row = _pending_row()
        if row is None:
            return redirect(self.appbuilder.get_url_for_login)
        if not row.second_factor_due:
            return redirect(_next_url())
        if not mfa.enrolled(row.user_id):
            return redirect(url_for(".enrol", next=request.args.get("next")))
        form = CodeForm()
        if form.validate_on_submit():
            how = mfa.verify(row.user_id, form.code.data)
            user = current_app.appbuilder.sm.get_user_by_id(row.user_id)
            if how:
                _second_factor_passed(row, how)
                if how == "recovery":
                    left = mfa.recovery_codes_left(row.user_id)
                    flash(str(_l("Recovery code accepted. %(left)d left: when few are left, make new ones "
                                 "under Profile, Sign-in security.", left=left)), "info")
                return redirect(_next_url())
            db.session.rollback()
            # A wrong code counts as a failed sign-in (the lock with back-off applies).
            current_app.appbuilder.sm.update_user_auth_stat(user, False)
            record_event("second_factor_failed", "User", entity_id=user.id, changes={"username": user.username})
            if user.locked_until is not None:
                sessions.end_sessions([row.id], "second factor failed")
                logout_user()
                sessions.forget_browser_session()
                flash(str(SIGN_IN_REFUSED), "warning")
                return redirect(self.appbuilder.get_url_for_login)
            flash(str(_l("That code is not right. Enter the current code from your authenticator app, "
                         "or one of your recovery codes.")), "warning")
        return self.render_template("accounts/second_factor.html", form=form, appbuilder=self.appbuilder)

    @expose("/enrol", methods=["GET", "POST"])
    @no_cache
    def enrol(self):
        if not current_user.is_authenticated or sessions.current() is None:
            return redirect(self.appbuilder.get_url_for_login)
        row = sessions.current()
        user = current_app.appbuilder.sm.get_user_by_id(row.user_id)
        if mfa.enrolled(user.id):
            return redirect(url_for(".second_factor", next=request.args.get("next")) if row.second_factor_due
                            else _next_url())
        factor = mfa.begin_enrolment(user)
        db.session.commit()
        form = CodeForm()
        if form.validate_on_submit():
            codes = mfa.confirm_enrolment(user, form.code.data)
            if codes:
                record_event("second_factor_enrolled", "User", entity_id=user.id, session=db.session)
                if row.second_factor_due:
                    _second_factor_passed(row, "enrolment", commit=False)
                db.session.commit()
                return self.render_template("accounts/recovery_codes.html", codes=codes, next_url=_next_url(),
                                            appbuilder=self.appbuilder)
            db.session.rollback()
            flash(str(_l("That code is not right. Check the time on your phone and enter the current code.")),
                  "warning")
        uri = mfa.provisioning_uri(user, factor)
        return self.render_template(
            "accounts/enrol.html", form=form, qr=mfa.qr_svg(uri), secret=factor.secret,
            required=mfa.required_for(user), appbuilder=self.appbuilder,
        )

    @expose("/forgot", methods=["GET", "POST"])
    @no_cache
    def forgot(self):
        form = ForgotForm()
        minutes = int(float(current_app.config.get("PASSWORD_RESET_MINUTES") or 30))
        if form.validate_on_submit():
            row = reset.request_reset(form.username.data)
            if row is not None:
                record_event("password_reset_requested", "User", entity_id=row.user_id, session=db.session)
            db.session.commit()
            flash(str(RESET_SENT % {"minutes": minutes}), "info")
            return redirect(self.appbuilder.get_url_for_login)
        return self.render_template("accounts/forgot.html", form=form, appbuilder=self.appbuilder)

    @expose("/reset/<token>", methods=["GET", "POST"])
    @no_cache
    def reset_password(self, token):
        if reset.valid_token(token) is None:
            flash(str(_l("This password-reset link has been used or has expired. Ask for a new one.")), "warning")
            return redirect(url_for(".forgot"))
        form = NewPasswordForm()
        if form.validate_on_submit():
            user = reset.use_token(token, form.password.data)
            if user is not None:
                record_event("password_reset", "User", entity_id=user.id, actor_id=user.id,
                             actor_name=user.username)
                if current_user.is_authenticated:
                    logout_user()
                sessions.forget_browser_session()
                flash(str(_l("Your password is changed and the account unlocked. Sign in with the new password.")),
                      "info")
                return redirect(self.appbuilder.get_url_for_login)
            flash(str(_l("This password-reset link has been used or has expired. Ask for a new one.")), "warning")
            return redirect(url_for(".forgot"))
        return self.render_template("accounts/reset.html", form=form, appbuilder=self.appbuilder)


def _second_factor_passed(row: UserSession, how: str, commit: bool = True) -> None:
    db.session.execute(
        update(UserSession).where(UserSession.id == row.id).values(second_factor_due=False)
        .execution_options(synchronize_session=False)
    )
    row.second_factor_due = False
    record_event("second_factor_passed", "User", entity_id=row.user_id, changes={"how": how}, session=db.session)
    if commit:
        db.session.commit()


class MySessionsView(BaseView):
    """The signed-in person's own sessions: keep alive, sign out everywhere, sign-in security."""

    route_base = "/account"
    default_view = "security"

    @expose("/ping")
    @no_cache
    def ping(self):
        """The idle-warning script's "stay signed in": counts as activity."""
        row = sessions.current()
        if row is None or not current_user.is_authenticated:
            return jsonify(signed_in=False), 401
        sessions.touch(row)
        return jsonify(signed_in=True, idle_seconds=int(sessions.idle_limit().total_seconds()))

    @expose("/security")
    @no_cache
    def security(self):
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        user_id = current_user.id
        return self.render_template(
            "accounts/security.html", enrolled=mfa.enrolled(user_id), required=mfa.required_for(current_user),
            codes_left=mfa.recovery_codes_left(user_id), live=len(sessions.live_ids_of(user_id)),
            appbuilder=self.appbuilder,
        )

    @expose("/recovery-codes", methods=["POST"])
    @no_cache
    def recovery_codes(self):
        if not current_user.is_authenticated or not mfa.enrolled(current_user.id):
            return redirect(self.appbuilder.get_url_for_login)
        codes = mfa.new_recovery_codes(current_user.id)
        record_event("recovery_codes_renewed", "User", entity_id=current_user.id, session=db.session)
        db.session.commit()
        return self.render_template("accounts/recovery_codes.html", codes=codes, next_url=url_for(".security"),
                                    appbuilder=self.appbuilder)

    @expose("/sign-out-everywhere", methods=["POST"])
    @no_cache
    def sign_out_everywhere(self):
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        user_id = current_user.id
        count = sessions.end_all_of(user_id, "signed out everywhere")
        record_event("signed_out_everywhere", "User", entity_id=user_id, changes={"sessions": count})
        logout_user()
        sessions.forget_browser_session()
        flash(str(_l("You are signed out on every device and every API token of yours is revoked.")), "info")
        return redirect(self.appbuilder.get_url_for_login)
