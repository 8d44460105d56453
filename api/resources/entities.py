"""Entities under supervision (监管对象, 三色赋码) and 复议/诉讼 outcomes of closed cases."""
from __future__ import annotations

from flask_smorest import Blueprint

from api.auth import current_actor, require_auth, writes
from api.db import session
from api.schemas.entities import (ComplaintDecisionSchema, EntityListArgs, EntityPageSchema, EntityRecordSchema,
                                  EntitySchema, MergeArgs, MergeSchema, ProfileInSchema, RegisterSchema, ReviewInSchema,
                                  ReviewSchema)
from engine.entities import record, registry
from engine.performance import scope

blp = Blueprint("entities", __name__, url_prefix="/api/v1", description="Entities under supervision (三色赋码)")
blp.before_request(require_auth)
ID = "<int(max=2147483647):party_id>"


def _dates(profile_data: dict) -> dict:
    for licence in profile_data.get("licences") or []:
        if licence.get("valid_until") is not None:
            licence["valid_until"] = licence["valid_until"].isoformat()
    return profile_data


@blp.route("/entities")
@blp.arguments(EntityListArgs, location="query")
@blp.response(200, EntityPageSchema)
def list_entities(args):
    """Entities in my scope, red first; filter by colour, township, industry, name / ID number, due date."""
    db, actor = session(), current_actor()
    items, total = registry.search(db, actor, colour=args.get("colour"), township=args.get("township"),
                                   q=args.get("q"), industry=args.get("industry"), due_before=args.get("due_before"),
                                   page=args["page"], per_page=args["per_page"])
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"],
            "counts": registry.counts(db, actor)}


@blp.route("/entities", methods=["POST"])
@blp.arguments(RegisterSchema)
@blp.response(201, EntitySchema)
@writes
def register(body):
    """Register an entity (found by kind + ID number / USCC, else created) with its profile; colour computed."""
    return registry.register(session(), current_actor(), body["party"], _dates(body["profile"]))


@blp.route(f"/entities/{ID}")
@blp.response(200, EntityRecordSchema)
def get(party_id):
    """The entity's record: inspections with findings per agency, cases and outcomes, complaints, colours."""
    rec = record.entity_record(session(), current_actor(), party_id)
    return dict(rec, entity=rec["profile"])


@blp.route(f"/entities/{ID}", methods=["PATCH"])
@blp.arguments(ProfileInSchema)
@blp.response(200, EntitySchema)
@writes
def update(body, party_id):
    """Change township, industry, licences, risk, credit or major hazard; the colour is recomputed."""
    return registry.update_profile(session(), current_actor(), party_id, _dates(body))


@blp.route(f"/entities/{ID}/merge", methods=["POST"])
@blp.arguments(MergeArgs)
@blp.response(200, MergeSchema)
@writes
def merge(body, party_id):
    """Fold this (duplicate) entity into ``target_id``: its cases move over, its record is kept."""
    return registry.merge(session(), current_actor(), party_id, body["target_id"], body["reason"])


@blp.route(f"/entities/{ID}/complaints/<int(max=2147483647):lead_id>", methods=["POST"])
@blp.arguments(ComplaintDecisionSchema)
@blp.response(200, EntitySchema)
@writes
def decide_complaint(body, party_id, lead_id):
    """Say whether a lead matched by name (or ambiguous between same-named entities) is about this entity."""
    return registry.decide_complaint(session(), current_actor(), party_id, lead_id, body["about"])


@blp.route("/cases/<int(max=2147483647):case_id>/reviews", methods=["POST"])
@blp.arguments(ReviewInSchema)
@blp.response(201, ReviewSchema)
@writes
def add_review(body, case_id):
    """Record the outcome of a 复议/诉讼 against a closed case (counts in the unit's reversal rate)."""
    return scope.record_review(session(), current_actor(), case_id, body["kind"], body["result"],
                               body["decided_on"], body.get("note"))
