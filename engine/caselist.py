"""Case search within an actor's scope: filters, sorting, bounded counts and pages (for every user).

Designed for a million cases: every filter is an indexed equality or range, or an ``IN`` over a small
resolved set (parties by ID number or name; integrity verdicts); pages are ``ORDER BY <indexed column>, id``
with ``LIMIT``; the total is counted only up to :data:`COUNT_CAP` (+1) rows, so a broad search answers
"10,000+" instead of scanning everything; offsets stop at :data:`MAX_OFFSET` — narrow the search instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from engine.cases import visible
from engine.errors import ValidationFailed
from engine.inbox import like
from engine.models import Case, CaseIntegrity, CaseParty, Clock, Party

COUNT_CAP = 10_000
MAX_OFFSET = 10_000
SORTS = {"opened_at": Case.opened_at, "closed_at": Case.closed_at, "number": Case.number}
COLOURS = ("green", "yellow", "red")
VERDICTS = ("intact", "altered", "unreplayable", "unchecked")
ACTIVE_CLOCK = ("running", "paused")
_ID_NUMBER = re.compile(r"^[0-9A-Za-z]{15,18}$")


@dataclass
class CaseFilter:
    number: str | None = None         # exact number, else a substring of it
    party: str | None = None          # party name (substring) or ID number / USCC (exact)
    procedure: str | None = None
    unit: str | None = None           # handling unit
    state: str | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    closed_from: datetime | None = None
    closed_to: datetime | None = None
    colour: str | None = None         # worst colour of the case's running clocks
    overdue: bool | None = None       # has a clock that is or ended overdue
    integrity: str | None = None      # last sweep verdict; "unchecked" = never verified


@dataclass
class CasePage:
    items: list[Case]
    total: int
    page: int
    per_page: int
    capped: bool = False              # total is a lower bound ("10,000+")
    colours: dict[int, str] = field(default_factory=dict)
    verdicts: dict[int, CaseIntegrity] = field(default_factory=dict)


def looks_like_id_number(text: str) -> bool:
    return bool(_ID_NUMBER.match(text)) and any(c.isdigit() for c in text[:6])


def _party_condition(text: str):
    text = text.strip()
    if looks_like_id_number(text):
        parties = select(Party.id).where(Party.id_number == text.upper())
    else:
        parties = select(Party.id).where(Party.name.ilike(like(text), escape="\\"))
    return Case.id.in_(select(CaseParty.case_id).where(CaseParty.party_id.in_(parties)))


def _clock(*where):
    return exists().where(Clock.case_id == Case.id, *where)


def colour_condition(colour: str):
    """SQL condition on Case: the worst colour among its running clocks (green: none yellow or red)."""
    active = Clock.state.in_(ACTIVE_CLOCK)
    red = _clock(active, Clock.colour == "red")
    if colour == "red":
        return red
    yellow = _clock(active, Clock.colour == "yellow")
    if colour == "yellow":
        return and_(yellow, ~red)
    return and_(~yellow, ~red)


def overdue_condition():
    return _clock(or_(Clock.state == "overdue", and_(Clock.state.in_(ACTIVE_CLOCK), Clock.colour == "red")))


def integrity_condition(verdict: str):
    if verdict == "unchecked":
        return ~exists().where(CaseIntegrity.case_id == Case.id)
    return Case.id.in_(select(CaseIntegrity.case_id).where(CaseIntegrity.verdict == verdict))


def _number_condition(text: str):
    text = text.strip()
    return or_(Case.number == text, Case.number.ilike(like(text), escape="\\"))


def conditions(actor, f: CaseFilter) -> list:
    where = [visible(actor)]
    if f.number:
        where.append(_number_condition(f.number))
    if f.party:
        where.append(_party_condition(f.party))
    if f.procedure:
        where.append(Case.process_key == f.procedure)
    if f.unit:
        where.append(Case.unit_id == f.unit)
    if f.state:
        where.append(Case.state == f.state)
    for column, low, high in ((Case.opened_at, f.opened_from, f.opened_to),
                              (Case.closed_at, f.closed_from, f.closed_to)):
        if low is not None:
            where.append(column >= low)
        if high is not None:
            where.append(column <= high)
    if f.colour:
        where.append(colour_condition(f.colour))
    if f.overdue is not None:
        where.append(overdue_condition() if f.overdue else ~overdue_condition())
    if f.integrity:
        where.append(integrity_condition(f.integrity))
    return where


def check_range(f: CaseFilter) -> None:
    errors = {}
    if f.opened_from and f.opened_to and f.opened_from > f.opened_to:
        errors["opened_to"] = ["开始日期晚于结束日期 (from is after to)"]
    if f.closed_from and f.closed_to and f.closed_from > f.closed_to:
        errors["closed_to"] = ["开始日期晚于结束日期 (from is after to)"]
    if errors:
        raise ValidationFailed("日期范围无效 (invalid date range)", errors)


def list_cases(session: Session, actor, f: CaseFilter, page: int = 1, per_page: int = 20,
               sort: str = "opened_at", descending: bool = True) -> CasePage:
    check_range(f)
    offset = (page - 1) * per_page
    if offset >= MAX_OFFSET:
        raise ValidationFailed(f"只能翻到第 {MAX_OFFSET} 条，请缩小检索范围 (narrow the search: pages stop at "
                               f"{MAX_OFFSET} cases)", {"page": [f"页码 × 每页条数不超过 {MAX_OFFSET} (page × per_page ≤ {MAX_OFFSET})"]})
    where = conditions(actor, replace(f, number=None))
    if f.number:
        text = f.number.strip()
        # a whole case number is answered from its unique index; only a part of one needs the substring scan
        exact = session.scalar(select(Case.id).where(Case.number == text).limit(1)) is not None
        where.append(Case.number == text if exact else _number_condition(text))
    limited = select(Case.id).where(*where).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(limited)) or 0
    column = SORTS.get(sort, Case.opened_at)
    order = [column.desc().nulls_last() if descending else column.asc().nulls_last(),
             Case.id.desc() if descending else Case.id.asc()]
    items = list(session.scalars(select(Case).where(*where).order_by(*order).limit(per_page).offset(offset)))
    result = CasePage(items, min(total, COUNT_CAP), page, per_page, capped=total > COUNT_CAP)
    ids = [c.id for c in items]
    result.colours = case_colours(session, ids)
    result.verdicts = {row.case_id: row for row in session.scalars(
        select(CaseIntegrity).where(CaseIntegrity.case_id.in_(ids)))} if ids else {}
    return result


def case_colours(session: Session, case_ids: list[int]) -> dict[int, str]:
    """Worst running-clock colour per case (cases without running clocks are absent)."""
    if not case_ids:
        return {}
    rank = {"green": 0, "yellow": 1, "red": 2}
    worst: dict[int, str] = {}
    for case_id, colour in session.execute(select(Clock.case_id, Clock.colour).where(
            Clock.case_id.in_(case_ids), Clock.state.in_(ACTIVE_CLOCK))):
        if rank.get(colour, 0) >= rank.get(worst.get(case_id, "green"), 0):
            worst[case_id] = colour
    return worst
