"""Sign in, sign out, language switch."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from api.auth import login_session, logout_session
from api.db import commit, session as db
from api.web.blueprint import bp
from api.web.guard import actor
from api.web.i18n import LANGUAGES, SESSION_KEY
from engine import accounts, throttle
from engine.errors import TooManyRequests


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return url_for("web.inbox")


@bp.get("/")
def home():
    return redirect(url_for("web.inbox") if actor() else url_for("web.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        try:
            throttle.check(db(), username, request.remote_addr)
            user = accounts.authenticate(db(), username, request.form.get("password", ""))
        except TooManyRequests as exc:
            return render_template("login.html", error=exc.detail), 429, {"Retry-After": str(exc.retry_after)}
        if user is None:
            throttle.record_failure(db(), username, request.remote_addr)
            commit()
            error = _("Unknown user or wrong password.")
        else:
            throttle.clear(db(), username)
            lang = session.get(SESSION_KEY)
            session.clear()
            if lang:
                session[SESSION_KEY] = lang
            login_session(user)
            commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    logout_session()
    commit()
    lang = session.get(SESSION_KEY)
    session.clear()
    if lang:
        session[SESSION_KEY] = lang
    flash(_("You have signed out."))
    return redirect(url_for("web.login"))


@bp.get("/lang/<code>")
def language(code):
    if code in LANGUAGES:
        session[SESSION_KEY] = code
    return redirect(_safe_next(request.args.get("next") or request.referrer and urlparse(request.referrer).path))
