"""Case search within an actor's scope: filters, sorting, bounded counts and pages (for every user).

Designed for a million cases: every filter is an indexed equality or range, or an ``IN`` over a small
resolved set (parties by ID number or name; integrity verdicts); pages are ``ORDER BY <indexed column>, id``
with ``LIMIT`` and the common filters have indexes ending in that order (unit, state, unit+state, procedure),
so a page reads its rows and stops. An actor who sees every unit gets no visibility condition at all. The
total is counted only up to :data:`COUNT_CAP` (+1) rows, so a broad search answers "10,000 条以上" instead of
scanning everything. Pages go on by keyset (``next_cursor`` → ``after``: constant cost at any depth);
numbered pages (offsets) stop at :data:`MAX_OFFSET`. A sort by closed date lists closed cases only.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import and_, exists, false, func, or_, select, tuple_, union_all
from sqlalchemy.orm import Session, defer

from engine.cases import visible
from engine.errors import ValidationFailed
from engine.inbox import like
from engine.models import Case, CaseIntegrity, CaseParty, Clock, HumanTask, Party, Unit

COUNT_CAP = 10_000
MAX_OFFSET = 10_000
SORTS = {"opened_at": Case.opened_at, "closed_at": Case.closed_at, "number": Case.number}
COLOURS = ("green", "yellow", "red")
VERDICTS = ("intact", "altered", "unreplayable", "unchecked")
ACTIVE_CLOCK = ("running", "paused")
SHORT_NAME = 3                    # party text shorter than this matches the start of a name
_ID_NUMBER = re.compile(r"^[0-9A-Za-z]{15,18}$")


@dataclass
class CaseFilter:
    number: str | None = None         # exact number, else a substring of it
    party: str | None = None          # party name (≥ 3 chars anywhere, else its start) or ID number (exact)
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
    next_cursor: str | None = None    # where the next page starts (keyset); None: this is the last page


def looks_like_id_number(text: str) -> bool:
    return bool(_ID_NUMBER.match(text)) and any(c.isdigit() for c in text[:6])


def _party_condition(text: str):
    text = text.strip()
    if looks_like_id_number(text):
        parties = select(Party.id).where(Party.id_number == text.upper())
    elif len(text) < SHORT_NAME:
        # one or two characters hold no trigram to look up: match the start of the name (a surname, a whole
        # two-character name), which the trigram index answers; longer text matches anywhere in the name
        parties = select(Party.id).where(Party.name.ilike(like(text)[1:], escape="\\"))
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


_SCOPE = object()


def conditions(actor, f: CaseFilter, scoped=_SCOPE) -> list:
    """WHERE conditions; ``scoped`` is the visibility condition when already resolved (None: sees all)."""
    where = [visible(actor) if scoped is _SCOPE else scoped]
    where = [w for w in where if w is not None]
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


MAX_BRANCHES = 16      # an actor with more visible units (but not all) is searched with one IN over them


def scope_parts(session: Session, actor) -> list[list]:
    """The actor's scope as disjoint parts, each answerable by an index in page order.

    An actor who sees every unit (county auditors and supervisors) sees every case: one part, no condition,
    and the sort index answers the page. Anyone else sees their units' cases — one part per unit, so each is an
    ordered scan of ``(unit_id, opened_at, id)`` merged by the database — plus the cases of other units that have
    a task in their units (usually few). ``visible()`` written as one OR would scan the sort index until 25 rows
    pass it: seconds for a small unit among a million cases.
    """
    units = sorted(set(actor.visible_units))
    others = sorted(set(session.scalars(select(Unit.id))) - set(units))
    if units and not others:
        return [[]]
    own = [[Case.unit_id == u] for u in units] if len(units) <= MAX_BRANCHES else [[Case.unit_id.in_(units)]]
    # the other units by name (an IN list the unit index ranges over, where NOT IN would scan every case)
    # cases helped: found from the few tasks on other units' cases (a partial index), not from every task of
    # the units (a unit's own work runs to hundreds of thousands of tasks)
    helped = [Case.unit_id.in_(others), Case.id.in_(select(HumanTask.case_id).where(
        HumanTask.unit_id.in_(units), HumanTask.other_unit))]
    return [*own, helped] if units else [[false()]]


def _order(sort: str, descending: bool, key, row_id) -> list:
    """ORDER BY as the indexes hold it (no NULLS LAST: a sort by closed date lists closed cases only)."""
    if sort == "number":           # unique: no tie-break needed
        return [key.desc() if descending else key.asc()]
    return [key.desc() if descending else key.asc(), row_id.desc() if descending else row_id.asc()]


def encode_cursor(case: Case, sort: str) -> str:
    """Where the next page starts: the last row's sort value and id, opaque to callers."""
    value = getattr(case, sort if sort in SORTS else "opened_at")
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, case.id], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _after(cursor: str, sort: str, descending: bool, column, row_id):
    """Keyset condition: rows after the cursor in the page order (constant cost at any depth)."""
    bad = ValidationFailed("翻页位置无效，请从第一页重新检索 (invalid page cursor: start again from the first page)",
                           {"after": ["翻页位置无效 (invalid cursor)"]})
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8"))
        key, value, last_id = raw
        if key != sort or not isinstance(last_id, int) or isinstance(last_id, bool) or not 0 < last_id < 2**31:
            raise ValueError
        if isinstance(value, str) and "\x00" in value:
            raise ValueError
        if sort in ("opened_at", "closed_at") and value is not None:
            value = datetime.fromisoformat(value)
        elif sort == "number" and not isinstance(value, str):
            raise ValueError
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise bad from None
    beyond = (lambda c, v: c < v) if descending else (lambda c, v: c > v)
    if sort == "number":
        return beyond(column, value)
    if value is None:
        raise bad
    return beyond(tuple_(column, row_id), tuple_(value, last_id))   # a row comparison the index range answers


def list_cases(session: Session, actor, f: CaseFilter, page: int = 1, per_page: int = 20,
               sort: str = "opened_at", descending: bool = True, after: str | None = None) -> CasePage:
    """One page of matches. ``after`` (a previous page's ``next_cursor``) continues past any depth by keyset;
    without it ``page`` counts from the start up to :data:`MAX_OFFSET`."""
    check_range(f)
    sort = sort if sort in SORTS else "opened_at"
    offset = 0 if after else (page - 1) * per_page
    if offset >= MAX_OFFSET:
        raise ValidationFailed(f"只能翻到第 {MAX_OFFSET} 条，请缩小检索范围 (narrow the search: pages stop at "
                               f"{MAX_OFFSET} cases)", {"page": [f"页码 × 每页条数不超过 {MAX_OFFSET} (page × per_page ≤ {MAX_OFFSET})"]})
    where = conditions(actor, replace(f, number=None), None)
    if f.number:
        text = f.number.strip()
        # a whole case number is answered from its unique index; only a part of one needs the substring scan
        exact = session.scalar(select(Case.id).where(Case.number == text).limit(1)) is not None
        where.append(Case.number == text if exact else _number_condition(text))
    if sort == "closed_at":      # open cases have no closed date to sort by
        where.append(Case.closed_at.is_not(None))
    parts = scope_parts(session, actor)
    column = SORTS[sort]
    # Each part reads its own first rows in page order (an index range that stops) and the pages are merged
    # by the outer query; the database would not merge ordered parts of a UNION by itself (it sorts them all).
    counted = [select(Case.id).where(*where, *part).limit(COUNT_CAP + 1).subquery() for part in parts]
    total_of = sum((select(func.count()).select_from(c).scalar_subquery() for c in counted[1:]),
                   select(func.count()).select_from(counted[0]).scalar_subquery())
    keyset = [_after(after, sort, descending, column, Case.id)] if after else []
    need = offset + per_page + 1
    firsts = [select(Case.id.label("id"), column.label("k")).where(*where, *part, *keyset)
              .order_by(*_order(sort, descending, column, Case.id)).limit(need).subquery() for part in parts]
    merged = union_all(*(select(f.c.id, f.c.k) for f in firsts)).subquery() if len(firsts) > 1 else firsts[0]
    # one statement: the bounded count (evaluated once) and the page's rows (a list needs neither the workflow
    # state nor the data)
    rows = session.execute(select(Case, total_of.label("total")).join(merged, Case.id == merged.c.id)
                           .order_by(*_order(sort, descending, merged.c.k, merged.c.id))
                           .limit(per_page + 1).offset(offset)
                           .options(defer(Case.workflow_state), defer(Case.data))).all()
    if rows:
        total = rows[0].total
    else:   # past the last match (or none at all)
        total = session.scalar(select(total_of)) if (offset or after) else 0
    items = [row[0] for row in rows[:per_page]]
    result = CasePage(items, min(total, COUNT_CAP), page, per_page, capped=total > COUNT_CAP)
    if len(rows) > per_page:
        result.next_cursor = encode_cursor(items[-1], sort)
    result.colours = case_colours(session, [c.id for c in items])
    result.verdicts = {row.case_id: row for row in session.scalars(
        select(CaseIntegrity).where(CaseIntegrity.case_id.in_([c.id for c in items])))} if items else {}
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
