"""Case page: the BPMN diagram with progress marks, the data so far, and the event history as a timeline."""
from __future__ import annotations

import re
from html import escape

from flask import Response, render_template
from sqlalchemy import select

from api.db import session as db
from api.web import banners, casefile, present
from api.web.blueprint import bp
from api.web.guard import actor, login_required
from api.web.i18n import current_language
from engine.archive.words import ROLES
from engine import cases, events
from engine.models import HumanTask, ProcessVersion
from engine.statuses import CaseState, EventType, TaskState



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


@bp.get("/cases/<int:case_id>", endpoint="case")
@login_required
def case_page(case_id):
    me = actor()
    case = cases.get_case(db(), me, case_id)
    history = events.history(db(), case.id)
    rows = list(db().scalars(select(HumanTask).where(HumanTask.case_id == case.id).order_by(HumanTask.created_at)))
    open_rows = [t for t in rows if t.state in TaskState.OPEN]
    version = db().get(ProcessVersion, case.process_version_id)
    may_upload = (case.state == CaseState.RUNNING and not me.read_only
                  and (case.unit_id in me.member_units or any(t.unit_id in me.member_units for t in open_rows)))
    return render_template("case.html", case=case, version=version, file=casefile.build(case),
                           open_tasks=open_rows, progress=progress(history, open_rows), present=present,
                           may_upload=may_upload, links=banners.links(case),
                           may_work={t.id: me.has_role(t.role, t.unit_id) for t in open_rows})


@bp.get("/cases/<int:case_id>/diagram.bpmn", endpoint="diagram")
@login_required
def diagram(case_id):
    case = cases.get_case(db(), actor(), case_id)
    version = db().get(ProcessVersion, case.process_version_id)
    return Response(lanes_in_words(version.bpmn_xml or ""), mimetype="application/xml")


_LANE = re.compile(r'(<(?:\w+:)?lane\b[^>]*?\bname=")([^"]*)(")')


def lanes_in_words(xml: str) -> str:
    """Lanes are named by the role that works in them ("squad_leader"); the diagram shows the role's name."""
    english = current_language() == "en"

    def word(match):
        role = match.group(2)
        if role not in ROLES:
            return match.group(0)
        text = role.replace("_", " ").capitalize() if english else ROLES[role]
        return match.group(1) + escape(text) + match.group(3)
    return _LANE.sub(word, xml)
