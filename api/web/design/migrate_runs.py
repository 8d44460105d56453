"""A migration run's page (/design/migration-runs/<id>): its progress while the cases move in the background
(engine/migration/runs.py) — reloading itself every few seconds — then the results: the cases moved, with what
changed and a revert button, and the cases not moved, with the reasons. An interrupted run (its web worker
stopped) can be continued from here; a scheduler also takes it over by itself."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from api.db import session as db
from api.web.design import bp, designer_required
from api.web.design.migrate import INT, _plan, _text, change_text, run_state
from api.web.guard import actor
from api.web.i18n import current_language
from engine.errors import EngineError
from engine.migration import plan as plans, runs
from engine.models import Case, MigrationRun, User

PAGE = 200


@bp.get(f"/migration-runs/<{INT}:run_id>", endpoint="migration_run_page")
@designer_required
def run_page(run_id):
    run = _run(run_id)
    plan = _plan(run.plan_id)
    source, target = plans.versions(db(), plan)
    state = runs.state_of(run)
    try:
        page = max(0, int(request.args.get("page") or 0))
    except ValueError:
        page = 0
    moved = runs.moved_by(db(), run.id, page * PAGE, PAGE) if state in ("done", "failed", "interrupted") else []
    problems = (run.problems or [])[page * PAGE:(page + 1) * PAGE] if state != "queued" else []
    titles = dict(db().execute(select(Case.id, Case.title).where(Case.id.in_([p["case_id"] for p in problems])))
                  .all()) if problems else {}
    starter = db().get(User, run.created_by) if run.created_by else None
    percent = int(100 * run.position / run.total) if run.total else 100
    return render_template(
        "design/migration_run.html", run=run, plan=plan, source=source, target=target, state=state,
        state_text=run_state(run), moved=moved, problems=problems, titles=titles, percent=percent,
        starter=(starter.display_name or starter.username) if starter else _("the system"),
        live=state in ("queued", "running"), page=page, pages=-(-max(run.moved, len(run.problems or [])) // PAGE),
        text=_text, change_text=change_text, error=_error(run))


@bp.post(f"/migration-runs/<{INT}:run_id>/resume", endpoint="migration_run_resume")
@designer_required
def resume(run_id):
    run = _run(run_id)
    try:
        runs.resume(db(), actor(), run)
    except EngineError as exc:
        flash(exc.zh if current_language() != "en" and exc.zh else exc.detail)
        return redirect(url_for("design.migration_run_page", run_id=run_id))
    db().rollback()   # nothing written here: the executor claims the run itself
    runs.start_in_background(current_app.extensions["zhifa.db"], run.id)
    flash(_("The move continues where it stopped."))
    return redirect(url_for("design.migration_run_page", run_id=run_id))


def _run(run_id: int) -> MigrationRun:
    run = db().get(MigrationRun, run_id)
    if run is None:
        abort(404)
    return run


def _error(run: MigrationRun) -> str | None:
    if not run.error:
        return None
    return run.error.get("en") if current_language() == "en" else run.error.get("zh")
