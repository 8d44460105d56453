"""Clock commands with their permission checks, and the read side (case clocks, task clocks, supervision board).

Permissions (units are the clock's unit: the task's unit, or the case's handling unit):
- pause / resume: squad_leader, deputy_head or agency_head of the unit.
- extend: agency_head or deputy_head of the unit (an extension is the head's approval).
- 催办单 (urge): a supervisor over the unit, or the unit's agency_head / deputy_head.
- 督办单 (supervise): a supervisor over the unit (the 指导办).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock as wall
from engine.cases import get_case
from engine.deadlines import clocks as clk_mod
from engine.deadlines import calendar, escalation
from engine.deadlines.calendar import Calendar, local_date
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.events import EventLog
from engine.messages import roles_zh
from engine.models import Case, Clock
from engine.org import Actor
from engine.runtime import lock_case
from engine.statuses import Role

MANAGERS = (Role.SQUAD_LEADER, Role.DEPUTY_HEAD, Role.AGENCY_HEAD)
HEADS = (Role.DEPUTY_HEAD, Role.AGENCY_HEAD)
_STATE_ZH = {"running": "正在计算", "paused": "已中止", "met": "已按期完成", "overdue": "已超期结束", "stopped": "已停止"}


def _locked(session: Session, actor: Actor, clock_id: int) -> tuple[Clock, Case]:
    clk = session.get(Clock, clock_id)
    if clk is None:
        raise NotFound(f"clock {clock_id} not found", zh="期限不存在或不在您的范围内")
    get_case(session, actor, clk.case_id)  # NotFound outside the actor's scope
    case = lock_case(session, clk.case_id)
    session.refresh(clk)
    return clk, case


def _require(actor: Actor, unit_id: str, roles: tuple[str, ...], what: str, what_zh: str) -> None:
    if not any(actor.has_role(r, unit_id) for r in roles):
        raise Forbidden(f"{what} needs one of the roles {', '.join(roles)} in unit {unit_id}",
                        zh=f"{what_zh}须由该单位的{roles_zh(roles)}办理")


def _supervises(actor: Actor, unit_id: str) -> bool:
    return bool(actor.units_with(Role.SUPERVISOR)) and unit_id in actor.visible_units


def pause(session: Session, actor: Actor, clock_id: int, reason: str) -> Clock:
    clk, case = _locked(session, actor, clock_id)
    _require(actor, clk.unit_id, MANAGERS, "pausing a deadline", "中止期限")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("a reason is required", {"reason": ["required (e.g. suspended investigation, hearing)"]},
                               zh="请填写中止理由", errors_zh={"reason": ["必填（如：中止调查、听证、公告、检测）"]})
    if clk.state != clk_mod.RUNNING:
        raise Conflict(f"clock {clk.id} is {clk.state}, not running",
                       zh=f"该期限{_STATE_ZH.get(clk.state, clk.state)}，不在计算中，不能中止")
    clk_mod.pause_clock(clk, case, EventLog(session, case), local_date(wall.now()), reason.strip(),
                        actor_id=actor.user_id)
    return clk


def resume(session: Session, actor: Actor, clock_id: int) -> Clock:
    clk, case = _locked(session, actor, clock_id)
    _require(actor, clk.unit_id, MANAGERS, "resuming a deadline", "恢复期限")
    if clk.state != clk_mod.PAUSED:
        raise Conflict(f"clock {clk.id} is {clk.state}, not paused",
                       zh=f"该期限{_STATE_ZH.get(clk.state, clk.state)}，没有中止，无需恢复")
    now = wall.now()
    clk_mod.resume_clock(session, clk, case, Calendar.load(session), EventLog(session, case), local_date(now), now,
                         actor_id=actor.user_id)
    return clk


EXTENSION_ARTICLE = "市场监督管理行政处罚程序规定第六十四条"


def extend(session: Session, actor: Actor, clock_id: int, days, reason: str,
           deliberation: list[str] | None = None) -> Clock:
    """A head approves an extension. A case clock whose process declares ``caseDeadlineExtension`` (e.g. 30)
    takes one such extension on a head's approval; any further or longer one needs the heads' collective
    deliberation, recorded by naming at least two heads of the unit in ``deliberation``."""
    clk, case = _locked(session, actor, clock_id)
    _require(actor, clk.unit_id, HEADS, "extending a deadline", "延长期限")
    days = clk_mod.check_days(days)
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("a reason is required", {"reason": ["required (the approval)"]},
                               zh="请填写延期理由", errors_zh={"reason": ["必填（批准情况，如：负责人批准延期）"]})
    if clk.state not in clk_mod.ACTIVE:
        raise Conflict(f"clock {clk.id} is {clk.state}",
                       zh=f"该期限{_STATE_ZH.get(clk.state, clk.state)}，不能延长")
    if clk.kind == "case":
        _check_case_extension(session, clk, case, days, deliberation)
    now = wall.now()
    clk_mod.extend_clock(session, clk, case, Calendar.load(session), EventLog(session, case), local_date(now), now,
                         days, reason.strip(), actor_id=actor.user_id)
    return clk


def _check_case_extension(session: Session, clk: Clock, case: Case, days: int, deliberation) -> None:
    from engine.models import ProcessVersion
    from engine.org import users_with_role
    props = session.get(ProcessVersion, case.process_version_id).properties or {}
    try:
        single = int(props.get("caseDeadlineExtension") or 0)
    except ValueError:
        single = 0
    if not single or (not (clk.extension_days or 0) and days <= single):
        return  # no statutory cap declared, or the one extension a head may approve
    heads = {u.username for role in HEADS for u in users_with_role(session, clk.unit_id, role)}
    named = {n.strip() for n in (deliberation or []) if isinstance(n, str) and n.strip()}
    if len(named & heads) < 2:
        msg = (f"经负责人批准只能延长一次、不超过{single}日；继续延期须由负责人集体讨论决定，"
               f"并记录至少两名参加讨论的负责人（{EXTENSION_ARTICLE}）")
        en = (f"a head may approve one extension of at most {single} days; a further one needs the heads' "
              f"collective deliberation with at least two heads named ({EXTENSION_ARTICLE})")
        raise ValidationFailed(en, {"deliberation": [en]}, zh=msg, errors_zh={"deliberation": [msg]})


def issue(session: Session, actor: Actor, clock_id: int, step: str, note: str | None = None,
          finish_by: date | None = None) -> dict:
    """A 催办单 (``urge``) or 督办单 (``supervise``) by hand."""
    if step not in ("urge", "supervise"):
        raise ValidationFailed("unknown step", {"step": ["urge or supervise"]}, zh="未知的督促方式",
                               errors_zh={"step": ["应为催办（urge）或督办（supervise）"]})
    clk, case = _locked(session, actor, clock_id)
    if not _supervises(actor, clk.unit_id):
        if step == "supervise":
            raise Forbidden("a supervision order is issued by a supervisor over the unit",
                            zh="督办单须由对该单位负有督办职责的督办员发出")
        _require(actor, clk.unit_id, HEADS, "a 催办单", "发出催办单")
    if clk.state not in clk_mod.ACTIVE:
        raise Conflict(f"clock {clk.id} is {clk.state}; nothing to urge",
                       zh=f"该期限{_STATE_ZH.get(clk.state, clk.state)}，无需催办")
    now = wall.now()
    today = local_date(now)
    if finish_by is not None and finish_by < today:
        raise ValidationFailed("finish date in the past", {"finish_by": ["must be today or later"]},
                               zh="办结期限早于今天", errors_zh={"finish_by": ["须为今天或以后"]})
    return escalation.issue_by_hand(session, clk, case, EventLog(session, case), Calendar.load(session), today, now,
                                    step, actor.user_id, note, finish_by)


# ---------------------------------------------------------------- reading

def view(clk: Clock, cal: Calendar, today: date) -> dict:
    active = clk.state in clk_mod.ACTIVE
    return {
        "id": clk.id, "case_id": clk.case_id, "task_id": clk.task_id, "kind": clk.kind, "spec": clk.spec,
        "label": clk.label, "unit_id": clk.unit_id, "limit": clk.limit_days, "limit_unit": clk.unit,
        "started_on": clk.started_on, "due_on": clk.due_on, "due_at": clk.due_at,
        "remaining_workdays": clk_mod.remaining_workdays(clk, cal, today) if active else None,
        "colour": clk.colour, "state": clk.state,
        "extension_days": (clk.extension_days or 0) + (clk.process_extension_days or 0),
        "paused_days": clk.paused_units or 0, "pauses": clk.pauses or [], "estimated": clk.estimated,
        "escalation": escalation.STEPS[clk.escalation_level - 1] if clk.escalation_level else None,
        "closed_at": clk.closed_at,
    }


def _views(session: Session, rows) -> list[dict]:
    rows = list(rows)
    if not rows:
        return []
    cal, today = Calendar.load(session), local_date(wall.now())
    return [view(c, cal, today) for c in rows]


def get_clock(session: Session, actor: Actor, clock_id: int) -> dict:
    clk = session.get(Clock, clock_id)
    if clk is None:
        raise NotFound(f"clock {clock_id} not found", zh="期限不存在或不在您的范围内")
    get_case(session, actor, clk.case_id)
    return _views(session, [clk])[0]


def case_clocks(session: Session, actor: Actor, case_id: int) -> list[dict]:
    get_case(session, actor, case_id)
    return _views(session, session.scalars(select(Clock).where(Clock.case_id == case_id).order_by(Clock.id)))


def for_tasks(session: Session, task_ids) -> dict[str, dict]:
    """Clock of each task (for task listings): {task_id: clock view}. Tasks without a clock are absent."""
    ids = [t for t in task_ids if t]
    if not ids:
        return {}
    rows = session.scalars(select(Clock).where(Clock.task_id.in_(ids)).order_by(Clock.id))
    return {v["task_id"]: v for v in _views(session, rows)}


def board(session: Session, actor: Actor, colours=("yellow", "red"), unit_id: str | None = None,
          limit: int = 200) -> list[dict]:
    """Running/paused clocks of the given colours in the actor's scope, most urgent first."""
    units = set(actor.visible_units)
    if unit_id is not None:
        if unit_id not in units:
            raise NotFound(f"unit {unit_id!r} not found", zh=f"单位 {unit_id} 不存在或不在您的范围内")
        units = {unit_id}
    rows = session.scalars(select(Clock).where(
        Clock.state.in_(clk_mod.ACTIVE), Clock.colour.in_(list(colours)), Clock.unit_id.in_(sorted(units)))
        .order_by(Clock.due_on, Clock.id).limit(max(1, min(limit, 1000))))
    return _views(session, rows)


def set_calendar_day(session: Session, actor: Actor, day: date, workday: bool, note: str | None) -> int:
    """Administrators: declare a holiday / make-up working day; running clocks are recomputed at once."""
    if not actor.units_with(Role.ADMIN):
        raise Forbidden("editing the working-day calendar needs the admin role", zh="只有系统管理员可以维护工作日历")
    calendar.set_override(session, day, workday, note, actor.user_id)
    session.flush()
    return clk_mod.recompute_running(session)


def remove_calendar_day(session: Session, actor: Actor, day: date) -> int:
    if not actor.units_with(Role.ADMIN):
        raise Forbidden("editing the working-day calendar needs the admin role", zh="只有系统管理员可以维护工作日历")
    if not calendar.remove_override(session, day):
        raise NotFound(f"no calendar override on {day.isoformat()}", zh=f"{day.year}年{day.month}月{day.day}日没有日历调整")
    session.flush()
    return clk_mod.recompute_running(session)


def mark_calendar_year(session: Session, actor: Actor, year: int, complete: bool, note: str | None) -> int:
    """Administrators: the year's State Council notice is entered completely (or not any more); clocks that
    reach into the year lose (or regain) their *estimated* flag and are recomputed at once."""
    if not actor.units_with(Role.ADMIN):
        raise Forbidden("editing the working-day calendar needs the admin role", zh="只有系统管理员可以维护工作日历")
    calendar.mark_year(session, year, complete, note, actor.user_id)
    session.flush()
    return clk_mod.recompute_running(session)


def summary(session: Session, actor: Actor) -> list[dict]:
    """Per unit: how many active clocks are green, yellow, red (the supervision overview)."""
    rows = session.execute(select(Clock.unit_id, Clock.colour, func.count()).where(
        Clock.state.in_(clk_mod.ACTIVE), Clock.unit_id.in_(sorted(actor.visible_units)))
        .group_by(Clock.unit_id, Clock.colour)).all()
    out: dict[str, dict] = {}
    for unit, colour, n in rows:
        out.setdefault(unit, {"unit_id": unit, "green": 0, "yellow": 0, "red": 0})[colour] = n
    return sorted(out.values(), key=lambda r: (-r["red"], -r["yellow"], r["unit_id"]))
