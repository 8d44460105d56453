"""一公开: the published random inspection plans, readable without signing in."""
from __future__ import annotations

from flask import render_template

from api.db import session as db
from api.web import present
from api.web.supervise import bp
from engine.entities import publication


@bp.get("/public/plans", endpoint="public_plans")
def public_plans():
    return render_template("supervise/public_plans.html", plans=publication.plans(db()), present=present)


@bp.get("/public/plans/<int(max=2147483647):plan_id>", endpoint="public_plan")
def public_plan(plan_id):
    plan, entries = publication.plan_with_results(db(), plan_id)
    return render_template("supervise/public_plan.html", plan=plan, entries=entries, present=present)
