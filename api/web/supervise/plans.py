"""Inspection plans (双随机): list and create, the plan page with draw and approve."""
from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from api.db import commit, session as db
from api.web import present
from api.web.guard import actor, login_required
from api.web.supervise import bp, labels
from engine import clock
from engine.deadlines.calendar import local_date
from engine.entities import plans
from engine.errors import Forbidden, ValidationFailed
from engine.models import Unit, User


def _agencies():
    return list(db().scalars(select(Unit).where(Unit.kind == "agency").order_by(Unit.id)))


def _planning_units(me):
    return [u for u in db().scalars(select(Unit).where(Unit.id.in_(list(me.units_with(*plans.PLANNERS))))
                                    .order_by(Unit.id))]


def _date(name: str):
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        return None


def _writable(me):
    if me.read_only:
        raise Forbidden(_("Auditors have read-only access."))


@bp.route("/plans", methods=["GET", "POST"], endpoint="plans")
@login_required
def plan_list():
    me = actor()
    errors, form = {}, request.form
    if request.method == "POST":
        _writable(me)
        items = [{"agency": a.id, "items": (form.get(f"items_{a.id}") or "").strip()} for a in _agencies()
                 if form.get(f"agency_{a.id}")]
        try:
            size = int(form.get("sample_size", ""))
        except ValueError:
            size = None
        data = {"title": form.get("title", ""), "period_from": _date("period_from"), "period_to": _date("period_to"),
                "items": items, "sample_size": size, "townships": form.getlist("townships"),
                "note": form.get("note")}
        try:
            plan = plans.create(db(), me, form.get("unit", ""), data)
            commit()
            flash(_("Plan saved. Draw the entities when ready."))
            return redirect(url_for("supervise.plan", plan_id=plan.id))
        except ValidationFailed as exc:
            db().rollback()
            errors = exc.errors
    today = local_date(clock.now())
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    defaults = {"period_from": first.isoformat(), "period_to": ((first + timedelta(days=32)).replace(day=1)
                                                                - timedelta(days=1)).isoformat()}
    townships = list(db().scalars(select(Unit).where(Unit.kind == "township").order_by(Unit.id)))
    return render_template("supervise/plans.html", plans=plans.list_plans(db(), me), agencies=_agencies(),
                           units=_planning_units(me), townships=townships, errors=errors, form=form,
                           defaults=defaults, labels=labels, present=present), (422 if errors else 200)


@bp.get("/plans/<int(max=2147483647):plan_id>", endpoint="plan")
@login_required
def plan_page(plan_id):
    me = actor()
    plan = plans.get_plan(db(), me, plan_id)
    entries = plans.entries_with_parties(db(), plan)
    ids = {uid for e, _p in entries for users in e.inspectors.values() for uid in users}
    names = {u.id: u.display_name for u in db().scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template("supervise/plan.html", plan=plan, entries=entries, names=names, labels=labels,
                           present=present, may_draw=plan.state == "draft" and any(
                               me.has_role(r, plan.unit_id) for r in plans.PLANNERS),
                           may_approve=plan.state == "drawn" and any(
                               me.has_role(r, plan.unit_id) for r in plans.APPROVERS))


@bp.post("/plans/<int(max=2147483647):plan_id>/draw", endpoint="plan_draw")
@login_required
def plan_draw(plan_id):
    me = actor()
    _writable(me)
    seed = (request.form.get("seed") or "").strip() or None
    plan = plans.draw(db(), me, plan_id, seed)
    commit()
    flash(_("%(n)d entities drawn from %(c)d candidates.", n=len(plan.entries), c=plan.draw_info["candidates"]))
    return redirect(url_for("supervise.plan", plan_id=plan_id))


@bp.post("/plans/<int(max=2147483647):plan_id>/approve", endpoint="plan_approve")
@login_required
def plan_approve(plan_id):
    me = actor()
    _writable(me)
    plan = plans.approve(db(), me, plan_id)
    commit()
    flash(_("Plan approved and published: %(n)d joint inspections opened.", n=len(plan.entries)))
    return redirect(url_for("supervise.plan", plan_id=plan_id))
