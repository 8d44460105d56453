"""One database session and one transaction per request, committed only when the view succeeds."""
from __future__ import annotations

from functools import wraps

from flask import Flask, current_app, g
from sqlalchemy.orm import Session


def session() -> Session:
    """This request's session (opened on first use, rolled back and closed at teardown)."""
    if "zhifa_db" not in g:
        g.zhifa_db = current_app.extensions["zhifa.db"]()
    return g.zhifa_db


def commit() -> None:
    if "zhifa_idempotency" in g:  # a keyed write commits with its stored answer (api/idempotency.py)
        g.zhifa_commit_deferred = True
        return
    if "zhifa_db" in g:
        g.zhifa_db.commit()


def committed(view):
    """Commit the request's transaction after ``view`` returns; any error leaves state unchanged."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        result = view(*args, **kwargs)
        commit()
        return result
    return wrapper


def _close(_exc=None) -> None:
    db = g.pop("zhifa_db", None)
    if db is not None:
        try:
            db.rollback()
            db.close()
        except Exception:  # noqa: BLE001 — a lost connection: the pool discards it; the answer is already out
            db.invalidate()


def init_app(app: Flask) -> None:
    app.teardown_request(_close)
