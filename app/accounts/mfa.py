"""The second factor: a TOTP authenticator app, enrolled with a QR code, and ten single-use recovery
codes. Which roles must use it is a setting (`MFA_REQUIRED_ROLES`); anyone may enrol."""

from __future__ import annotations

import base64
import hashlib
import secrets

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, select, update

from app.accounts.models import RecoveryCode, SecondFactor
from app.accounts.sessions import now
from app.extensions import db

RECOVERY_CODES = 10
ISSUER = "WriteCareNotes"


def required_roles() -> set[str]:
    value = current_app.config.get("MFA_REQUIRED_ROLES") or ()
    if isinstance(value, str):
        value = value.split(",")
    return {name.strip() for name in value if name and name.strip()}


def required_for(user) -> bool:
    """Whether a role of the user requires a second factor."""
    wanted = required_roles()
    return bool(wanted) and any(role.name in wanted for role in (user.roles or []))


def factor_of(user_id: int) -> SecondFactor | None:
    return db.session.get(SecondFactor, user_id)


def enrolled(user_id: int) -> bool:
    factor = factor_of(user_id)
    return factor is not None and factor.confirmed_at is not None


def needed_at_sign_in(user) -> str | None:
    """"verify" (enrolled: ask the code), "enrol" (a role that requires it, not yet enrolled) or None."""
    if enrolled(user.id):
        return "verify"
    if required_for(user):
        return "enrol"
    return None


def begin_enrolment(user) -> SecondFactor:
    """A new secret waiting to be confirmed with a first code (replaces an unconfirmed one)."""
    factor = factor_of(user.id)
    if factor is not None and factor.confirmed_at is not None:
        raise ValueError("already enrolled")
    if factor is None:
        factor = SecondFactor(user_id=user.id, secret=pyotp.random_base32(), created_at=now())
        db.session.add(factor)
    db.session.flush()
    return factor


def provisioning_uri(user, factor: SecondFactor) -> str:
    return pyotp.TOTP(factor.secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as an inline SVG data URI (no image library, no system packages)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _accept_totp(factor: SecondFactor, code: str) -> bool:
    """A current code (one step of clock drift either way), each time step used once."""
    totp = pyotp.TOTP(factor.secret)
    at = now().timestamp()
    for offset in (0, -1, 1):
        step = int(at // totp.interval) + offset
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            if factor.last_step is not None and step <= factor.last_step:
                return False  # replayed
            db.session.execute(
                update(SecondFactor).where(SecondFactor.user_id == factor.user_id)
                .values(last_step=step).execution_options(synchronize_session=False)
            )
            factor.last_step = step
            return True
    return False


def _clean(code: str | None) -> str:
    return "".join(ch for ch in str(code or "") if ch.isalnum()).upper()[:64]


def _hash(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def confirm_enrolment(user, code: str) -> list[str] | None:
    """Confirm with the first code from the app. Returns the recovery codes (shown once) or None."""
    factor = factor_of(user.id)
    if factor is None or factor.confirmed_at is not None or not _accept_totp(factor, _clean(code)):
        return None
    factor.confirmed_at = now()
    codes = new_recovery_codes(user.id)
    db.session.flush()
    return codes


def new_recovery_codes(user_id: int) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(16))  # 80 bits
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
        db.session.add(RecoveryCode(user_id=user_id, code_hash=_hash(raw)))
    db.session.flush()
    return codes


def verify(user_id: int, code: str) -> str | None:
    """Check a code from the app or a recovery code. Returns "totp", "recovery" or None."""
    factor = factor_of(user_id)
    if factor is None or factor.confirmed_at is None:
        return None
    cleaned = _clean(code)
    if len(cleaned) == 6 and cleaned.isdigit():
        return "totp" if _accept_totp(factor, cleaned) else None
    if len(cleaned) == 16:
        used = db.session.execute(
            update(RecoveryCode).where(
                RecoveryCode.user_id == user_id, RecoveryCode.code_hash == _hash(cleaned),
                RecoveryCode.used_at.is_(None),
            ).values(used_at=now()).execution_options(synchronize_session=False)
        ).rowcount
        return "recovery" if used else None
    return None


def recovery_codes_left(user_id: int) -> int:
    return len(db.session.scalars(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    ).all())


def reset(user_id: int) -> bool:
    """Remove a user's second factor and recovery codes (an administrator's action). True if there was one."""
    had = factor_of(user_id) is not None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user_id))
    db.session.flush()
    return had
