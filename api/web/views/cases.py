"""Case page: the BPMN diagram with progress marks, the data so far, and the event history as a timeline."""
from __future__ import annotations

import json

from flask import Response, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from api.db import session as db
from api.web import present
from api.web.blueprint import bp
from api.web.guard import actor, login_required
from engine import cases, events
from engine.models import HumanTask, ProcessVersion
from engine.statuses import EventType, TaskState

EVENT_LABELS = {
    EventType.CASE_STARTED: _l("Case started"), EventType.TASK_READY: _l("Task ready"),
    EventType.TASK_CLAIMED: _l("Task claimed"), EventType.TASK_UNCLAIMED: _l("Task released"),
    EventType.TASK_ASSIGNED: _l("Task assigned"), EventType.TASK_COMPLETED: _l("Task completed"),
    EventType.TASK_CANCELLED: _l("Task cancelled"), EventType.GATEWAY_DECIDED: _l("Route decided"),
    EventType.DECISION_EVALUATED: _l("Decision table evaluated"), EventType.TIMER_FIRED: _l("Timer fired"),
    EventType.CASE_ENDED: _l("Case closed"),
}
HIDDEN_DATA = {"org", "spawn_cases"}


def progress(history, open_tasks) -> dict:
    """Element ids: completed (done tasks, decided gateways, fired timers, taken targets) and current."""
    done, current = set(), {t.task_spec for t in open_tasks}
    for ev in history:
        if ev.type in (EventType.TASK_COMPLETED, EventType.GATEWAY_DECIDED, EventType.TIMER_FIRED,
                       EventType.DECISION_EVALUATED) and ev.task_spec:
            done.add(ev.task_spec)
        if ev.type == EventType.GATEWAY_DECIDED:
            done.update(t for t in (ev.data or {}).get("taken") or [] if isinstance(t, str))
        if ev.type == EventType.TASK_READY and ev.task_spec and ev.task_spec not in current:
            done.add(ev.task_spec)  # was ready once and is no longer open: passed (or cancelled)
    return {"done": sorted(done - current), "current": sorted(current)}


def _value(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, indent=1)
    if value is True:
        return "✓"
    if value is False:
        return "✗"
    return "" if value is None else str(value)


@bp.get("/cases/<int:case_id>", endpoint="case")
@login_required
def case_page(case_id):
    me = actor()
    case = cases.get_case(db(), me, case_id)
    history = events.history(db(), case.id)
    rows = list(db().scalars(select(HumanTask).where(HumanTask.case_id == case.id).order_by(HumanTask.created_at)))
    open_rows = [t for t in rows if t.state in TaskState.OPEN]
    titles = {t.task_spec: t.title for t in rows}
    version = db().get(ProcessVersion, case.process_version_id)
    data = [(k, _value(v)) for k, v in sorted((case.data or {}).items()) if k not in HIDDEN_DATA]
    timeline = [{"event": ev, "label": EVENT_LABELS.get(ev.type, ev.type), "who": present.user_name(ev.actor_id),
                 "what": titles.get(ev.task_spec) or ev.task_spec or "",
                 "detail": _value((ev.data or {}).get("data")) if ev.type == EventType.TASK_COMPLETED else ""}
                for ev in history]
    return render_template("case.html", case=case, version=version, data=data, timeline=timeline,
                           open_tasks=open_rows, progress=progress(history, open_rows), present=present,
                           may_work={t.id: me.has_role(t.role, t.unit_id) for t in open_rows})


@bp.get("/cases/<int:case_id>/diagram.bpmn", endpoint="diagram")
@login_required
def diagram(case_id):
    case = cases.get_case(db(), actor(), case_id)
    version = db().get(ProcessVersion, case.process_version_id)
    return Response(version.bpmn_xml, mimetype="application/xml")
