"""Notifications page: my deadline warnings, overdue alerts, 催办单 / 督办单 / 通报; mark read."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from api.db import commit, session as db
from api.web import present
from api.web.blueprint import bp
from api.web.guard import actor, login_required
from engine import clock
from engine.deadlines import notifications


@bp.get("/notifications", endpoint="notifications")
@login_required
def notifications_page():
    me = actor()
    items = notifications.inbox(db(), me.user_id, unread_only=request.args.get("unread") == "1", limit=100)
    return render_template("notifications.html", items=items, present=present,
                           unread=notifications.unread_count(db(), me.user_id))


@bp.post("/notifications/<int:notification_id>/read", endpoint="notification_read")
@login_required
def read(notification_id):
    note = notifications.mark_read(db(), actor().user_id, notification_id, clock.now())
    commit()
    if note.case_id and request.form.get("open") == "1":
        return redirect(url_for("web.case", case_id=note.case_id))
    lead_id = (note.data or {}).get("lead_id")
    if isinstance(lead_id, int) and request.form.get("open") == "1":   # a lead's 核查 clock (scope checked there)
        return redirect(url_for("intake.lead", lead_id=lead_id))
    return redirect(url_for("web.notifications"))


@bp.post("/notifications/read-all", endpoint="notifications_read_all")
@login_required
def read_all():
    notifications.mark_all_read(db(), actor().user_id, clock.now())
    commit()
    return redirect(url_for("web.notifications"))
