"""People who sign in, in plain words: who works where with which roles, and what a home's
administrator may change.

A group administrator (the Administrator role) sees and changes everyone, gives any role and may
say someone "works in every home". A home's administrator (anyone else with write on Users, such as
a Home Manager) sees the people of their own homes, gives only their own homes and the roles whose
every permission they hold themselves, and changes only people who work nowhere else and hold no
role beyond theirs. Every change is audited (the user row's own changes by app.audit, the actions
by an event each). Validation reports every problem together, naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import record_event
from app.exceptions import DomainError, NotFoundError
from app.extensions import db

RESOURCE = "Users"
USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{2,64}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")
NAME_MAX = 64


class UserError(DomainError):
    pass


def _sm():
    return current_app.appbuilder.sm


# -- who may do what -------------------------------------------------------------------------------


def is_group_administrator(actor) -> bool:
    return any(role.name == _sm().auth_role_admin for role in (actor.roles or []))


def _pairs(roles) -> set[tuple[str, str]]:
    return {(pv.permission.name, pv.view_menu.name) for role in roles for pv in role.permissions}


def all_roles() -> list:
    from flask_appbuilder.security.sqla.models import Role

    roles = db.session.scalars(select(Role).order_by(Role.name))
    return [role for role in roles if role.name != _sm().auth_role_public]


def givable_roles(actor) -> list:
    """The roles this person may give: every role for a group administrator; otherwise each role
    whose every permission they hold themselves (never Administrator)."""
    if is_group_administrator(actor):
        return all_roles()
    own = _pairs(actor.roles or [])
    return [role for role in all_roles() if role.name != _sm().auth_role_admin and _pairs([role]) <= own]


def givable_homes(actor) -> list:
    from app.tenancy import homes_of

    return homes_of(actor)


def may_manage(actor, user) -> bool:
    """Whether this person may change the user (a group administrator: anyone)."""
    if is_group_administrator(actor):
        return True
    if user.all_homes or not user.homes:
        return False
    homes = {home.id for home in givable_homes(actor)}
    roles = {role.id for role in givable_roles(actor)}
    return all(home.id in homes for home in user.homes) and all(role.id in roles for role in user.roles)


def visible_users(actor) -> list:
    """The people this person sees: everyone for a group administrator, else the people who work in
    one of their homes. By name."""
    from app.security import CareUser, user_home

    query = select(CareUser)
    if not is_group_administrator(actor):
        ids = [home.id for home in givable_homes(actor)]
        works_here = select(user_home.c.user_id).where(user_home.c.home_id.in_(ids or [-1]))
        query = query.where(CareUser.all_homes.is_(False), CareUser.id.in_(works_here))
    query = query.order_by(func.lower(CareUser.last_name), func.lower(CareUser.first_name), CareUser.username)
    return list(db.session.scalars(query))


def get_user(actor, user_id):
    """A user this person may see, else NotFoundError (another home's people do not exist for them)."""
    from app.security import CareUser

    user = db.session.get(CareUser, user_id) if isinstance(user_id, int) else None
    if user is None or (not is_group_administrator(actor) and user.id not in {u.id for u in visible_users(actor)}):
        raise NotFoundError(str(_l("user")))
    return user


def _manageable(actor, user) -> None:
    if not may_manage(actor, user):
        raise UserError({"user": [str(_l(
            "%(name)s also works elsewhere or holds a role you cannot give: ask your group administrator.",
            name=full_name(user)))]})


# -- how a user is shown ---------------------------------------------------------------------------


def full_name(user) -> str:
    return " ".join(part for part in (user.first_name, user.last_name) if part) or user.username


def _aware(value):
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def is_locked(user) -> bool:
    until = _aware(user.locked_until)
    return until is not None and until > dt.datetime.now(dt.UTC)


def status(user) -> dict:
    """What the users page says of a person: active or not, paused, second factor, new password due."""
    from app.accounts import mfa

    return {
        "active": bool(user.active),
        "locked": is_locked(user),
        "locked_until": _aware(user.locked_until),
        "second_factor": mfa.enrolled(user.id),
        "must_change_password": bool(user.must_change_password),
    }


# -- checks ----------------------------------------------------------------------------------------


def password_problem(password: str) -> str | None:
    """Why a password is refused (the product's complexity rule), or None."""
    from flask_appbuilder.exceptions import PasswordComplexityValidationError
    from flask_appbuilder.validators import default_password_complexity

    if not password:
        return str(_l("Give a password."))
    if len(password) > 256:
        return str(_l("A password has at most 256 characters."))
    if current_app.config.get("FAB_PASSWORD_COMPLEXITY_ENABLED", False):
        check = current_app.config.get("FAB_PASSWORD_COMPLEXITY_VALIDATOR") or default_password_complexity
        try:
            check(password)
        except PasswordComplexityValidationError as error:
            return str(error)
    return None


def _clean_text(value) -> str:
    return " ".join(str(value or "").split())


def _check_details(errors: dict, first_name, last_name, email, user_id: int | None) -> tuple[str, str, str]:
    from app.security import CareUser

    first_name, last_name, email = _clean_text(first_name), _clean_text(last_name), _clean_text(email)
    if not first_name:
        errors.setdefault("first_name", []).append(str(_l("Give the first name.")))
    if not last_name:
        errors.setdefault("last_name", []).append(str(_l("Give the last name.")))
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value) > NAME_MAX:
            errors.setdefault(field, []).append(str(_l("A name has at most %(n)s characters.", n=NAME_MAX)))
    if not EMAIL.match(email):
        errors.setdefault("email", []).append(str(_l("Give an email address such as name@example.org.")))
    else:
        clash = db.session.scalars(select(CareUser).where(func.lower(CareUser.email) == email.lower())).first()
        if clash is not None and clash.id != user_id:
            errors.setdefault("email", []).append(str(_l("Someone else already signs in with this email address.")))
    return first_name, last_name, email


def _chosen(actor, errors: dict, home_ids, role_ids, all_homes: bool, user=None) -> tuple[list, list]:
    """The homes and roles chosen, each checked against what this person may give."""
    group = is_group_administrator(actor)
    may_give_homes = {home.id: home for home in givable_homes(actor)}
    may_give_roles = {role.id: role for role in givable_roles(actor)}
    homes, roles = [], []
    for raw in home_ids or []:
        home_id = int(raw) if str(raw).isdigit() else None
        if home_id not in may_give_homes:
            errors.setdefault("homes", []).append(str(_l("You cannot give a home you do not work in.")))
            break
        homes.append(may_give_homes[home_id])
    for raw in role_ids or []:
        role_id = int(raw) if str(raw).isdigit() else None
        if role_id not in may_give_roles:
            errors.setdefault("roles", []).append(
                str(_l("You cannot give a role with more than your own roles allow.")))
            break
        roles.append(may_give_roles[role_id])
    if all_homes and not group:
        errors.setdefault("all_homes", []).append(
            str(_l("Only a group administrator can say someone works in every home.")))
    if not roles:
        errors.setdefault("roles", []).append(str(_l("Choose at least one role.")))
    if user is not None and not group:
        # homes of the person outside this administrator's (there are none for a manageable user) stay
        homes += [home for home in user.homes if home.id not in may_give_homes]
    if not homes and not all_homes:
        errors.setdefault("homes", []).append(str(_l("Choose the homes this person works in.")))
    return homes, roles


# -- changes ---------------------------------------------------------------------------------------


def create_user(actor, *, first_name, last_name, username, email, home_ids, role_ids, all_homes=False,
                password: str | None = None):
    """A new user. With a password: a temporary one, to change at the first sign-in. Without: an
    email with a link to choose one (see invite_email). Flushes; the caller commits."""
    from app.security import CareUser

    errors: dict[str, list[str]] = {}
    username = str(username or "").strip()
    if not USERNAME.match(username):
        errors["username"] = [str(_l("A username has 2 to 64 letters, digits or . _ @ + - and no spaces."))]
    elif db.session.scalars(select(CareUser).where(func.lower(CareUser.username) == username.lower())).first():
        errors["username"] = [str(_l("There is already someone with the username %(name)s.", name=username))]
    first_name, last_name, email = _check_details(errors, first_name, last_name, email, None)
    homes, roles = _chosen(actor, errors, home_ids, role_ids, bool(all_homes))
    if password:
        problem = password_problem(password)
        if problem:
            errors["password"] = [problem]
    if errors:
        raise UserError(errors)
    user = CareUser(first_name=first_name, last_name=last_name, username=username, email=email, active=True,
                    all_homes=bool(all_homes), must_change_password=bool(password))
    user.password = _hash(password or secrets.token_urlsafe(32))  # without one, nobody knows it until the link
    user.roles = roles
    user.homes = [] if all_homes else homes
    db.session.add(user)
    db.session.flush()
    record_event("user_created", "User", entity_id=user.id, session=db.session, changes={
        "username": username, "homes": "every home" if all_homes else [home.name for home in homes],
        "roles": [role.name for role in roles], "how": "temporary password" if password else "invitation email",
    })
    if not password:
        invite_email(user, invited=True)
    return user


def update_user(actor, user, *, first_name, last_name, email, home_ids, role_ids, all_homes=False):
    _manageable(actor, user)
    errors: dict[str, list[str]] = {}
    first_name, last_name, email = _check_details(errors, first_name, last_name, email, user.id)
    homes, roles = _chosen(actor, errors, home_ids, role_ids, bool(all_homes), user)
    if user.id == actor.id and is_group_administrator(actor) and not any(
            role.name == _sm().auth_role_admin for role in roles):
        errors.setdefault("roles", []).append(str(_l("You cannot take the Administrator role from yourself.")))
    if errors:
        raise UserError(errors)
    before = {"homes": sorted(home.name for home in user.homes), "roles": sorted(role.name for role in user.roles),
              "all_homes": bool(user.all_homes)}
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.roles = roles
    user.all_homes = bool(all_homes)
    user.homes = [] if all_homes else homes
    after = {"homes": sorted(home.name for home in user.homes), "roles": sorted(role.name for role in user.roles),
             "all_homes": bool(user.all_homes)}
    changes = {key: {"old": before[key], "new": after[key]} for key in before if before[key] != after[key]}
    if changes:
        record_event("user_access_changed", "User", entity_id=user.id, session=db.session,
                     changes={"username": user.username, **changes})
    db.session.flush()
    return user


def _hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"))


def set_temporary_password(actor, user, password: str) -> int:
    """A password the administrator tells the person; every page asks them for a new one until they
    choose it. Every session and token of theirs ends. One transaction (flushes; the caller commits)."""
    from app.accounts import sessions

    _manageable(actor, user)
    problem = password_problem(password)
    if problem:
        raise UserError({"password": [problem]})
    user.password = _hash(password)
    user.must_change_password = True
    user.fail_login_count = 0
    user.locked_until = None
    db.session.flush()
    ended = sessions.end_all_of(user.id, "temporary password", commit=False)
    record_event("temporary_password_set", "User", entity_id=user.id, session=db.session,
                 changes={"username": user.username, "sessions_ended": ended})
    db.session.flush()
    return ended


def invite_email(user, invited: bool = False):
    """Email the person a link to choose their password (valid for INVITE_DAYS days for a new user, the
    reset lifetime otherwise). Flushes; the email is sent after the commit."""
    from app import jobs
    from app.accounts import reset
    from app.accounts.models import PasswordResetToken
    from app.accounts.sessions import now
    from app.notifications.jobs import deliver_email
    from app.notifications.models import Channel, DeliveryStatus, NotificationOutbox

    token = secrets.token_urlsafe(32)
    if invited:
        lifetime = dt.timedelta(days=float(current_app.config.get("INVITE_DAYS") or 7))
    else:
        lifetime = dt.timedelta(minutes=float(current_app.config.get("PASSWORD_RESET_MINUTES") or 30))
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=reset._hash(token), created_at=now(),
                                      expires_at=now() + lifetime))
    link = f"{reset.base_url()}/login/reset/{token}"
    if invited:
        subject = str(_l("WriteCareNotes: your new account"))
        lines = [str(_l("An account has been made for you in WriteCareNotes, with the username %(username)s.",
                        username=user.username)),
                 str(_l("Open this link within %(days)d days to choose your password. It works once:",
                        days=int(lifetime.days))) + "\n" + link]
    else:
        subject = str(_l("WriteCareNotes: reset your password"))
        lines = [str(_l("Your administrator has asked for the password of your WriteCareNotes account "
                        "%(username)s to be reset.", username=user.username)),
                 str(_l("Open this link within %(minutes)d minutes to choose a new password. It works once:",
                        minutes=int(lifetime.total_seconds() // 60))) + "\n" + link]
    outbox = NotificationOutbox(user_id=user.id, kind=reset.EMAIL_KIND, channel=Channel.email.value,
                                subject=subject, body="\n\n".join(lines), status=DeliveryStatus.pending.value,
                                created_at=now())
    db.session.add(outbox)
    db.session.flush()
    jobs.enqueue(deliver_email, outbox.id, job_id=f"notification-email:{outbox.id}",
                 description="Email: account invitation" if invited else "Email: password reset")
    return outbox


def send_reset_email(actor, user) -> None:
    """A reset link by email; the person must choose a new password at their next sign-in."""
    _manageable(actor, user)
    if not user.email:
        raise UserError({"email": [str(_l("This person has no email address: give a temporary password."))]})
    invite_email(user)
    user.must_change_password = True
    record_event("password_reset_sent", "User", entity_id=user.id, session=db.session,
                 changes={"username": user.username})
    db.session.flush()


def deactivate(actor, user) -> int:
    """The person can no longer sign in; every session and API token of theirs ends at once."""
    from app.accounts import sessions

    _manageable(actor, user)
    if user.id == actor.id:
        raise UserError({"user": [str(_l("You cannot deactivate yourself."))]})
    ended = len(sessions.live_ids_of(user.id))
    user.active = False
    db.session.flush()
    sessions.end_all_of(user.id, "deactivated", commit=False)  # (app.accounts ends them on the flush too)
    record_event("user_deactivated", "User", entity_id=user.id, session=db.session,
                 changes={"username": user.username, "sessions_ended": ended})
    return ended


def reactivate(actor, user) -> None:
    _manageable(actor, user)
    user.active = True
    record_event("user_reactivated", "User", entity_id=user.id, session=db.session,
                 changes={"username": user.username})
    db.session.flush()


def unlock(actor, user) -> None:
    _manageable(actor, user)
    user.fail_login_count = 0
    user.locked_until = None
    record_event("account_unlocked", "User", entity_id=user.id, session=db.session,
                 changes={"username": user.username})
    db.session.flush()

