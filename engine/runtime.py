"""Loading a case's workflow, and writing it back with its read models in step (same transaction).

``save`` is the only writer of ``cases.workflow_state``: it bumps ``version`` with compare-and-set,
mirrors ready user tasks into ``human_tasks``, waiting timers into ``timers``, and appends events.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine import bpmn, clock, stepwrite, versions
from engine.deadlines.clocks import sync_clocks
from engine.entities import colours as entity_colours
from engine.errors import Conflict, NotFound, WorkflowFailed
from engine.events import EventLog, last_event_columns
from engine.models import Case, HumanTask, Timer
from engine.statuses import CaseState, EventType, TaskState, TimerState


def lock_case(session: Session, case_id: int) -> Case:
    """Load the case row FOR UPDATE: commands on one case run one after another."""
    case = session.scalar(select(Case).where(Case.id == case_id).with_for_update())
    if case is None:
        raise NotFound(f"case {case_id} not found", zh="案件不存在")
    return case


@dataclass(frozen=True)
class Known:
    """What a command's locking read brought along with the case row (engine/tasks.py ``_locked``), so the step
    need not ask again: the version's content hash, and whether the case had waiting timers or any clock."""

    content_hash: str | None  # None: the version is looked up (engine.versions.facts)
    timers_waiting: bool
    clocks_exist: bool


class NewTasks(list):
    """The human tasks that became ready in a step; ``open_after`` holds every open task of the case after it."""

    open_after: dict[str, HumanTask]


def load_instance(session: Session, case: Case, known: Known | None = None) -> bpmn.Instance:
    facts = versions.facts(session, case.process_version_id, known.content_hash if known else None)
    return bpmn.Instance.load(facts.specs, case.workflow_state)


def task_unit(instance: bpmn.Instance, task: bpmn.UserTaskView, case: Case) -> str:
    expr = task.properties.get("unit")
    if expr:
        try:
            unit = instance.evaluate(task.id, expr)
        except Exception as exc:
            raise WorkflowFailed(f"unit expression {expr!r} of {task.spec} failed: {exc}",
                                 zh=f"流程环节 {task.spec} 的承办单位表达式 {expr} 计算失败：{exc}") from None
        if not isinstance(unit, str) or not unit:
            raise WorkflowFailed(f"unit expression {expr!r} of {task.spec} gave {unit!r}, not a unit id",
                                 zh=f"流程环节 {task.spec} 的承办单位表达式 {expr} 没有得出单位（得到 {unit!r}）")
        return unit
    return task.data.get("handling_unit") or case.unit_id


def task_role(task: bpmn.UserTaskView) -> str:
    role = task.properties.get("role") or task.lane
    if not role:
        raise WorkflowFailed(f"user task {task.spec} has no lane or role property",
                             zh=f"流程环节 {task.spec} 没有指定泳道或角色，无法分派")
    return role


def save(session: Session, case: Case, instance: bpmn.Instance, log: EventLog, records: list[bpmn.StepRecord],
         actor_id: int | None = None, completed_task_id: str | None = None, known: Known | None = None,
         open_rows: dict[str, HumanTask] | None = None) -> NewTasks:
    """Persist the workflow (compare-and-set) and bring tasks, timers and events in step.

    Returns the human tasks that became ready in this step (``.open_after``: all open tasks after it). With
    ``known`` (from the command's locking read) the timer rows are read only when the case had waiting timers
    or now waits on one, and the clocks only when the case had clocks or its version declares deadlines.
    ``open_rows``: the case's open task rows as read under the lock (:func:`open_tasks_and_last_event`).
    """
    now = clock.now()
    facts = versions.facts(session, case.process_version_id, known.content_hash if known else None)
    for rec in records:
        if rec.kind == "gateway":
            log.append(EventType.GATEWAY_DECIDED, task_id=rec.task_id, task_spec=rec.spec, data=rec.data)
        elif rec.kind == "decision":
            log.append(EventType.DECISION_EVALUATED, task_id=rec.task_id, task_spec=rec.spec, data=rec.data)
        elif rec.kind == "timer":
            log.append(EventType.TIMER_FIRED, task_id=rec.task_id, task_spec=rec.spec)
    new_tasks = _sync_tasks(session, case, instance, log, now, completed_task_id, open_rows)
    if known is None or known.timers_waiting or (facts.has_timers and instance.waiting_timers()):
        _sync_timers(session, case, instance, now)

    state = instance.dump()
    data = instance.data
    values = {"workflow_state": state, "data": data, "version": case.version + 1}
    if instance.completed and case.state == CaseState.RUNNING:
        values.update(state=CaseState.COMPLETED, closed_at=now)
    if not stepwrite.write(session, case, values):  # events, task rows and this UPDATE: one round trip
        raise Conflict(f"case {case.number} was changed by someone else; reload and try again",
                       zh=f"案件 {case.number} 已被他人更新，请刷新后重试")
    for key, value in values.items():
        set_committed_value(case, key, value)  # already written above; setattr would UPDATE the row again
    # statutory deadlines follow tasks and case (engine/deadlines)
    sync_clocks(session, case, instance, log, now, facts=facts, open_tasks=new_tasks.open_after,
                clocks_exist=known.clocks_exist if known else None)
    ended = values.get("state") == CaseState.COMPLETED
    if ended:
        log.append(EventType.CASE_ENDED, data={"data": data})
    entity_colours.after_step(session, case, completed_task_id, ended)  # 三色赋码 (engine/entities/colours)
    return new_tasks


_OPEN_TASKS = select(HumanTask).where(HumanTask.case_id == bindparam("case_id"), HumanTask.state.in_(TaskState.OPEN))
_OPEN_TASKS_AND_LAST_EVENT = _OPEN_TASKS.add_columns(*last_event_columns())


def open_tasks_and_last_event(session: Session, case: Case) -> tuple[dict[str, HumanTask], tuple | None]:
    """Under the case lock, one round trip: the case's open task rows and its last event's (seq, hash) — what
    a step's ``EventLog`` and ``save`` would otherwise read one after the other. (None for the event when the
    case has no open task: then the log reads it itself.)"""
    rows = session.execute(_OPEN_TASKS_AND_LAST_EVENT, {"case_id": case.id}).all()
    return {task.id: task for task, _seq, _hash in rows}, ((rows[0][1], rows[0][2]) if rows else None)


def _sync_tasks(session: Session, case: Case, instance: bpmn.Instance, log: EventLog, now,
                completed_task_id: str | None, open_rows: dict[str, HumanTask] | None = None) -> NewTasks:
    ready = {t.id: t for t in instance.ready_user_tasks()}
    if open_rows is None:
        with session.no_autoflush:  # the step's changes go out in one flush, with the case row's UPDATE
            open_rows = {t.id: t for t in session.scalars(_OPEN_TASKS, {"case_id": case.id})}
    for task_id, row in open_rows.items():
        if task_id in ready or task_id == completed_task_id:
            continue
        row.state = TaskState.CANCELLED  # interrupted by a boundary event, cancel, or a terminating end
        row.completed_at = now
        log.append(EventType.TASK_CANCELLED, task_id=task_id, task_spec=row.task_spec)
    created = NewTasks()
    created.open_after = {task_id: row for task_id, row in open_rows.items()
                          if task_id in ready and task_id != completed_task_id and row.state in TaskState.OPEN}
    for task_id, view in ready.items():
        if task_id in open_rows:
            continue
        unit = task_unit(instance, view, case)
        row = HumanTask(
            id=task_id, case_id=case.id, process_key=case.process_key, task_spec=view.spec, title=view.title,
            role=task_role(view), unit_id=unit, form_key=view.properties.get("formKey"), state=TaskState.READY,
            context=_task_context(view), rules=task_rules(view), created_at=now, other_unit=unit != case.unit_id)
        session.add(row)
        created.append(row)
        created.open_after[task_id] = row
        log.append(EventType.TASK_READY, task_id=task_id, task_spec=view.spec,
                   data={"role": row.role, "unit": row.unit_id, "context": row.context})
    return created


RULE_PROPERTIES = ("notInvestigator", "twoOfficers")


def task_rules(view: bpmn.UserTaskView) -> dict:
    """The task's permission rules from its BPMN properties, kept on the row so checks need no workflow load."""
    return {name: True for name in RULE_PROPERTIES if view.properties.get(name) == "true"}


def _task_context(view: bpmn.UserTaskView) -> dict:
    ctx = {}
    if view.multi_instance_item is not None:
        ctx["item"] = view.multi_instance_item
    for name in filter(None, (n.strip() for n in view.properties.get("context", "").split(","))):
        if name in view.data:
            ctx[name] = view.data[name]
    return bpmn.json_safe(ctx)


def _sync_timers(session: Session, case: Case, instance: bpmn.Instance, now) -> None:
    waiting = {t.id: t for t in instance.waiting_timers()}
    rows = {t.id: t for t in session.scalars(select(Timer).where(
        Timer.case_id == case.id, Timer.state == TimerState.WAITING))}
    for timer_id, row in rows.items():
        if timer_id not in waiting:
            row.state = TimerState.FIRED if row.due_at is not None and _aware(row.due_at) <= now \
                else TimerState.CANCELLED
            row.fired_at = now
    for timer_id, view in waiting.items():
        if timer_id in rows:
            rows[timer_id].due_at = view.due_at
        else:
            session.add(Timer(id=timer_id, case_id=case.id, task_spec=view.spec, due_at=view.due_at,
                              state=TimerState.WAITING))


def _aware(dt):
    from datetime import timezone
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
