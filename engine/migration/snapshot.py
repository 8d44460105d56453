"""What a case was before a move (workflow, data, open tasks, clocks, waiting timers), and putting it back."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.errors import Conflict
from engine.models import Case, Clock, HumanTask, Timer
from engine.statuses import TimerState


def _row(obj) -> dict:
    out = {}
    for col in obj.__table__.columns:
        value = getattr(obj, col.key)
        out[col.key] = value.isoformat() if isinstance(value, (date, datetime)) else value
    return out


def _restore(obj, values: dict) -> None:
    for col in obj.__table__.columns:
        if col.key not in values or col.primary_key:
            continue
        value = values[col.key]
        if value is not None and isinstance(col.type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(col.type, Date):
            value = date.fromisoformat(value)
        setattr(obj, col.key, value)


def take(session: Session, case: Case, tasks: list[HumanTask], workflow: bool = True) -> dict:
    """``tasks``: the case's open task rows (already loaded by the caller). ``workflow=False``: the move keeps the
    stored workflow and data as they are (deadlines and labels only), so they need no copy."""
    clocks = session.scalars(select(Clock).where(Clock.case_id == case.id))
    timers = session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.state == TimerState.WAITING))
    return {"workflow_state": case.workflow_state if workflow else None, "data": case.data if workflow else None,
            "state": case.state,
            "process_version_id": case.process_version_id,
            "tasks": [_row(t) for t in tasks], "clocks": [_row(c) for c in clocks], "timers": [_row(t) for t in timers],
            "created_tasks": []}


def put_back(session: Session, case: Case, snap: dict) -> None:
    """Restore the case as ``snap`` recorded it (compare-and-set on the case row, like every step)."""
    values = {"state": snap["state"], "process_version_id": snap["process_version_id"], "version": case.version + 1}
    if snap["workflow_state"] is not None:   # None: the move kept the workflow as it was
        values.update(workflow_state=snap["workflow_state"], data=snap["data"])
    result = session.execute(update(Case).where(Case.id == case.id, Case.version == case.version)
                             .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(f"case {case.number} was changed by someone else; reload and try again",
                       zh=f"案件 {case.number} 已被他人修改，请刷新后重试")
    for key, value in values.items():
        set_committed_value(case, key, value)
    clock_ids = {c["id"] for c in snap["clocks"]}
    task_ids = {t["id"] for t in snap["tasks"]}
    created = [t for t in snap.get("created_tasks") or [] if t not in task_ids]
    session.flush()
    session.execute(delete(Clock).where(Clock.case_id == case.id, Clock.id.not_in(clock_ids or {-1}))
                    .execution_options(synchronize_session=False))
    if created:
        session.execute(delete(HumanTask).where(HumanTask.id.in_(created))
                        .execution_options(synchronize_session=False))
    for values in snap["tasks"]:
        row = session.get(HumanTask, values["id"])
        if row is not None:
            _restore(row, values)
    for values in snap["clocks"]:
        row = session.get(Clock, values["id"])
        if row is not None:
            _restore(row, values)
    timer_ids = {t["id"] for t in snap["timers"]}
    for row in session.scalars(select(Timer).where(Timer.case_id == case.id)):
        if row.id in timer_ids:
            _restore(row, next(t for t in snap["timers"] if t["id"] == row.id))
        elif row.state == TimerState.WAITING:
            session.delete(row)
