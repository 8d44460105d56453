"""Heatmap on the procedure diagram: per BPMN element, how many cases passed and how long its tasks took.

Cases passing come from the event log (a completed task, a gateway decision, a decision table or a timer
names its element); durations from ``human_tasks`` (created → completed). Both for the cases handled by the
given units (or tasks done in them) in the period.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.models import Case, CaseEvent, HumanTask
from engine.performance.figures import bounds, seconds
from engine.statuses import EventType, TaskState

PASSING = (EventType.TASK_COMPLETED, EventType.GATEWAY_DECIDED, EventType.DECISION_EVALUATED,
           EventType.TIMER_FIRED)


def heatmap(session: Session, process_key: str, units: list[str], period_from: date, period_to: date) -> dict:
    start, end = bounds(period_from, period_to)
    passing = (select(CaseEvent.task_spec, func.count(func.distinct(CaseEvent.case_id)))
               .join(Case, Case.id == CaseEvent.case_id)
               .where(Case.process_key == process_key, Case.unit_id.in_(units), CaseEvent.type.in_(PASSING),
                      CaseEvent.at >= start, CaseEvent.at < end, CaseEvent.task_spec.is_not(None))
               .group_by(CaseEvent.task_spec))
    elements: dict[str, dict] = {}
    for spec, n in session.execute(passing):
        elements[spec] = {"element": spec, "cases": n, "tasks": 0, "avg_hours": None}
    secs = seconds(session, HumanTask.created_at, HumanTask.completed_at)
    durations = (select(HumanTask.task_spec, func.count(), func.avg(secs))
                 .join(Case, Case.id == HumanTask.case_id)
                 .where(HumanTask.process_key == process_key, HumanTask.state == TaskState.COMPLETED,
                        HumanTask.completed_at >= start, HumanTask.completed_at < end,
                        or_(Case.unit_id.in_(units), HumanTask.unit_id.in_(units)))
                 .group_by(HumanTask.task_spec))
    for spec, n, avg in session.execute(durations):
        row = elements.setdefault(spec, {"element": spec, "cases": 0, "tasks": 0, "avg_hours": None})
        row["tasks"] = n
        row["avg_hours"] = round(float(avg) / 3600, 2) if avg is not None else None
    started = session.scalar(select(func.count()).select_from(Case).where(
        Case.process_key == process_key, Case.unit_id.in_(units), Case.opened_at >= start, Case.opened_at < end))
    hottest = max((r["avg_hours"] or 0 for r in elements.values()), default=0)
    return {"process": process_key, "cases_started": started, "max_avg_hours": hottest,
            "elements": sorted(elements.values(), key=lambda r: r["element"])}
