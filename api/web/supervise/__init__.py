"""Supervision workspace (监管对象、双随机抽查、履职评估): entity list and record, inspection plans, performance.

Thin pages over engine.entities and engine.performance, through the API's per-request session and cookie login.
"""
from __future__ import annotations

from flask import Blueprint, Flask

from api.web.guard import check_csrf, engine_error
from engine.errors import EngineError

bp = Blueprint("supervise", __name__, template_folder="templates", static_folder="static",
               static_url_path="/ui/supervise/static")
bp.before_request(check_csrf)
bp.register_error_handler(EngineError, engine_error)


def init_app(app: Flask) -> None:
    from api.web.supervise import entities, entity_forms, performance, plans, public  # noqa: F401  (register routes)
    app.register_blueprint(bp)
