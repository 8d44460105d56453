"""Moving running cases to another procedure version: plans, dry run, moves in batches, revert.

Designer or administrator role. A plan is stored first (its id names every move); the dry run writes nothing; a
run is stored and answered at once (202): it moves each case in its own transaction under its case lock in the
background (engine/migration/runs.py) and ``GET /runs/{id}`` shows its progress, then every case's outcome in words.
"""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from api.auth import current_actor, require_auth, writes
from api.db import session
from api.problems import english
from api.schemas.migration import (DryRunArgs, DryRunSchema, MigrationRunSchema, OutcomeSchema, PlanCreateSchema,
                                   MigrationPlanSchema, RunListSchema, RunPageArgs, RunSchema)
from engine import migration
from engine.errors import NotFound
from engine.migration import describe, plan as plans, runs, verdicts
from engine.migration.words import RUN_STATES
from engine.models import MigrationRun

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
@blp.response(201, MigrationPlanSchema)
@writes
def create_plan(body):
    """Store a plan: source and target version of one procedure, the element mapping, what open tasks follow."""
    actor = current_actor()
    row = migration.create_plan(session(), actor, body["process_key"], body["from_version"], body["to_version"],
                                body["mapping"], body["follow_target"], body["reason"], by_name=actor.username)
    return plan_dict(row)


@blp.route(f"/plans/<{INT}:plan_id>")
@blp.response(200, MigrationPlanSchema)
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


def run_dict(run: MigrationRun, page: dict | None = None) -> dict:
    state = runs.state_of(run)
    out = {"id": run.id, "plan": run.plan_id, "state": state, "state_text": RUN_STATES[state][1 if english() else 0],
           "total": run.total, "done": run.position, "resumed": run.resumed, "error": run.error,
           "summary": {migration.MIGRATED: run.moved, migration.REFUSED: run.refused, migration.FAILED: run.failed},
           "created_by": run.created_by_name, "created_at": run.created_at, "started_at": run.started_at,
           "finished_at": run.finished_at, "heartbeat_at": run.heartbeat_at}
    if page is not None:
        start, stop = page["offset"], page["offset"] + page["limit"]
        out["moved"] = [{"case_id": m.case_id, "case_number": number, "migration_id": m.id, "state": m.state,
                         "changes": m.changes or []}
                        for m, number, _title in runs.moved_by(session(), run.id, page["offset"], page["limit"])]
        out["problems"] = [{"case_id": p["case_id"], "case_number": p["number"], "outcome": p["outcome"],
                            "reasons": p["reasons"]} for p in (run.problems or [])[start:stop]]
        if run.state == runs.DONE:
            plan = session().get(migration.plan.MigrationPlan, run.plan_id)
            out["remaining"] = len(verdicts.running_case_ids(session(), plan))
    return out


def _run(run_id: int) -> MigrationRun:
    row = session().get(MigrationRun, run_id)
    if row is None:
        raise NotFound(f"migration run {run_id} not found", zh=f"没有编号为 {run_id} 的迁移运行")
    return row


@blp.route(f"/plans/<{INT}:plan_id>/runs", methods=["POST"])
@blp.arguments(RunSchema)
@blp.response(202, MigrationRunSchema)
@writes
def run(body, plan_id):
    """Start moving the given cases, or every running case of the source version (the safe ones move, the rest are
    refused with their reasons), in the background: answered at once with the run (202, ``Location``); poll
    ``GET /runs/{id}``. One run per plan at a time (409 while one is going)."""
    actor = current_actor()
    row = migration.get_plan(session(), actor, plan_id)
    ids = body.get("case_ids")
    if ids is None and body.get("limit"):
        ids = verdicts.running_case_ids(session(), row)[:body["limit"]]
    stored = runs.start(session(), actor, row, ids, by_name=actor.username)
    session().flush()
    runs.start_in_background(current_app.extensions["zhifa.db"], stored.id)   # waits for this commit
    return run_dict(stored), {"Location": f"{blp.url_prefix}/runs/{stored.id}"}


@blp.route(f"/plans/<{INT}:plan_id>/runs")
@blp.response(200, RunListSchema)
def plan_runs(plan_id):
    """The plan's runs, newest first (progress only)."""
    migration.get_plan(session(), current_actor(), plan_id)
    return {"runs": [run_dict(r) for r in runs.runs_of(session(), plan_id)]}


@blp.route(f"/runs/<{INT}:run_id>")
@blp.arguments(RunPageArgs, location="query")
@blp.response(200, MigrationRunSchema)
def get_run(args, run_id):
    """A run's progress (total, done, migrated / refused / failed, who started it, when) and a page of its results:
    the cases it moved (with the changes, and the id to revert each) and those it did not (with the reasons)."""
    return run_dict(_run(run_id), args)


@blp.route(f"/runs/<{INT}:run_id>/resume", methods=["POST"])
@blp.response(202, MigrationRunSchema)
@writes
def resume(run_id):
    """Continue an interrupted run (its executor stopped: a restart) from where it stopped; 409 otherwise."""
    row = _run(run_id)
    runs.resume(session(), current_actor(), row)
    runs.start_in_background(current_app.extensions["zhifa.db"], row.id)
    return run_dict(row), {"Location": f"{blp.url_prefix}/runs/{row.id}"}


@blp.route(f"/case-migrations/<{INT}:migration_id>/revert", methods=["POST"])
@blp.response(200, OutcomeSchema)
@writes
def revert(migration_id):
    """Put a moved case back on its source version, if nothing has happened on it since the move (else 409)."""
    return outcome_dict(migration.revert_case(session(), current_actor(), migration_id))

