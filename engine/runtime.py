"""Loading a case's workflow, and writing it back with its read models in step (same transaction).

``save`` is the only writer of ``cases.workflow_state``: it bumps ``version`` with compare-and-set,
mirrors ready user tasks into ``human_tasks``, waiting timers into ``timers``, and appends events.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine import bpmn, clock
from engine.deploy import specs_for
from engine.deadlines.clocks import sync_clocks
from engine.entities import colours as entity_colours
from engine.errors import Conflict, NotFound, WorkflowFailed
from engine.events import EventLog
from engine.models import Case, HumanTask, ProcessVersion, Timer
from engine.statuses import CaseState, EventType, TaskState, TimerState


def lock_case(session: Session, case_id: int) -> Case:
    """Load the case row FOR UPDATE: commands on one case run one after another."""
    case = session.scalar(select(Case).where(Case.id == case_id).with_for_update())
    if case is None:
        raise NotFound(f"case {case_id} not found", zh="案件不存在")
    return case


def load_instance(session: Session, case: Case) -> bpmn.Instance:
    version = session.get(ProcessVersion, case.process_version_id)
    return bpmn.Instance.load(specs_for(version), case.workflow_state)


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
         actor_id: int | None = None, completed_task_id: str | None = None) -> list[HumanTask]:
    """Persist the workflow (compare-and-set) and bring tasks, timers and events in step.

    Returns the human tasks that became ready in this step.
    """
    now = clock.now()
    for rec in records:
        if rec.kind == "gateway":
            log.append(EventType.GATEWAY_DECIDED, task_id=rec.task_id, task_spec=rec.spec, data=rec.data)
        elif rec.kind == "decision":
            log.append(EventType.DECISION_EVALUATED, task_id=rec.task_id, task_spec=rec.spec, data=rec.data)
        elif rec.kind == "timer":
            log.append(EventType.TIMER_FIRED, task_id=rec.task_id, task_spec=rec.spec)
    new_tasks = _sync_tasks(session, case, instance, log, now, completed_task_id)
    _sync_timers(session, case, instance, now)

    state = instance.dump()
    data = instance.data
    values = {"workflow_state": state, "data": data, "version": case.version + 1}
    if instance.completed and case.state == CaseState.RUNNING:
        values.update(state=CaseState.COMPLETED, closed_at=now)
    result = session.execute(update(Case).where(Case.id == case.id, Case.version == case.version)
                             .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(f"case {case.number} was changed by someone else; reload and try again",
                       zh=f"案件 {case.number} 已被他人更新，请刷新后重试")
    for key, value in values.items():
        set_committed_value(case, key, value)  # already written above; setattr would UPDATE the row again
    sync_clocks(session, case, instance, log, now)  # statutory deadlines follow tasks and case (engine/deadlines)
    ended = values.get("state") == CaseState.COMPLETED
    if ended:
        log.append(EventType.CASE_ENDED, data={"data": data})
    entity_colours.after_step(session, case, completed_task_id, ended)  # 三色赋码 (engine/entities/colours)
    return new_tasks


def _sync_tasks(session: Session, case: Case, instance: bpmn.Instance, log: EventLog, now,
                completed_task_id: str | None) -> list[HumanTask]:
    ready = {t.id: t for t in instance.ready_user_tasks()}
    open_rows = {t.id: t for t in session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.state.in_(TaskState.OPEN)))}
    for task_id, row in open_rows.items():
        if task_id in ready or task_id == completed_task_id:
            continue
        row.state = TaskState.CANCELLED  # interrupted by a boundary event, cancel, or a terminating end
        row.completed_at = now
        log.append(EventType.TASK_CANCELLED, task_id=task_id, task_spec=row.task_spec)
    created = []
    for task_id, view in ready.items():
        if task_id in open_rows:
            continue
        row = HumanTask(
            id=task_id, case_id=case.id, process_key=case.process_key, task_spec=view.spec, title=view.title,
            role=task_role(view), unit_id=task_unit(instance, view, case), form_key=view.properties.get("formKey"),
            state=TaskState.READY, context=_task_context(view), rules=task_rules(view), created_at=now)
        session.add(row)
        created.append(row)
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
