"""Who is calling: a bearer token (API clients) or a Flask session holding a token secret (the web UI).

The session cookie carries the token's random secret (only its SHA-256 is stored), never a row id: a cookie
signed with a leaked or guessed key still opens nothing without a live token's secret.

Use :func:`current_actor` in any view; it raises :class:`api.problems.Unauthorized` (→ 401) without valid
credentials. The web UI logs in with :func:`login_session` and out with :func:`logout_session`.
"""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import current_app, g, request
from flask import session as cookie

from engine import tokens
from engine.errors import Forbidden
from engine.models import ApiToken, User
from engine.org import Actor, actor_for, actor_from

from api import idempotency
from api.db import commit, session
from api.problems import Unauthorized

SESSION_KEY = "zhifa_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _ttl() -> timedelta:
    return timedelta(minutes=current_app.config["ZHIFA_SETTINGS"].token_ttl_minutes)


def issue_token(user: User, client: str = "api") -> tuple[str, ApiToken]:
    return tokens.issue(session(), user, _ttl(), client)


def current_token() -> ApiToken | None:
    """The caller's valid token (bearer header first, then the session cookie), or None."""
    if "zhifa_token" in g:
        return g.zhifa_token
    header = request.headers.get("Authorization")
    token, via = None, None
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthorized("the Authorization header must be 'Bearer <token>'")
        found, via = tokens.resolve_with_memberships(session(), raw.strip()), "bearer"
        if found is None:
            raise Unauthorized("the token is unknown, expired or revoked")
    elif isinstance(cookie.get(SESSION_KEY), str) and cookie[SESSION_KEY]:
        found, via = tokens.resolve_with_memberships(session(), cookie[SESSION_KEY]), "cookie"
    else:
        found = None
    token, g.zhifa_memberships = found or (None, None)
    g.zhifa_token, g.zhifa_auth_via = token, via
    return token


def current_actor() -> Actor:
    """The authenticated Actor of this request (cached per request) or 401."""
    if "zhifa_actor" in g:
        return g.zhifa_actor
    token = current_token()
    if token is None:
        raise Unauthorized()
    memberships = g.get("zhifa_memberships")
    g.zhifa_actor = actor_from(session(), token.user, memberships) if memberships is not None \
        else actor_for(session(), token.user)
    return g.zhifa_actor


def current_user() -> User:
    current_actor()
    return g.zhifa_token.user


class PasswordChangeRequired(Forbidden):
    code = "password-change-required"


# What a user whose password was reset may still do before choosing a new one.
PASSWORD_CHANGE_ENDPOINTS = {"account.change_password", "auth.logout", "me.me"}


def require_auth() -> None:
    """``before_request`` hook of every protected blueprint; cookie writes must come from our own pages."""
    actor = current_actor()
    if g.zhifa_token.user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        raise PasswordChangeRequired("请先修改密码（管理员已重置您的密码） / change your password first: POST "
                                     "/api/v1/account/password")
    if actor.read_only and request.method not in SAFE_METHODS and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        # before any argument parsing, so an auditor meets 403 on every write whatever the body holds
        # (their own password excepted)
        raise Forbidden("审计人员只能查看，不能修改 (auditors have read-only access)")
    check_cookie_write()


def check_cookie_write() -> None:
    """A cookie-authenticated write must carry ``X-Requested-With`` (a cross-site form cannot set it)."""
    if g.get("zhifa_auth_via") == "cookie" and request.method not in SAFE_METHODS \
            and request.headers.get("X-Requested-With") is None:
        raise Forbidden("cookie-authenticated writes need the X-Requested-With header")


def writes(view):
    """Mark a view as changing state: auditors are refused; the transaction commits when the view succeeds."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        actor = current_actor()
        if actor.read_only:
            raise Forbidden("auditors have read-only access")
        replayed = idempotency.begin(actor.user_id)  # Idempotency-Key: the first answer, if there was one
        if replayed is not None:
            return replayed
        result = view(*args, **kwargs)
        commit()
        return result
    wrapper.zhifa_writes = True  # documented with the Idempotency-Key header (api.openapi.document_writes)
    return wrapper


def login_session(user: User) -> ApiToken:
    """Web UI login: a token whose secret lives in the signed session cookie (caller commits)."""
    raw, token = issue_token(user, client="web")
    cookie[SESSION_KEY] = raw
    cookie.permanent = True
    return token


def logout_session() -> None:
    """Web UI logout: revoke the cookie's token and clear the session (caller commits)."""
    raw = cookie.pop(SESSION_KEY, None)
    if isinstance(raw, str) and raw:
        token = tokens.resolve(session(), raw)
        if token is not None:
            tokens.revoke(session(), token)
    for key in ("zhifa_token", "zhifa_actor", "zhifa_memberships"):
        g.pop(key, None)
