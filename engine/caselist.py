"""Case list queries within an actor's scope: filters and pagination."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import exists, false, func, select
from sqlalchemy.orm import Session, aliased

from engine import clock
from engine.cases import visible
from engine.inbox import Page, like
from engine.models import Case, CaseParty, HumanTask, Party
from engine.statuses import TaskState


@dataclass
class CaseFilter:
    procedure: str | None = None
    unit: str | None = None
    state: str | None = None
    party: str | None = None          # party name, substring
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    colour: str | None = None


def _default_colour(colour: str):
    """Fallback until deadline clocks exist: red = a case with an overdue open task."""
    task = aliased(HumanTask)
    overdue = exists().where(task.case_id == Case.id, task.state.in_(TaskState.OPEN), task.due_at < clock.now())
    if colour == "red":
        return overdue
    if colour == "green":
        return ~overdue
    return false()


# The deadlines module may replace this: fn(colour) -> SQL condition on Case.
colour_condition: Callable = _default_colour


def list_cases(session: Session, actor, f: CaseFilter, page: int = 1, per_page: int = 20) -> Page:
    stmt = select(Case).where(visible(actor))
    if f.procedure:
        stmt = stmt.where(Case.process_key == f.procedure)
    if f.unit:
        stmt = stmt.where(Case.unit_id == f.unit)
    if f.state:
        stmt = stmt.where(Case.state == f.state)
    if f.party:
        stmt = stmt.where(exists().where(CaseParty.case_id == Case.id, CaseParty.party_id == Party.id,
                                         Party.name.ilike(like(f.party), escape="\\")))
    if f.opened_from is not None:
        stmt = stmt.where(Case.opened_at >= f.opened_from)
    if f.opened_to is not None:
        stmt = stmt.where(Case.opened_at <= f.opened_to)
    if f.colour:
        stmt = stmt.where(colour_condition(f.colour))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = list(session.scalars(stmt.order_by(Case.opened_at.desc(), Case.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total or 0, page, per_page)
