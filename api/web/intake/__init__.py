"""The intake workspace (线索受理、派单、核查): the dispatcher's queue and form, the receiving unit's leads,
one lead's page with its actions and history. Thin over engine.intake, same scopes as the API."""
from __future__ import annotations

from flask import Blueprint, Flask

from api.web import guard
from engine.errors import EngineError

bp = Blueprint("intake", __name__, url_prefix="/intake", template_folder="templates", static_folder="static",
               static_url_path="/ui/intake-static")
bp.before_request(guard.check_csrf)
bp.register_error_handler(EngineError, guard.engine_error)


@bp.app_context_processor
def lead_stats_helper():
    """``intake_lead_stats()`` for the supervision page: per-unit lead figures in the actor's scope."""
    def intake_lead_stats():
        from api.db import session
        from engine.intake import supervision
        me = guard.actor()
        return supervision.unit_stats(session(), me) if me is not None else []
    return {"intake_lead_stats": intake_lead_stats}


def init_app(app: Flask) -> None:
    from api.web.intake import admin, views  # noqa: F401  (register routes)
    app.register_blueprint(bp)
