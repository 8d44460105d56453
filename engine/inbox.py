"""Task inbox queries: mine, claimable, and a leader's unit queue — filtered, sorted, paginated SQL.

Claimable reads ``ix_human_tasks_inbox (unit_id, role, state, due_at)`` through one
``(unit_id = ? AND role = ?)`` branch per membership of the actor.

Totals are exact up to :data:`COUNT_CAP`; above it a page says "10,000+" (「10,000 条以上」, ``capped``):
counting 700,000 open tasks exactly cost 33 ms at 1M, counting to 10,001 costs well under one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import and_, exists, false, func, literal_column, or_, select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Forbidden
from engine.models import Case, CaseParty, HumanTask, Party
from engine.org import Actor
from engine.statuses import Role, TaskState

LEADER_ROLES = (Role.SQUAD_LEADER, Role.AGENCY_HEAD, Role.DEPUTY_HEAD)
SORTS = {"due_at": HumanTask.due_at, "created_at": HumanTask.created_at}
COLOURS = ("green", "yellow", "red")
COUNT_CAP = 10_000   # the same cap as case search (engine/caselist.py)


@dataclass
class TaskFilter:
    procedure: str | None = None
    task_name: str | None = None   # matches the task's title or its BPMN id
    due_before: datetime | None = None
    colour: str | None = None
    q: str | None = None           # text on party name or case number
    unit: str | None = None


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    capped: bool = False   # more than ``total`` (= COUNT_CAP) tasks match: show "10,000+"


def _default_colour(colour: str):
    """Fallback until deadline clocks exist: red = overdue, yellow = due within 3 days, green = the rest."""
    now = clock.now()
    soon = now + timedelta(days=3)
    if colour == "red":
        return HumanTask.due_at < now
    if colour == "yellow":
        return and_(HumanTask.due_at >= now, HumanTask.due_at < soon)
    return or_(HumanTask.due_at.is_(None), HumanTask.due_at >= soon)


# The deadlines module may replace this with its clock-based colours: fn(colour) -> SQL condition on HumanTask.
colour_condition: Callable = _default_colour


def like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_condition(q: str):
    pattern = like(q)
    party = exists().where(CaseParty.case_id == Case.id, CaseParty.party_id == Party.id,
                           Party.name.ilike(pattern, escape="\\"))
    return or_(Case.number.ilike(pattern, escape="\\"), Case.title.ilike(pattern, escape="\\"), party)


def _filtered(stmt, f: TaskFilter):
    if f.procedure:
        stmt = stmt.where(HumanTask.process_key == f.procedure)
    if f.task_name:
        stmt = stmt.where(or_(HumanTask.title.ilike(like(f.task_name), escape="\\"),
                              HumanTask.task_spec == f.task_name))
    if f.due_before is not None:
        stmt = stmt.where(HumanTask.due_at < f.due_before)
    if f.colour:
        stmt = stmt.where(colour_condition(f.colour))
    if f.q:
        stmt = stmt.where(text_condition(f.q))
    if f.unit:
        stmt = stmt.where(HumanTask.unit_id == f.unit)
    return stmt


def _page(session: Session, where, f: TaskFilter, sort: str, descending: bool, page: int, per_page: int) -> Page:
    base = _filtered(select(HumanTask, Case).join(Case, Case.id == HumanTask.case_id).where(*where), f)
    total, capped = _count(session, where, f)
    column = SORTS.get(sort, HumanTask.due_at)
    order = column.desc().nulls_last() if descending else column.asc().nulls_last()
    rows = session.execute(base.order_by(order, HumanTask.created_at, HumanTask.id)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return Page([(task, case) for task, case in rows], total, page, per_page, capped)


def _count(session: Session, where, f: TaskFilter) -> tuple[int, bool]:
    """Matching tasks, counted up to COUNT_CAP + 1 (an index-only scan that stops early); ``capped`` above."""
    # Without the case join unless a filter reads the case (q): case_id is NOT NULL and cascades, so the join
    # drops nothing.
    counted = select(literal_column("1").label("one")).select_from(HumanTask)
    if f.q:
        counted = counted.join(Case, Case.id == HumanTask.case_id)
    limited = _filtered(counted.where(*where), f).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(limited)) or 0
    return min(total, COUNT_CAP), total > COUNT_CAP


def tab_counts(session: Session, actor: Actor) -> dict[str, tuple[int, bool]]:
    """(total, capped) of the unfiltered tabs — mine, claimable and, for leaders, the unit queue."""
    none = TaskFilter()
    counts = {"mine": _count(session, _mine_where(actor), none),
              "claimable": _count(session, _claimable_where(actor), none)}
    if queue_units(actor):
        counts["unit"] = _count(session, _unit_where(queue_units(actor)), none)
    return counts


def mine(session: Session, actor: Actor, f: TaskFilter, sort: str = "due_at", descending: bool = False,
         page: int = 1, per_page: int = 20) -> Page:
    """Open tasks claimed by (or assigned to) the actor."""
    return _page(session, _mine_where(actor), f, sort, descending, page, per_page)


def _mine_where(actor: Actor) -> list:
    return [HumanTask.assignee_id == actor.user_id, HumanTask.state == TaskState.CLAIMED]


def claimable_condition(actor: Actor):
    branches = [and_(HumanTask.unit_id == unit, HumanTask.role == role) for unit, role in sorted(actor.roles)]
    return or_(*branches) if branches else false()


def claimable(session: Session, actor: Actor, f: TaskFilter, sort: str = "due_at", descending: bool = False,
              page: int = 1, per_page: int = 20) -> Page:
    """Unclaimed tasks whose (unit, role) the actor holds."""
    return _page(session, _claimable_where(actor), f, sort, descending, page, per_page)


def _claimable_where(actor: Actor) -> list:
    return [claimable_condition(actor), HumanTask.state == TaskState.READY]


def queue_units(actor: Actor) -> set[str]:
    """Units whose whole open queue the actor may see: led units, plus everything overseen."""
    units = actor.units_with(*LEADER_ROLES)
    if actor.units_with(*Role.OVERSEERS):
        units |= set(actor.visible_units)
    return units


def unit_queue(session: Session, actor: Actor, f: TaskFilter, sort: str = "due_at", descending: bool = False,
               page: int = 1, per_page: int = 20) -> Page:
    """Every open task in the units the actor leads (or oversees)."""
    units = queue_units(actor)
    if not units:
        raise Forbidden("the unit queue is for squad leaders, heads and supervisors",
                        zh="本单位待办只对中队长、负责人和督办员开放")
    return _page(session, _unit_where(units), f, sort, descending, page, per_page)


def _unit_where(units) -> list:
    return [HumanTask.unit_id.in_(sorted(units)), HumanTask.state.in_(TaskState.OPEN)]


def open_tasks(session: Session, case_id: int) -> list[HumanTask]:
    return list(session.scalars(select(HumanTask).where(
        HumanTask.case_id == case_id, HumanTask.state.in_(TaskState.OPEN)).order_by(HumanTask.created_at,
                                                                                   HumanTask.id)))
