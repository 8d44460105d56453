"""Log in for a bearer token; log out to revoke it."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from api.auth import check_cookie_write, current_token, issue_token
from api.db import commit, session
from api.problems import Unauthorized
from api.schemas.auth import LoginSchema, TokenSchema
from engine import accounts, throttle, tokens

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Authentication (bearer tokens)")


@blp.route("/login", methods=["POST"])
@blp.doc(security=[], responses={"429": {"description": "too many failed sign-ins (Retry-After says when to retry)"}})
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
def login(body):
    """Exchange username and password for a bearer token."""
    throttle.check(session(), body["username"], request.remote_addr)
    user = accounts.authenticate(session(), body["username"], body["password"])
    if user is None:
        throttle.record_failure(session(), body["username"], request.remote_addr)
        commit()
        raise Unauthorized("unknown user or wrong password")
    throttle.clear(session(), body["username"])
    raw, token = issue_token(user)
    commit()
    return {"token": raw, "expires_at": token.expires_at, "user": user,
            "must_change_password": bool(user.must_change_password)}


@blp.route("/logout", methods=["POST"])
@blp.response(204)
def logout():
    """Revoke the token used for this request."""
    token = current_token()
    if token is None:
        raise Unauthorized()
    check_cookie_write()
    tokens.revoke(session(), token)
    commit()
