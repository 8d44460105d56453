"""Health check (no authentication)."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from sqlalchemy import text

from api.db import session

blp = Blueprint("meta", __name__, url_prefix="/api/v1", description="Service health")


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True)
    database = ma.fields.String(required=True)


@blp.route("/health")
@blp.doc(security=[])
@blp.response(200, HealthSchema)
def health():
    """Liveness and database reachability."""
    session().execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok"}
