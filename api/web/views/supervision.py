"""Supervision (督办): the clocks' own colours per unit (the same figures as /api/v1/supervision/summary), the
red and yellow clocks in scope, and the actions: 催办单 / 督办单 (supervisors), pause / resume / extend with a
reason (squad leaders, deputies, heads of the clock's unit)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from api.db import commit, session as db
from api.web import present
from api.web.blueprint import bp
from api.web.guard import actor, login_required
from engine.deadlines import supervision
from engine.errors import ValidationFailed
from engine.intake import clocks as lead_clocks
from engine.models import Case
from engine.statuses import Role

PAUSERS = (Role.SQUAD_LEADER, Role.DEPUTY_HEAD, Role.AGENCY_HEAD)
EXTENDERS = (Role.DEPUTY_HEAD, Role.AGENCY_HEAD)


@bp.get("/supervision", endpoint="supervision")
@login_required
def supervision_page():
    me = actor()
    summary = lead_clocks.summary(db(), me)   # case and task clocks, and leads' 核查 clocks
    unit = request.args.get("unit") or None
    if unit not in me.visible_units:
        unit = None
    clocks = lead_clocks.board(db(), me, ("red", "yellow"), unit, 300)
    cases = {c.id: c for c in db().scalars(select(Case).where(
        Case.id.in_({c["case_id"] for c in clocks if c["case_id"]})))}
    supervisor = bool(me.units_with(Role.SUPERVISOR))
    rows = []
    for clk in clocks:
        u = clk["unit_id"]
        lead = clk["kind"] == "lead"
        rows.append({"clock": clk, "case": cases.get(clk["case_id"]),
                     "may_issue": supervisor and u in me.visible_units and not me.read_only,
                     "may_urge": lead and not me.read_only and any(me.has_role(r, u) for r in EXTENDERS),
                     "may_pause": not lead and any(me.has_role(r, u) for r in PAUSERS),
                     "may_extend": not lead and any(me.has_role(r, u) for r in EXTENDERS)})
    totals = {c: sum(r[c] for r in summary) for c in ("green", "yellow", "red")}
    return render_template("supervision.html", summary=summary, totals=totals, rows=rows, unit=unit,
                           present=present)


@bp.post("/supervision/clocks/<int:clock_id>/<action>", endpoint="clock_action")
@login_required
def clock_action(clock_id, action):
    me, form = actor(), request.form
    reason = (form.get("reason") or "").strip()
    if action in ("pause", "extend") and not reason:
        raise ValidationFailed("a reason is required", {"reason": ["required"]},
                               zh="请填写理由", errors_zh={"reason": ["必填"]})
    if action == "pause":
        supervision.pause(db(), me, clock_id, reason)
        message = _("The time limit is paused.")
    elif action == "resume":
        supervision.resume(db(), me, clock_id)
        message = _("The time limit runs again.")
    elif action == "extend":
        days = form.get("days", "")
        if not days.isdigit() or not 1 <= int(days) <= 365:
            raise ValidationFailed("days must be 1-365", {"days": ["1-365"]},
                                   zh="延长天数应为 1 至 365", errors_zh={"days": ["1 至 365"]})
        supervision.extend(db(), me, clock_id, int(days), reason)
        message = _("The time limit is extended.")
    elif action in ("urge", "supervise"):
        supervision.issue(db(), me, clock_id, action, reason or None, None)
        message = _("The urging notice was issued.") if action == "urge" else _("The supervision notice was issued.")
    else:
        return redirect(url_for("web.supervision"))
    commit()
    flash(message)
    return redirect(url_for("web.supervision", unit=form.get("unit") or None))
