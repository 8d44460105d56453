"""Request guards applied before any API view."""
from __future__ import annotations

from flask import Flask, request

from engine.errors import ValidationFailed


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def reject_nul() -> None:
    """NUL characters cannot be stored (PostgreSQL text/JSONB refuse them): refuse them up front, as 422."""
    if not request.path.startswith("/api/"):
        return
    where = None
    if "\x00" in request.path:
        where = "path"
    elif any(_has_nul(k) or _has_nul(v) for k, v in request.args.items(multi=True)):
        where = "query"
    elif request.is_json and _has_nul(request.get_json(silent=True)):
        where = "body"
    if where:
        raise ValidationFailed(f"NUL characters are not allowed in the {where}", {where: ["contains NUL (\\u0000)"]})


def init_app(app: Flask) -> None:
    app.before_request(reject_nul)
