"""Page guards: the signed-in actor (api.auth session cookie), CSRF tokens for our own forms, HTML errors."""
from __future__ import annotations

import secrets
from functools import wraps

from flask import abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from api.auth import current_actor, current_user
from api.problems import Unauthorized
from api.web.blueprint import bp
from api.language import pick
from engine.errors import (Conflict, EngineError, Forbidden, NotFound, PayloadTooLarge, UnsupportedType,
                           ValidationFailed)

CSRF_KEY = "web_csrf"


def csrf_token() -> str:
    if CSRF_KEY not in session:
        session[CSRF_KEY] = secrets.token_urlsafe(24)
    return session[CSRF_KEY]


@bp.before_request
def check_csrf():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
    if not sent or not secrets.compare_digest(sent, session.get(CSRF_KEY, "")):
        abort(400, description="CSRF token missing or wrong; reload the page")


def actor():
    """The signed-in actor or None (pages redirect to the login page)."""
    try:
        return current_actor()
    except Unauthorized:
        return None


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if actor() is None:
            if request.is_json or request.headers.get("X-CSRF-Token"):
                return {"detail": _("Please sign in again.")}, 401
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        g.web_user = current_user()
        if g.web_user.must_change_password:  # an administrator reset it: a new password comes first
            return redirect(url_for("admin_web.password"))
        return view(*args, **kwargs)
    return wrapper


@bp.app_context_processor
def template_globals():
    from api.web.i18n import LANGUAGES, current_language
    return {"csrf_token": csrf_token, "languages": LANGUAGES, "current_language": current_language,
            "web_user": g.get("web_user")}


STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, ValidationFailed: 422, PayloadTooLarge: 413,
          UnsupportedType: 415}


@bp.errorhandler(EngineError)
def engine_error(exc: EngineError):
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 422)
    detail, errors = pick(exc)
    if request.is_json or request.headers.get("X-CSRF-Token"):
        return {"detail": detail, "errors": errors or {}, "code": exc.code}, status
    return render_template("error.html", status=status, detail=detail), status


@bp.errorhandler(Unauthorized)
def unauthorized(_exc):
    return redirect(url_for("web.login"))
