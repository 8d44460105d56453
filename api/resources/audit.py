"""Auditors' replay: re-run a case from its event log and compare with what is stored."""
from __future__ import annotations

from flask_smorest import Blueprint

from api.auth import current_actor, require_auth
from api.db import session
from api.schemas.audit import ReplaySchema
from engine import cases
from engine.replay import replay

blp = Blueprint("audit", __name__, url_prefix="/api/v1/cases", description="Audit: replay and verify a case")
blp.before_request(require_auth)


@blp.route("/<int(max=2147483647):case_id>/replay")
@blp.response(200, ReplaySchema)
def replay_case(case_id):
    """Replay the case step by step on its process version from its event log.

    ``chain_intact`` says whether the hash chain verifies; ``matches`` whether replaying the recorded
    steps reproduces the stored case data and end state. Each step lists the open tasks and data after it.
    """
    case = cases.get_case(session(), current_actor(), case_id)
    return replay(session(), case)
