"""The current user, their units and roles."""
from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import select

from api.auth import current_actor, current_user, require_auth
from api.db import session
from api.schemas.auth import MeSchema
from engine.models import Unit

blp = Blueprint("me", __name__, url_prefix="/api/v1", description="The current user")
blp.before_request(require_auth)


@blp.route("/me")
@blp.response(200, MeSchema)
def me():
    """Who am I: user, memberships (unit, role) and the units whose cases I may read."""
    actor, user = current_actor(), current_user()
    names = dict(session().execute(select(Unit.id, Unit.name)).all())
    roles = [{"unit": u, "unit_name": names.get(u, u), "role": r} for u, r in sorted(actor.roles)]
    return {"user": user, "roles": roles, "units": sorted(actor.member_units),
            "visible_units": sorted(actor.visible_units), "read_only": actor.read_only}
