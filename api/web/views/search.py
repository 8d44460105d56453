"""Case search (/cases): every user, within their scope — the same engine query as GET /api/v1/cases."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import render_template, request, url_for
from sqlalchemy import select

from api.audit import words
from api.db import session as db
from api.web import present
from api.web.blueprint import bp
from api.web.guard import actor, login_required
from engine import caselist
from engine.errors import ValidationFailed
from engine.models import ProcessVersion
from engine.statuses import CaseState

PER_PAGE = 25
BASIC = {"number", "party", "unit", "procedure", "sort", "order", "page"}
TZ = ZoneInfo("Asia/Shanghai")
FIELDS = ("number", "party", "procedure", "unit", "state", "opened_from", "opened_to", "closed_from", "closed_to",
          "colour", "overdue", "integrity", "sort", "order")


def _day(name: str, end: bool = False) -> datetime | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("日期格式应为 年-月-日 (date as YYYY-MM-DD)", {name: ["YYYY-MM-DD"]}) from None
    if not 1990 <= day.year <= 2100:
        raise ValidationFailed("日期超出范围 (date out of range)", {name: ["1990–2100"]})
    start = datetime.combine(day, time.min, TZ)
    return start + timedelta(days=1) - timedelta(microseconds=1) if end else start


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


def search_filter(overseer: bool, units: set[str]) -> caselist.CaseFilter:
    text = lambda name: (request.args.get(name) or "").strip()[:200] or None  # noqa: E731
    overdue = request.args.get("overdue")
    return caselist.CaseFilter(
        number=text("number"), party=text("party"), procedure=text("procedure"),
        unit=_choice("unit", units), state=_choice("state", CaseState.ALL),
        opened_from=_day("opened_from"), opened_to=_day("opened_to", end=True),
        closed_from=_day("closed_from"), closed_to=_day("closed_to", end=True),
        colour=_choice("colour", caselist.COLOURS), overdue=True if overdue == "1" else None,
        integrity=_choice("integrity", caselist.VERDICTS) if overseer else None)


@bp.get("/cases", endpoint="cases")
@login_required
def cases_page():
    me = actor()
    overseer = words.may_see_integrity(me)
    units = sorted(me.visible_units, key=lambda u: present.unit_name(u))
    sort = _choice("sort", caselist.SORTS) or "opened_at"
    descending = request.args.get("order", "desc") != "asc"
    after = (request.args.get("after") or "").strip()[:400] or None     # keyset: a previous page's next_cursor
    page_no = min(max(1, request.args.get("page", 1, type=int) or 1),
                  1_000_000 if after else caselist.MAX_OFFSET // PER_PAGE)
    error, page = None, None
    try:
        f = search_filter(overseer, set(units))
        page = caselist.list_cases(db(), me, f, page_no, PER_PAGE, sort, descending, after=after)
    except ValidationFailed as exc:
        f, error = caselist.CaseFilter(), exc
    rows = []
    for case in page.items if page else []:
        verdict = page.verdicts.get(case.id) if overseer else None
        rows.append({"case": case, "colour": page.colours.get(case.id),
                     "parties": "、".join(link.party.name for link in case.parties) or (case.title or ""),
                     "verdict": verdict,
                     "verdict_text": words.summary(verdict.verdict, verdict.step, verdict.reason, verdict.detail,
                                                   verdict.events) if verdict else ""})
    procedures = sorted(set(db().scalars(select(ProcessVersion.process_key))), key=present.procedure_name)
    args = {k: request.args.get(k) for k in FIELDS if request.args.get(k)}
    pages = max(1, -(-(page.total if page else 0) // PER_PAGE))
    pager = [] if after else [(p, url_for("web.cases", page=p, **args)) for p in _window(page_no, pages)]
    # the next page by keyset: past the numbered pages too (a count stops at 10,000, the cases do not)
    following = url_for("web.cases", page=page_no + 1, after=page.next_cursor, **args) \
        if page and page.next_cursor and (after or page_no >= pages) else None
    first = url_for("web.cases", **args) if after else None
    return render_template("case_search.html", rows=rows, page=page, pages=pages, pager=pager, f=f, args=args,
                           following=following, first=first, page_no=page_no,
                           units=units, procedures=procedures, overseer=overseer, sort=sort, descending=descending,
                           error=error, present=present, more_open=bool(set(args) - BASIC), words=words, states=CaseState.ALL), 422 if error else 200


def _window(current: int, pages: int, width: int = 2) -> list[int]:
    shown = {1, pages} | set(range(max(1, current - width), min(pages, current + width) + 1))
    return sorted(shown)
