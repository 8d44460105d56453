"""Clocks on cases and tasks: start them from BPMN properties, keep them in step, pause, resume, extend.

BPMN conventions (spiffworkflow:properties):
- user task: ``deadline`` = ``<N>wd`` | ``<N>d``, ``deadlineLabel``, optional ``deadlineFrom`` (a date variable
  in the task data; default: the day the task becomes ready); ``pausesCaseClock="true"`` pauses the case clock
  while the task is open (hearing, public notice, lab testing).
- process: ``caseDeadline``, ``caseDeadlineLabel``, optional ``caseDeadlineFrom`` (the clock starts when that
  date variable appears, e.g. ``filed_on``), ``caseDeadlineUntil`` (a variable whose appearance stops it, e.g.
  ``decided_on``; default: the case ends), ``caseDeadlineExtensionFrom`` (a variable holding the days of
  extension approved inside the process, e.g. 30 after the head's approval task).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from engine import dates, clock as wall
from engine.deadlines import colours, periods
from engine.deadlines.calendar import Calendar, day_end, local_date, parse_limit
from engine.errors import ValidationFailed, WorkflowFailed
from engine.events import EventLog
from engine.models import Case, Clock, HumanTask
from engine.statuses import CaseState, EventType, TaskState

RUNNING, PAUSED, MET, OVERDUE, STOPPED = "running", "paused", "met", "overdue", "stopped"
ACTIVE = (RUNNING, PAUSED)


# ---------------------------------------------------------------- computing

def compute(clk: Clock, cal: Calendar) -> None:
    """Derive due_on, due_at, yellow_on and the estimated flag from limit, extensions and pauses."""
    cfg = cal.cfg
    allowed = clk.limit_days + (clk.extension_days or 0) + (clk.process_extension_days or 0)
    due = cal.add(clk.started_on, allowed + (clk.paused_units or 0), clk.unit)
    clk.due_on, clk.due_at = due, day_end(due, cfg)
    clk.yellow_on = _yellow_on(clk, cal, due, allowed)
    clk.estimated = any(not cal.knows(y) for y in range(clk.started_on.year, due.year + 1))


def _yellow_on(clk: Clock, cal: Calendar, due: date, allowed: int) -> date:
    """First day on which ≤ share of the limit or ≤ N working days remain (remaining is monotone in time)."""
    share, floor = cal.cfg.yellow_share * allowed, cal.cfg.yellow_workdays
    day, rem_wd = due, 0
    while day > clk.started_on:
        prev = day - timedelta(days=1)
        rem_wd_prev = rem_wd + (1 if cal.is_workday(day) else 0)
        rem_units = rem_wd_prev if clk.unit == "wd" else (due - prev).days
        if not (rem_units <= share or rem_wd_prev <= floor):
            break
        day, rem_wd = prev, rem_wd_prev
    return day


def remaining_workdays(clk: Clock, cal: Calendar, today: date) -> int:
    """Working days left after today up to the due day; negative: working days overdue."""
    return cal.workdays_between(today, clk.due_on)


def _describe(clk: Clock) -> dict:
    return {"clock": clk.id, "kind": clk.kind, "label": clk.label, "limit": f"{clk.limit_days}{clk.unit}",
            "started_on": clk.started_on.isoformat(), "due_on": clk.due_on.isoformat(), "state": clk.state,
            "estimated": clk.estimated}


# ---------------------------------------------------------------- engine hook

def sync_clocks(session: Session, case: Case, instance, log: EventLog, now: datetime | None = None, *,
                facts=None, open_tasks: dict | None = None, clocks_exist: bool | None = None) -> None:
    """Called by ``engine.runtime.save`` after the case row is written: start clocks of new tasks and of the
    case, stop clocks whose task or case ended, follow pause/extension declared in the process.

    ``save`` passes what it knows: the version's facts (``engine.versions``), the case's open tasks after the
    step, and ``clocks_exist=False`` when the case had no clock when it was locked — then a version declaring
    no deadlines has nothing to do here and nothing is read."""
    from engine import versions  # the runtime imports this module
    facts = facts or versions.facts(session, case.process_version_id)
    if clocks_exist is False and not facts.declares_deadlines:
        return
    now = now or wall.now()
    today = local_date(now)
    props = facts.properties
    if open_tasks is None:
        open_tasks = {t.id: t for t in session.scalars(select(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.state.in_(TaskState.OPEN)))}
    clocks = list(session.scalars(select(Clock).where(Clock.case_id == case.id)))
    declared = bool(props.get("caseDeadline")) or bool(periods.declared(props))
    if not clocks and not declared and not open_tasks:
        return
    views = {v.id: v for v in instance.ready_user_tasks()} if open_tasks else {}
    if not clocks and not declared and not any(v.properties.get("deadline") for v in views.values()):
        return
    cal = Calendar.load(session)
    by_task = {c.task_id: c for c in clocks if c.kind == "task"}
    for clk in clocks:
        if clk.kind == "task" and clk.state in ACTIVE and clk.task_id not in open_tasks:
            row = session.get(HumanTask, clk.task_id)
            finished = row is not None and row.state == TaskState.COMPLETED
            close(clk, cal, log, today, now, finished)
    for task_id, row in open_tasks.items():
        view = views.get(task_id)
        if task_id in by_task:
            row.due_at = by_task[task_id].due_at
        elif view is not None and view.properties.get("deadline"):
            clk = _start_task_clock(session, case, row, view, cal, log, today, now)
            row.due_at = clk.due_at
    case_clock = next((c for c in clocks if c.kind == "case"), None)
    if props.get("caseDeadline"):
        _sync_case_clock(session, case, props, case_clock, open_tasks, views, cal, log, today, now)
    periods.sync_periods(session, case, props, clocks, cal, log, today, now)  # 先行登记保存, 查封扣押 …


def _parse_day(value) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str) and len(value) >= 10:
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return None
    if isinstance(value, date):
        return value if dates.in_range(value) else None  # implausible dates never drive a clock
    return None


def _limit(text: str, where: str) -> tuple[int, str]:
    try:
        return parse_limit(text)
    except ValueError as exc:
        raise WorkflowFailed(f"{where}: {exc}", zh=f"{where}：期限写法无效（应为“N工作日”如 15wd，或“N日”如 90d）") from None


def _new_clock(session, case, cal, log, now, *, kind, spec, label, unit_id, role, task_id, limit, started_on):
    n, unit = limit
    clk = Clock(case_id=case.id, task_id=task_id, kind=kind, spec=spec, label=label, unit_id=unit_id, role=role,
                limit_days=n, unit=unit, started_on=started_on, started_at=now, extension_days=0,
                process_extension_days=0, paused_units=0, pauses=[], state=RUNNING, colour=colours.GREEN,
                colour_changes=0, escalation_level=0, created_at=now)
    compute(clk, cal)
    session.add(clk)
    session.flush()
    log.append(EventType.CLOCK_STARTED, task_id=task_id, task_spec=spec if kind == "task" else None,
               data=_describe(clk))
    colours.refresh(session, clk, case, log, cal, local_date(now), now)
    return clk


def _start_task_clock(session, case, row: HumanTask, view, cal, log, today, now) -> Clock:
    props = view.properties
    limit = _limit(props["deadline"], f"deadline of task {view.spec}")
    start = today
    if props.get("deadlineFrom"):
        start = _parse_day(view.data.get(props["deadlineFrom"])) or today
    return _new_clock(session, case, cal, log, now, kind="task", spec=view.spec,
                      label=props.get("deadlineLabel") or row.title, unit_id=row.unit_id, role=row.role,
                      task_id=row.id, limit=limit, started_on=start)


def _sync_case_clock(session, case, props, clk, open_tasks, views, cal, log, today, now) -> None:
    data = case.data or {}
    if clk is None:
        if case.state != CaseState.RUNNING:
            return
        start = today
        if props.get("caseDeadlineFrom"):
            start = _parse_day(data.get(props["caseDeadlineFrom"]))
            if start is None:
                return  # starts when the variable appears (e.g. filed_on once 立案 is approved)
        elif case.opened_at is not None:
            start = local_date(case.opened_at)
        limit = _limit(props["caseDeadline"], f"caseDeadline of process {case.process_key}")
        clk = _new_clock(session, case, cal, log, now, kind="case", spec=case.process_key,
                         label=props.get("caseDeadlineLabel") or case.process_key, unit_id=case.unit_id,
                         role=None, task_id=None, limit=limit, started_on=start)
    if clk.state not in ACTIVE:
        return
    until = props.get("caseDeadlineUntil")
    if until and data.get(until) not in (None, ""):
        # judged on the day of the step that set it (system time), never on a date typed into the form
        close(clk, cal, log, today, now, True)
        return
    if case.state != CaseState.RUNNING:
        close(clk, cal, log, today, now, case.state == CaseState.COMPLETED)
        return
    ext_var = props.get("caseDeadlineExtensionFrom")
    if ext_var and isinstance(data.get(ext_var), int) and data[ext_var] != clk.process_extension_days:
        old = clk.process_extension_days
        clk.process_extension_days = data[ext_var]
        _recompute(session, clk, case, cal, log, today, now)
        log.append(EventType.CLOCK_EXTENDED, data=dict(_describe(clk), days=data[ext_var] - old,
                                                       source=f"variable {ext_var}"))
    pausing = [views[t] for t in open_tasks if t in views and views[t].properties.get("pausesCaseClock") == "true"]
    task_pause = bool(clk.pauses) and clk.pauses[-1].get("to") is None and \
        str(clk.pauses[-1].get("source", "")).startswith("task:")
    if pausing and clk.state == RUNNING:
        pause_clock(clk, case, log, today, reason=pausing[0].title, source=f"task:{pausing[0].spec}")
    elif not pausing and clk.state == PAUSED and task_pause:
        resume_clock(session, clk, case, cal, log, today, now)


# ---------------------------------------------------------------- transitions (no permission checks)

def close(clk: Clock, cal: Calendar, log: EventLog, today: date, now: datetime, finished: bool,
          on: date | None = None) -> None:
    """Stop a clock: ``met``/``overdue`` when its work was done (judged on ``on`` or today), else ``stopped``."""
    if clk.state == PAUSED:
        _end_pause(clk, cal, today)
        compute(clk, cal)
    end = on or today
    clk.state = (MET if end <= clk.due_on else OVERDUE) if finished else STOPPED
    clk.closed_at, clk.next_escalation_on = now, None
    log.append(EventType.CLOCK_STOPPED, task_id=clk.task_id, data=dict(_describe(clk), ended_on=end.isoformat()))


def _end_pause(clk: Clock, cal: Calendar, today: date) -> None:
    pauses = [dict(p) for p in clk.pauses or []]
    if pauses and pauses[-1].get("to") is None:
        pauses[-1]["to"] = today.isoformat()
        clk.paused_units = (clk.paused_units or 0) + cal.units_in(date.fromisoformat(pauses[-1]["from"]), today,
                                                                   clk.unit)
        clk.pauses = pauses


def pause_clock(clk: Clock, case: Case, log: EventLog, today: date, reason: str, source: str = "manual",
                actor_id: int | None = None) -> None:
    clk.state = PAUSED
    clk.pauses = list(clk.pauses or []) + [{"from": today.isoformat(), "to": None, "reason": reason,
                                            "by": actor_id, "source": source}]
    log.append(EventType.CLOCK_PAUSED, actor_id=actor_id, task_id=clk.task_id,
               data=dict(_describe(clk), reason=reason, source=source))


def resume_clock(session, clk: Clock, case: Case, cal: Calendar, log: EventLog, today: date, now: datetime,
                 actor_id: int | None = None) -> None:
    _end_pause(clk, cal, today)
    clk.state = RUNNING
    _recompute(session, clk, case, cal, log, today, now, event=False)
    log.append(EventType.CLOCK_RESUMED, actor_id=actor_id, task_id=clk.task_id,
               data=dict(_describe(clk), paused_days=clk.paused_units))
    colours.refresh(session, clk, case, log, cal, today, now)


def extend_clock(session, clk: Clock, case: Case, cal: Calendar, log: EventLog, today: date, now: datetime,
                 days: int, reason: str, actor_id: int | None = None) -> None:
    clk.extension_days = (clk.extension_days or 0) + days
    _recompute(session, clk, case, cal, log, today, now, event=False)
    log.append(EventType.CLOCK_EXTENDED, actor_id=actor_id, task_id=clk.task_id,
               data=dict(_describe(clk), days=days, reason=reason))
    if clk.state == RUNNING:
        colours.refresh(session, clk, case, log, cal, today, now)


def _recompute(session, clk, case, cal, log, today, now, event=True) -> None:
    compute(clk, cal)
    if clk.task_id:
        row = session.get(HumanTask, clk.task_id)
        if row is not None:
            row.due_at = clk.due_at
    if event and clk.state == RUNNING:
        colours.refresh(session, clk, case, log, cal, today, now)


def recompute_running(session: Session) -> int:
    """After calendar overrides change: recompute every active clock's due date, one case lock at a time,
    and record the colour changes that follow (both ways: a new holiday can turn red back to yellow)."""
    cal, now = Calendar.load(session), wall.now()
    today, count = local_date(now), 0
    case_ids = sorted(set(session.scalars(select(Clock.case_id).where(Clock.state.in_(ACTIVE)))))
    for case_id in case_ids:
        case = session.scalar(select(Case).where(Case.id == case_id).with_for_update())
        log = EventLog(session, case)
        for clk in session.scalars(select(Clock).where(Clock.case_id == case_id, Clock.state.in_(ACTIVE))):
            _recompute(session, clk, case, cal, log, today, now)
            count += 1
    return count


def task_colour_condition(colour: str):
    """SQL condition on HumanTask for inbox filters: its active clock has ``colour`` (green: or no clock)."""
    active = and_(Clock.task_id == HumanTask.id, Clock.state.in_(ACTIVE))
    has = exists().where(active, Clock.colour == colour)
    return or_(has, ~exists().where(active)) if colour == colours.GREEN else has


def check_days(days) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        raise ValidationFailed("invalid extension", {"days": ["1–365 days"]}, zh="延长天数无效",
                               errors_zh={"days": ["应为 1–365 天"]})
    return days
