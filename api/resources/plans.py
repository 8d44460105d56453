"""Random inspection plans (双随机、一公开): create, draw (seeded), approve (opens the joint inspections)."""
from __future__ import annotations

from flask_smorest import Blueprint

from api.auth import current_actor, require_auth, writes
from api.db import session
from api.schemas.entities import DrawArgs, PlanDetailSchema, PlanInSchema, PlanSchema
from engine.entities import plans

blp = Blueprint("plans", __name__, url_prefix="/api/v1/plans", description="Random inspection plans (双随机)")
blp.before_request(require_auth)
ID = "<int(max=2147483647):plan_id>"


def detail(plan) -> dict:
    out = {k: getattr(plan, k) for k in ("id", "title", "unit_id", "period_from", "period_to", "items", "townships",
                                          "industry", "sample_size", "seed", "draw_info", "state", "created_at",
                                          "drawn_at", "approved_at", "published_at", "note")}
    out["entries"] = [{"rank": e.rank, "party_id": e.party_id, "name": p.name, "colour": e.colour,
                       "weight": e.weight, "inspectors": e.inspectors, "case_id": e.case_id}
                      for e, p in plans.entries_with_parties(session(), plan)]
    return out


@blp.route("")
@blp.response(200, PlanSchema(many=True))
def list_plans():
    """Plans of my units and plans my agency takes part in, newest first."""
    return plans.list_plans(session(), current_actor())


@blp.route("", methods=["POST"])
@blp.arguments(PlanInSchema)
@blp.response(201, PlanDetailSchema)
@writes
def create(body):
    """A plan for a period and an item list per partner agency (draft; nothing drawn yet)."""
    unit = body.pop("unit")
    return detail(plans.create(session(), current_actor(), unit, body))


@blp.route(f"/{ID}")
@blp.response(200, PlanDetailSchema)
def get(plan_id):
    """The plan with its drawn entities and inspectors."""
    return detail(plans.get_plan(session(), current_actor(), plan_id))


@blp.route(f"/{ID}/draw", methods=["POST"])
@blp.arguments(DrawArgs)
@blp.response(200, PlanDetailSchema)
@writes
def draw(body, plan_id):
    """Draw entities (weighted by colour and risk, due and under the yearly cap) and two inspectors per agency."""
    return detail(plans.draw(session(), current_actor(), plan_id, body.get("seed")))


@blp.route(f"/{ID}/approve", methods=["POST"])
@blp.response(200, PlanDetailSchema)
@writes
def approve(plan_id):
    """Approve and publish: one joint inspection per drawn entity, given to the drawn inspectors."""
    return detail(plans.approve(session(), current_actor(), plan_id))
