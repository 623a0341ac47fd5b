"""The API sign-in: short-lived access tokens, refresh tokens that rotate (a reused one revokes its
whole family), the same answer for every refused sign-in, and the second factor for MFA roles."""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import safe
from flask_appbuilder.const import API_SECURITY_ACCESS_TOKEN_KEY, API_SECURITY_REFRESH_TOKEN_KEY
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.views import expose
from flask_babel import lazy_gettext as _l
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token, get_jwt, jwt_required

from app.accounts import mfa, sessions
from app.audit import record_event
from app.extensions import db

REFUSED = _l("The username or password is not right, or the account is paused for a while after "
             "repeated failed sign-ins.")


def _text(value, limit: int = 256) -> str | None:
    return value[:limit] if isinstance(value, str) and "\x00" not in value else None


def issue_tokens(user, session_id: str, with_refresh: bool) -> dict:
    claims = {"sid": session_id}
    body = {API_SECURITY_ACCESS_TOKEN_KEY: create_access_token(identity=str(user.id), fresh=True,
                                                               additional_claims=claims)}
    if with_refresh:
        token = create_refresh_token(identity=str(user.id), additional_claims=claims)
        sessions.issue_refresh(session_id, decode_token(token)["jti"])
        body[API_SECURITY_REFRESH_TOKEN_KEY] = token
    return body


class CareSecurityApi(SecurityApi):
    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        """Sign in and get a JWT access token (15 minutes) and, with "refresh", a refresh token
        ---
        post:
          description: >-
            Sign in with a username and password (and "totp", the current code of the authenticator
            app, for roles that require a second factor). Every refused sign-in gets the same 401.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    username:
                      type: string
                    password:
                      type: string
                    provider:
                      type: string
                      enum: [db]
                    refresh:
                      type: boolean
                      description: also return a refresh token
                    totp:
                      type: string
                      description: the current code of the authenticator app (or a recovery code)
          responses:
            200:
              description: Signed in
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            429:
              description: Too many sign-in attempts from this address or for this username
        """
        payload = request.get_json(silent=True) if request.is_json else None
        if not isinstance(payload, dict):
            return self.response_400(message="Send a JSON object with username and password.")
        username, password = _text(payload.get("username")), _text(payload.get("password"))
        if not username or not password or payload.get("provider", "db") != "db":
            return self.response_400(message="username and password are required (provider: db).")
        user = self.appbuilder.sm.auth_user_db(username, password)
        if not user:
            return self.response_401_with(str(REFUSED))
        db.session.commit()  # a fresh transaction: the sign-in was audited on another connection
        step = mfa.needed_at_sign_in(user)
        if step == "enrol":
            return self.response_401_with(str(_l(
                "Your role requires a second factor: sign in in the browser once to set up an authenticator app.")))
        if step == "verify":
            code = _text(payload.get("totp"), 64)
            if not code:
                return self.response_401_with(str(_l("Your account has a second factor: send the current code "
                                                     "of your authenticator app as \"totp\".")), second_factor=True)
            how = mfa.verify(user.id, code)
            if not how:
                db.session.rollback()
                self.appbuilder.sm.update_user_auth_stat(user, False)
                record_event("second_factor_failed", "User", entity_id=user.id, changes={"username": user.username})
                return self.response_401_with(str(_l("That code is not right.")), second_factor=True)
            record_event("second_factor_passed", "User", entity_id=user.id, changes={"how": how, "api": True},
                         session=db.session)
        row = sessions.start(user, "api")
        body = issue_tokens(user, row.id, bool(payload.get("refresh")))
        db.session.commit()
        return self.response(200, **body)

    @expose("/refresh", methods=["POST"])
    @jwt_required(refresh=True)
    @safe
    def refresh(self):
        """Trade a refresh token for a new access token and a new refresh token
        ---
        post:
          description: >-
            Each refresh token works once. Using one again (a copy) revokes every token of its
            sign-in.
          responses:
            200:
              description: New tokens
            401:
              $ref: '#/components/responses/401'
          security:
            - jwt_refresh: []
        """
        claims = get_jwt()
        session_id = claims.get("sid")
        refused = sessions.use_refresh(claims.get("jti", ""))
        if refused:
            record_event("refresh_token_refused", "User", entity_id=claims.get("sub"), changes={"reason": refused})
            return self.response_401_with(str(_l("This refresh token has been used or revoked. Sign in again.")))
        user = self.appbuilder.sm.get_user_by_id(int(claims["sub"]))
        body = issue_tokens(user, session_id, True)
        db.session.commit()
        return self.response(200, **body)

    def response_401_with(self, message: str, **extra):
        return self.response(401, message=message, **extra)
