"""迁移运行中的案件: the migration page on a version in the designers' workspace (issue 15).

Step 1 (/design/<key>/versions/<v>/migrate?to=N): the element comparison in words, a target element to choose for
every step the new version lacks (suggestions preselected), what open tasks follow, the reason → a stored plan.
Step 2 (/design/migrations/<plan>): the dry-run table (every running case with its verdict and reasons), moving
the selected or all safe cases, the moves of this plan with revert.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from api.db import commit, session as db
from api.web.design import bp, designer_required
from api.web.guard import actor
from api.web.i18n import current_language
from engine import catalog, migration
from engine.errors import EngineError, ValidationFailed
from engine.migration import describe, plan as plans, runs
from engine.migration.words import RUN_STATES
from engine.models import Case, CaseMigration

PAGE = 200
INT = "int(max=2147483647)"


def _words(pair) -> str:
    return pair[1] if current_language() == "en" else pair[0]


def _text(item: dict) -> str:
    return item["en"] if current_language() == "en" else item["zh"]


@bp.get(f"/<key>/versions/<{INT}:version>/migrate", endpoint="migrate")
@designer_required
def migrate_page(key, version):
    proc = catalog.procedure(db(), key)
    others = [v for v in proc.versions if v.version != version]
    if not any(v.version == version for v in proc.versions):
        abort(404)
    if not others:
        return render_template("design/migrate.html", proc=proc, version=version, others=[], target=None)
    try:
        target = int(request.args.get("to") or max(v.version for v in others))
    except ValueError:
        abort(404)
    if target == version or not any(v.version == target for v in others):
        abort(404)
    cmp = plans.preview(db(), key, version, target)
    rows = describe.elements(cmp)
    to_map = [r for r in rows if r["change"] in ("removed", "suggested")]
    added = [(r["element"], r["name"]) for r in rows if r["change"] == "added"]
    return render_template("design/migrate.html", proc=proc, version=version, others=others, target=target,
                           rows=rows, to_map=to_map, added=added, text=_text)


@bp.post(f"/<key>/versions/<{INT}:version>/migrate", endpoint="migrate_plan")
@designer_required
def make_plan(key, version):
    form = request.form
    try:
        target = int(form.get("to") or 0)
    except ValueError:
        target = 0
    mapping = {k[4:]: v for k, v in form.items() if k.startswith("map:") and v}
    me = actor()
    try:
        row = migration.create_plan(db(), me, key, version, target, mapping, form.get("open_tasks") != "keep",
                                    form.get("reason"), by_name=me.username)
    except ValidationFailed as exc:
        flash(exc.zh if current_language() != "en" and exc.zh else exc.detail)
        return redirect(url_for("design.migrate", key=key, version=version, to=target or None))
    commit()
    return redirect(url_for("design.migration_plan", plan_id=row.id))


@bp.get(f"/migrations/<{INT}:plan_id>", endpoint="migration_plan")
@designer_required
def plan_page(plan_id):
    row = _plan(plan_id)
    source, target = plans.versions(db(), row)
    verdicts = migration.dry_run(db(), row)
    counts = migration.summary(verdicts)
    level = request.args.get("level") if request.args.get("level") in migration.LEVELS else None
    shown = [v for v in verdicts if level is None or v.level == level]
    try:
        page = max(0, int(request.args.get("page") or 0))
    except ValueError:
        page = 0
    cmp = migration.comparison(db(), row)
    moves = list(db().execute(select(CaseMigration, Case.number).join(Case, Case.id == CaseMigration.case_id)
                              .where(CaseMigration.plan_id == row.id).order_by(CaseMigration.id.desc()).limit(PAGE)))
    return render_template(
        "design/migration_plan.html", plan=row, source=source, target=target, counts=counts, level=level,
        verdicts=shown[page * PAGE:(page + 1) * PAGE], total=len(shown), page=page, pages=-(-len(shown) // PAGE),
        mapping=[(cmp.elements[a].name if a in cmp.elements else a, cmp.target_names.get(b, b))
                 for a, b in (row.mapping or {}).items()],
        rows=describe.elements(cmp), moves=moves, verdict_words={k: _words(v) for k, v in
                                                                migration.VERDICT_WORDS.items()}, text=_text,
        change_text=change_text, runs=runs.runs_of(db(), row.id, 10), run_state=run_state)


def run_state(run) -> str:
    """A run's state in the reader's language (queued, running, interrupted, done, failed)."""
    return _words(RUN_STATES[runs.state_of(run)])


@bp.post(f"/migrations/<{INT}:plan_id>/run", endpoint="migration_run")
@designer_required
def run(plan_id):
    """Store a run of the chosen cases (or every safe one) and move them in the background (engine/migration/runs.py):
    the designer watches its progress on the run's page instead of waiting for the moves."""
    row = _plan(plan_id)
    if request.form.get("all") == "safe":
        ids = [v.case_id for v in migration.dry_run(db(), row) if v.level == migration.SAFE]
    else:
        try:
            ids = [int(x) for x in request.form.getlist("case")]
        except ValueError:
            abort(400)
    if not ids:
        flash(_("Choose at least one case that can be moved."))
        return redirect(url_for("design.migration_plan", plan_id=plan_id))
    me = actor()
    try:
        stored = runs.start(db(), me, row, ids, by_name=me.username)
    except EngineError as exc:
        db().rollback()
        flash(exc.zh if current_language() != "en" and exc.zh else exc.detail)
        return redirect(url_for("design.migration_plan", plan_id=plan_id))
    commit()
    runs.start_in_background(current_app.extensions["zhifa.db"], stored.id)
    return redirect(url_for("design.migration_run_page", run_id=stored.id))


@bp.post(f"/case-migrations/<{INT}:migration_id>/revert", endpoint="migration_revert")
@designer_required
def revert(migration_id):
    row = db().get(CaseMigration, migration_id)
    if row is None:
        abort(404)
    try:
        outcome = migration.revert_case(db(), actor(), migration_id)
        commit()
        flash(_("The move of case %(number)s was reverted.", number=outcome.number))
    except EngineError as exc:
        db().rollback()
        flash(exc.zh if current_language() != "en" and exc.zh else exc.detail)
    return redirect(url_for("design.migration_plan", plan_id=row.plan_id))


def _limit(text: str | None) -> str:
    if not text:
        return _("no deadline")
    n, unit = text[:-2] if text.endswith("wd") else text[:-1], "wd" if text.endswith("wd") else "d"
    if current_language() == "en":
        return f"{n} working days" if unit == "wd" else f"{n} days"
    return f"{n}个工作日" if unit == "wd" else f"{n}日"


def _day(text: str | None) -> str:
    if not text or current_language() == "en":
        return text or ""
    y, m, d = (int(x) for x in text[:10].split("-"))
    return f"{y}年{m}月{d}日"


def change_text(c: dict) -> str:
    """One change a move made to an open task, in words (deadlines and dates as the law reads them)."""
    if c.get("what") == "deadline":
        due = _("(due %(old)s → %(new)s)", old=_day(c.get("due_before")), new=_day(c.get("due_after"))) \
            if c.get("due_after") else ""
        gap = " " if due and current_language() == "en" else ""
        return f"{c.get('task')}：{_('deadline')} {_limit(c.get('before'))} → {_limit(c.get('after'))}{gap}{due}"
    words = {"element": _("corresponding step of the new version"), "form": _("form of the new version"),
             "role": _("handled by another role"), "title": f"{c.get('before')} → {c.get('after')}"}
    return f"{c.get('task')}：{words.get(c.get('what'), '')}"


def _plan(plan_id: int):
    try:
        return migration.get_plan(db(), actor(), plan_id)
    except EngineError:
        abort(404)


from api.web.design import migrate_runs  # noqa: E402,F401  (a run's progress and results page)
