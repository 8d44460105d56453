"""After a move: open tasks keep their id, assignee and claim; the plan decides whether their title, form,
templates and deadline follow the target version (a corrected deadline recomputes the clock and is recorded as
``clock_corrected``) or stay as they were (the task keeps its form version)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.deadlines import colours
from engine.deadlines.calendar import Calendar, local_date, parse_limit
from engine.deadlines.clocks import ACTIVE, RUNNING, close, compute
from engine.events import EventLog
from engine.models import Case, Clock, HumanTask, MigrationPlan, ProcessVersion
from engine.runtime import task_role, task_rules
from engine.statuses import EventType, TaskState


@dataclass
class SpecView:
    """An open task as the target defines it, read from the target's spec (no workflow restored)."""
    id: str
    spec: str
    title: str
    lane: str | None
    properties: dict


def open_rows(session: Session, case: Case) -> list[HumanTask]:
    return list(session.scalars(select(HumanTask).where(HumanTask.case_id == case.id,
                                                        HumanTask.state.in_(TaskState.OPEN))))


def _calendar(session: Session) -> Calendar:
    """Loaded once per session: a batch of moves shares it."""
    cal = session.info.get("zhifa.migration.calendar")
    if cal is None:
        cal = session.info["zhifa.migration.calendar"] = Calendar.load(session)
    return cal


def open_tasks(session: Session, case: Case, views: dict, plan: MigrationPlan,
               source: ProcessVersion, log: EventLog, now, rows: list[HumanTask] | None = None) -> list[dict]:
    """Bring the open task rows and their clocks in step with the target (``views``: task id → the task as the
    target defines it); returns the changes in words."""
    rows = open_rows(session, case) if rows is None else rows   # None: a moved workflow may have changed them
    active = list(session.scalars(select(Clock).where(Clock.case_id == case.id, Clock.state.in_(ACTIVE))))
    clocks = {c.task_id: c for c in active if c.kind == "task"}
    changes: list[dict] = []
    cal = None
    for row in rows:
        view = views.get(row.id)
        if view is None:
            continue
        if row.task_spec != view.spec:
            changes.append({"task": row.title, "what": "element", "before": row.task_spec, "after": view.spec})
            row.task_spec = view.spec     # the element's id on the target (a mapped element)
        if not plan.follow_target:
            row.form_version_id = row.form_version_id or source.id
            continue
        new_title, new_form = view.title, view.properties.get("formKey")
        for what, before, after in (("title", row.title, new_title), ("form", row.form_key, new_form),
                                    ("role", row.role, task_role(view))):
            if before != after:
                changes.append({"task": row.title, "what": what, "before": before, "after": after})
        row.title, row.form_key, row.role, row.rules = new_title, new_form, task_role(view), task_rules(view)
        row.form_version_id = None
        clk = clocks.get(row.id)
        if clk is not None:
            cal = cal or _calendar(session)
            change = _correct(session, case, clk, row, view, cal, log, now)
            if change:
                changes.append(change)
    case_clock = next((c for c in active if c.kind == "case"), None)
    case_change = _case_clock(session, case, case_clock, cal, log, now) if plan.follow_target else None
    if case_change:
        changes.append(case_change)
    return changes


def _correct(session, case, clk: Clock, row: HumanTask, view, cal, log, now) -> dict | None:
    props = view.properties
    today = local_date(now)
    if not props.get("deadline"):
        close(clk, cal, log, today, now, False)     # the target has no deadline on this step any more
        row.due_at = None
        return {"task": row.title, "what": "deadline", "before": f"{clk.limit_days}{clk.unit}", "after": None}
    limit = parse_limit(props["deadline"])
    label = props.get("deadlineLabel") or row.title
    if (clk.limit_days, clk.unit) == limit and clk.label == label:
        return None
    return _recompute(session, case, clk, limit, label, cal, log, today, now, row)


def _recompute(session, case, clk, limit, label, cal, log, today, now, row=None) -> dict:
    before = {"limit": f"{clk.limit_days}{clk.unit}", "due_on": clk.due_on.isoformat(), "label": clk.label}
    clk.limit_days, clk.unit = limit
    clk.label = label
    compute(clk, cal)
    if row is not None:
        row.due_at = clk.due_at
    after = {"limit": f"{clk.limit_days}{clk.unit}", "due_on": clk.due_on.isoformat(), "label": clk.label}
    log.append(EventType.CLOCK_CORRECTED, task_id=clk.task_id, task_spec=row.task_spec if row else None,
               data={"clock": clk.id, "kind": clk.kind, "label": clk.label, "before": before, "after": after,
                     "source": "migration"})
    if clk.state == RUNNING:
        colours.refresh(session, clk, case, log, cal, today, now)
    return {"task": row.title if row else clk.label, "what": "deadline", "before": before["limit"],
            "after": after["limit"], "due_before": before["due_on"], "due_after": after["due_on"]}


def _case_clock(session, case, clk, cal, log, now) -> dict | None:
    props = session.get(ProcessVersion, case.process_version_id).properties or {}
    if clk is None or not props.get("caseDeadline"):
        return None
    limit = parse_limit(props["caseDeadline"])
    label = props.get("caseDeadlineLabel") or clk.label
    if (clk.limit_days, clk.unit) == limit and clk.label == label:
        return None
    return _recompute(session, case, clk, limit, label, cal or _calendar(session), log, local_date(now), now)
