"""Human task transitions: claim, unclaim, assign, complete — each with its permission check.

Every transition locks the case row first, so concurrent commands on one case run one after the
other; the loser of a race finds the task already taken and gets :class:`Conflict`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.orm import Session, aliased, lazyload

from engine import budget, clock, documents, forms, rules, versions
from engine.cases import spawn_children, visible
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.events import EventLog
from engine.deadlines.calendar import local_today
from engine.models import Case, Clock, HumanTask, ProcessVersion, Timer, User
from engine.messages import role_zh, unit_zh
from engine.org import Actor, actor_for
from engine.runtime import Known, load_instance, open_tasks_and_last_event, save
from engine.statuses import EventType, Role, TaskState, TimerState

CO_OFFICER_FIELD = "co_officer"
_STATE_ZH = {TaskState.COMPLETED: "办结", TaskState.CANCELLED: "取消"}


def get_task(session: Session, actor: Actor, task_id: str) -> HumanTask:
    """A task the actor may see: in one of their units, or on a case in their scope."""
    task = session.scalar(select(HumanTask).join(Case, Case.id == HumanTask.case_id).where(
        HumanTask.id == task_id, (HumanTask.unit_id.in_(list(actor.visible_units))) | visible(actor)))
    if task is None:
        raise NotFound(f"task {task_id} not found", zh="任务不存在或不在您的办理范围内")
    return task


def _locked_statement():
    """Built once (building it per call cost more than running it); the actor's units are a bound list."""
    units = bindparam("units", expanding=True)
    other = aliased(HumanTask, name="other_task")
    visible_here = or_(HumanTask.unit_id.in_(units), Case.unit_id.in_(units),  # as get_task and cases.visible
                       exists().where(other.case_id == Case.id, other.unit_id.in_(units)).correlate(Case))
    # Subqueries, not joins: a read that waited for the lock re-evaluates them against the case row as the
    # lock holder left it (e.g. moved to another version by a migration); a joined row would stay the old one.
    content_hash = select(ProcessVersion.content_hash).where(ProcessVersion.id == Case.process_version_id)
    return (select(HumanTask, Case, content_hash.scalar_subquery(),
                   exists().where(Timer.case_id == Case.id, Timer.state == TimerState.WAITING),
                   exists().where(Clock.case_id == Case.id))
            .join(Case, Case.id == HumanTask.case_id)
            .where(HumanTask.id == bindparam("task_id"), visible_here)
            .with_for_update(of=[Case.__table__, HumanTask.__table__])
            .options(lazyload(Case.parties)).execution_options(populate_existing=True))


_LOCKED = _locked_statement()


def _locked(session: Session, actor: Actor, task_id: str) -> tuple[Case, HumanTask, Known]:
    """One read: the task (if the actor may see it) and its case, both locked (``FOR UPDATE OF cases,
    human_tasks``: cases first, as every other command locks), with what the step needs to know up front.

    Locking the task row as well matters on PostgreSQL: a read that waited for the lock gets the latest
    version of the locked rows only, so the task must be one of them (it replaces get, lock, refresh)."""
    row = session.execute(_LOCKED, {"task_id": task_id, "units": sorted(actor.visible_units)}).first()
    if row is None:
        raise NotFound(f"task {task_id} not found", zh="任务不存在或不在您的办理范围内")
    task, case, content_hash, timers_waiting, clocks_exist = row
    return case, task, Known(content_hash, bool(timers_waiting), bool(clocks_exist))


def _check_may_work(session: Session, actor: Actor, task: HumanTask, case: Case) -> None:
    if not actor.has_role(task.role, task.unit_id):
        raise _needs_role(session, task)
    _check_separation(session, actor.user_id, task, case)


def _needs_role(session: Session, task: HumanTask) -> Forbidden:
    return Forbidden(f"task '{task.title}' needs the role {task.role} in unit {task.unit_id}",
                     zh=f"“{task.title}”须由{unit_zh(session, task.unit_id)}的{role_zh(task.role)}办理")


def _check_separation(session: Session, user_id: int, task: HumanTask, case: Case) -> None:
    if (task.rules or {}).get("notInvestigator") and user_id in (case.data.get("investigators") or []):
        raise Forbidden(f"'{task.title}' may not be done by an investigator of this case",
                        zh=f"本案调查人员不得办理“{task.title}”（查审分离）")


def _check_open(task: HumanTask) -> None:
    if task.state not in TaskState.OPEN:
        raise Conflict(f"task '{task.title}' is already {task.state}",
                       zh=f"“{task.title}”已{_STATE_ZH.get(task.state, task.state)}，请刷新")


def claim(session: Session, actor: Actor, task_id: str) -> HumanTask:
    case, task, _known = _locked(session, actor, task_id)
    _check_open(task)
    if task.state == TaskState.CLAIMED:
        if task.assignee_id == actor.user_id:
            return task
        raise Conflict(f"task '{task.title}' is already claimed by someone else",
                       zh=f"“{task.title}”已由他人签收")
    _check_may_work(session, actor, task, case)
    task.state, task.assignee_id, task.claimed_at = TaskState.CLAIMED, actor.user_id, clock.now()
    EventLog(session, case).append(EventType.TASK_CLAIMED, actor_id=actor.user_id, task_id=task.id,
                                   task_spec=task.task_spec)
    return task


def unclaim(session: Session, actor: Actor, task_id: str) -> HumanTask:
    case, task, _known = _locked(session, actor, task_id)
    _check_open(task)
    if task.state != TaskState.CLAIMED:
        raise Conflict(f"task '{task.title}' is not claimed", zh=f"“{task.title}”尚未签收")
    leader = actor.has_role(Role.SQUAD_LEADER, task.unit_id)
    if task.assignee_id != actor.user_id and not leader:
        raise Forbidden("only the assignee or the unit's squad leader can release a task",
                        zh="只有承办人或本单位中队长可以退回任务")
    previous = task.assignee_id
    task.state, task.assignee_id, task.claimed_at = TaskState.READY, None, None
    EventLog(session, case).append(EventType.TASK_UNCLAIMED, actor_id=actor.user_id, task_id=task.id,
                                   task_spec=task.task_spec, data={"previous_assignee": previous})
    return task


def assign(session: Session, actor: Actor, task_id: str, assignee_id: int | None) -> HumanTask:
    """A squad leader gives a task to a user who holds the task's role in the task's unit.

    The task and the actor's right to assign it are checked before the assignee (``None``: no such user), so
    the answer never tells an outsider whether a username exists."""
    case, task, _known = _locked(session, actor, task_id)
    _check_open(task)
    if not actor.has_role(Role.SQUAD_LEADER, task.unit_id):
        raise Forbidden(f"assigning tasks needs the squad_leader role in unit {task.unit_id}",
                        zh=f"指派任务须由{unit_zh(session, task.unit_id)}的中队长办理")
    user = session.get(User, assignee_id) if assignee_id is not None else None
    if user is None or not user.active:
        raise ValidationFailed("unknown assignee", {"assignee_id": ["no such user"]}, zh="指派对象不存在",
                               errors_zh={"assignee_id": ["没有这个用户"]})
    if not actor_for(session, user).has_role(task.role, task.unit_id):
        where = f"{unit_zh(session, task.unit_id)}的{role_zh(task.role)}"
        raise ValidationFailed("assignee lacks the task's role",
                               {"assignee_id": [f"{user.username} is not {task.role} in {task.unit_id}"]},
                               zh=f"{user.display_name or user.username}不是{where}，不能指派",
                               errors_zh={"assignee_id": [f"不是{where}"]})
    _check_separation(session, user.id, task, case)
    task.state, task.assignee_id, task.claimed_at = TaskState.CLAIMED, user.id, clock.now()
    EventLog(session, case).append(EventType.TASK_ASSIGNED, actor_id=actor.user_id, task_id=task.id,
                                   task_spec=task.task_spec, data={"assignee": user.id})
    return task


@dataclass
class Completed:
    """What completing a task did: the case after the step and its open tasks (oldest first)."""

    case: Case
    task: HumanTask
    next_tasks: list[HumanTask]


def complete(session: Session, actor: Actor, task_id: str, data: dict,
             expected_case_version: int | None = None) -> list[HumanTask]:
    """Validate ``data`` against the task's form, complete it, run the engine, persist.

    Returns the case's open tasks after the step, so a client can continue without another query.
    """
    return complete_step(session, actor, task_id, data, expected_case_version).next_tasks


@budget.metered
def complete_step(session: Session, actor: Actor, task_id: str, data: dict,
                  expected_case_version: int | None = None) -> Completed:
    """:func:`complete`, answering with the case too (the API answers from it without reading again)."""
    case, task, known = _locked(session, actor, task_id)
    _check_open(task)
    if task.state == TaskState.CLAIMED and task.assignee_id != actor.user_id:
        raise Conflict(f"task '{task.title}' is claimed by someone else", zh=f"“{task.title}”已由他人签收")
    if expected_case_version is not None and expected_case_version != case.version:
        raise Conflict(f"case {case.number} changed (version {case.version}, you had {expected_case_version})",
                       zh=f"案件 {case.number} 已被他人更新，请刷新后重新提交")
    instance = load_instance(session, case, known)
    props = next((v.properties for v in instance.ready_user_tasks() if v.id == task.id), None)
    if props is None:
        raise Conflict(f"task '{task.title}' is no longer ready in the workflow",
                       zh=f"“{task.title}”已不在待办环节，请刷新")
    if not actor.has_role(task.role, task.unit_id):
        raise _needs_role(session, task)
    _check_separation(session, actor.user_id, task, case)
    facts = versions.facts(session, case.process_version_id, known.content_hash)
    # the form as the case's version deployed it (or the task's own, kept across a migration: engine/migration)
    form_facts = facts if task.form_version_id in (None, facts.id) else versions.facts(session, task.form_version_id)
    form = versions.form_of(session, form_facts, task.form_key)
    clean = forms.validate_submission(task.form_key, data, form=form)
    if props.get("twoOfficers") == "true":
        clean["investigators"] = _investigators(session, actor, task, case, clean)
    elif props.get("investigatorStep") == "true":  # 立案呈批, 调查终结报告: whoever does it investigated
        known_ids = list(case.data.get("investigators") or [])
        clean["investigators"] = known_ids + ([actor.user_id] if actor.user_id not in known_ids else [])
    _check_rules(session, task, props, case, clean, form, facts.declares_deadlines)

    now = clock.now()
    open_rows, last_event = open_tasks_and_last_event(session, case)  # nothing was written yet: one round trip
    log = EventLog(session, case, last=last_event)
    if task.state == TaskState.READY:
        log.append(EventType.TASK_CLAIMED, actor_id=actor.user_id, task_id=task.id, task_spec=task.task_spec)
    instance.complete(task.id, clean)
    task.state, task.assignee_id = TaskState.COMPLETED, actor.user_id
    task.claimed_at = task.claimed_at or now
    task.completed_at, task.completed_by = now, actor.user_id
    log.append(EventType.TASK_COMPLETED, actor_id=actor.user_id, task_id=task.id, task_spec=task.task_spec,
               data={"data": clean})
    records = instance.run()
    new = save(session, case, instance, log, records, actor_id=actor.user_id, completed_task_id=task.id,
               known=known, open_rows=open_rows)
    spawn_children(session, case, case.data)
    documents.issue_for_step(session, case, task, props, clean, actor.user_id)
    return Completed(case, task, sorted(new.open_after.values(), key=_created))


def _created(task: HumanTask):
    at = task.created_at
    return at if at is None or at.tzinfo else at.replace(tzinfo=timezone.utc)  # SQLite gives naive UTC back


def _check_rules(session: Session, task: HumanTask, props: dict, case: Case, clean: dict, form: dict | None,
                 deadlines: bool = True) -> None:
    """The form's own rules and the statutory rules declared on the BPMN task (engine/rules.py).

    ``deadlines=False``: the case's version declares none, so the task has no clock to read."""
    today = local_today()
    rules.check_form(form, clean, today)
    due = session.scalar(select(Clock.due_on).where(Clock.task_id == task.id, Clock.kind == "task")) \
        if deadlines else None
    rules.check(rules.Context(session, today, due), props, case.data, clean)
    if props.get("dueDateVar") and due is not None:  # e.g. the payment period's last day, for the surcharge
        clean[props["dueDateVar"]] = due.isoformat()


def _investigators(session: Session, actor: Actor, task: HumanTask, case: Case, clean: dict) -> list[int]:
    """Investigation steps need two certified officers of the unit: the actor and ``co_officer``."""
    co_name = clean.get(CO_OFFICER_FIELD)
    co = session.scalar(select(User).where(User.username == co_name)) if isinstance(co_name, str) else None
    if co is None or not co.active:
        raise ValidationFailed("a second officer is required", {CO_OFFICER_FIELD: ["unknown officer"]},
                               zh="须有第二名执法人员", errors_zh={CO_OFFICER_FIELD: ["没有这名执法人员"]})
    if co.id == actor.user_id:
        raise ValidationFailed("a second officer is required",
                               {CO_OFFICER_FIELD: ["must be another officer than yourself"]},
                               zh="须有第二名执法人员", errors_zh={CO_OFFICER_FIELD: ["须为本人以外的另一名执法人员"]})
    if not actor_for(session, co).has_role(Role.OFFICER, task.unit_id):
        raise ValidationFailed("a second officer is required",
                               {CO_OFFICER_FIELD: [f"{co_name} is not an officer of {task.unit_id}"]},
                               zh="须有第二名执法人员",
                               errors_zh={CO_OFFICER_FIELD: [f"{co.display_name or co_name}不是{unit_zh(session, task.unit_id)}的执法队员"]})
    known = list(case.data.get("investigators") or [])
    for uid in (actor.user_id, co.id):
        if uid not in known:
            known.append(uid)
    return known
