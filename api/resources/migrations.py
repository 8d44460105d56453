"""Moving running cases to another procedure version: plans, dry run, moves in batches, revert.

Designer or administrator role. A plan is stored first (its id names every move); the dry run writes nothing; a
run moves each case in its own transaction under its case lock and reports every case's outcome in words.
"""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from api.auth import current_actor, require_auth, writes
from api.db import session
from api.problems import english
from api.schemas.migration import (DryRunArgs, DryRunSchema, OutcomeSchema, PlanCreateSchema, PlanSchema,
                                   RunResultSchema, RunSchema)
from engine import migration
from engine.migration import describe, plan as plans, verdicts

blp = Blueprint("migrations_api", __name__, url_prefix="/api/v1/migrations",
                description="Moving running cases to another procedure version (dry run, batches, revert)")
blp.before_request(require_auth)
INT = "int(max=2147483647)"


@blp.before_request
def designers_only():
    migration.check_may_migrate(current_actor())


def plan_dict(row) -> dict:
    source, target = plans.versions(session(), row)
    return {"id": row.id, "process_key": row.process_key, "from_version": source.version,
            "to_version": target.version, "mapping": row.mapping or {}, "follow_target": row.follow_target,
            "reason": row.reason, "created_by": row.created_by_name, "created_at": row.created_at,
            "elements": describe.elements(migration.comparison(session(), row))}


def verdict_dict(v: migration.CaseVerdict) -> dict:
    zh, en = migration.VERDICT_WORDS[v.level]
    return {"case_id": v.case_id, "case_number": v.number, "title": v.title, "unit_id": v.unit_id, "level": v.level,
            "verdict": en if english() else zh, "open_tasks": v.open_tasks, "reasons": v.reasons}


def outcome_dict(o: migration.Outcome) -> dict:
    return {"case_id": o.case_id, "case_number": o.number, "outcome": o.outcome, "migration_id": o.migration_id,
            "reasons": o.reasons, "changes": o.changes}


@blp.route("/plans", methods=["POST"])
@blp.arguments(PlanCreateSchema)
@blp.response(201, PlanSchema)
@writes
def create_plan(body):
    """Store a plan: source and target version of one procedure, the element mapping, what open tasks follow."""
    actor = current_actor()
    row = migration.create_plan(session(), actor, body["process_key"], body["from_version"], body["to_version"],
                                body["mapping"], body["follow_target"], body["reason"], by_name=actor.username)
    return plan_dict(row)


@blp.route(f"/plans/<{INT}:plan_id>")
@blp.response(200, PlanSchema)
def get_plan(plan_id):
    """A plan with its element comparison in words (changed, removed, mapped, suggested, added)."""
    return plan_dict(migration.get_plan(session(), current_actor(), plan_id))


@blp.route(f"/plans/<{INT}:plan_id>/dry-run")
@blp.arguments(DryRunArgs, location="query")
@blp.response(200, DryRunSchema)
def dry_run(args, plan_id):
    """Every running case of the source version with its verdict (safe / needs mapping / unsafe) and why."""
    row = migration.get_plan(session(), current_actor(), plan_id)
    found = migration.dry_run(session(), row)
    counts = migration.summary(found)
    if args.get("level"):
        found = [v for v in found if v.level == args["level"]]
    page = found[args["offset"]:args["offset"] + args["limit"]]
    return {"plan": row.id, "summary": counts, "total": len(found), "cases": [verdict_dict(v) for v in page]}


@blp.route(f"/plans/<{INT}:plan_id>/runs", methods=["POST"])
@blp.arguments(RunSchema)
@blp.response(200, RunResultSchema)
@writes
def run(body, plan_id):
    """Move the given cases, or every running case of the source version (the safe ones move, the rest are refused
    with their reasons), each in its own transaction under its case lock."""
    actor = current_actor()
    row = migration.get_plan(session(), actor, plan_id)
    ids = body.get("case_ids")
    if ids is None:
        ids = verdicts.running_case_ids(session(), row)[:body["limit"]]
    session().rollback()   # the moves run in their own transactions; this request holds nothing
    results = migration.run_plan(current_app.extensions["zhifa.db"], actor, plan_id, ids)
    counts = {k: 0 for k in (migration.MIGRATED, migration.REFUSED, migration.FAILED)}
    for r in results:
        counts[r.outcome] += 1
    remaining = len(verdicts.running_case_ids(session(), row))
    return {"plan": plan_id, "summary": counts, "remaining": remaining, "results": [outcome_dict(r) for r in results]}


@blp.route(f"/case-migrations/<{INT}:migration_id>/revert", methods=["POST"])
@blp.response(200, OutcomeSchema)
@writes
def revert(migration_id):
    """Put a moved case back on its source version, if nothing has happened on it since the move (else 409)."""
    return outcome_dict(migration.revert_case(session(), current_actor(), migration_id))

