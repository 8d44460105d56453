"""Supervision (督办): overdue and soon-due open work in the actor's scope, grouped by unit."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template
from sqlalchemy import select

from api.db import session as db
from api.web import present
from api.web.blueprint import bp
from api.web.guard import actor, login_required
from engine import clock, inbox
from engine.models import Case, HumanTask
from engine.statuses import TaskState

SOON_DAYS = 3


@bp.get("/supervision", endpoint="supervision")
@login_required
def supervision_page():
    me = actor()
    units = sorted(inbox.queue_units(me)) or sorted(me.visible_units)
    now = clock.now()
    rows = db().execute(select(HumanTask, Case).join(Case, Case.id == HumanTask.case_id).where(
        HumanTask.unit_id.in_(units), HumanTask.state.in_(TaskState.OPEN), HumanTask.due_at.is_not(None),
        HumanTask.due_at < now + timedelta(days=SOON_DAYS)).order_by(HumanTask.due_at)).all()
    groups: dict[str, dict] = {}
    present.prefetch_colours([task.id for task, _ in rows])
    for task, case in rows:
        item = {"task": task, "case": case, "colour": present.colour(task), "party": present.party_name(case)}
        if item["colour"] not in ("red", "yellow"):
            continue
        group = groups.setdefault(task.unit_id, {"unit": task.unit_id, "red": [], "yellow": []})
        group[item["colour"]].append(item)
    ordered = sorted(groups.values(), key=lambda g: (-len(g["red"]), -len(g["yellow"]), g["unit"]))
    return render_template("supervision.html", groups=ordered, present=present, soon_days=SOON_DAYS)
