"""Inbox: my tasks, claimable tasks, my unit's queue (leaders, supervisors) — filters, sorting, pages."""
from __future__ import annotations

from flask import render_template, request

from api.db import session as db
from api.web import present
from api.web.blueprint import bp
from api.web.guard import actor, login_required
from engine import inbox
from api.web.views.tasks import assignees
from engine.models import ProcessVersion
from engine.statuses import Role
from sqlalchemy import select

TABS = ("mine", "claimable", "unit")
PER_PAGE = 25


def _filter() -> inbox.TaskFilter:
    colour = request.args.get("colour")
    return inbox.TaskFilter(procedure=request.args.get("procedure") or None, q=request.args.get("q") or None,
                            colour=colour if colour in inbox.COLOURS else None,
                            task_name=request.args.get("task") or None)


def pager(current: int, pages: int) -> list[int | None]:
    """Page links: the first, the last and two either side of the current one; None marks a gap (…)."""
    shown = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    out: list[int | None] = []
    for p in shown:
        if out and p - out[-1] == 2:
            out.append(p - 1)          # a gap of one page is that page
        elif out and p - out[-1] > 2:
            out.append(None)
        out.append(p)
    return out


@bp.get("/inbox", endpoint="inbox")
@login_required
def inbox_page():
    me = actor()
    leader = bool(inbox.queue_units(me))
    tab = request.args.get("tab", "mine")
    if tab not in TABS or (tab == "unit" and not leader):
        tab = "mine"
    sort = request.args.get("sort", "due_at")
    sort = sort if sort in inbox.SORTS else "due_at"
    descending = request.args.get("order") == "desc"
    page_no = min(100_000, max(1, request.args.get("page", 1, type=int) or 1))
    query = {"mine": inbox.mine, "claimable": inbox.claimable, "unit": inbox.unit_queue}[tab]
    f = _filter()
    page = query(db(), me, f, sort=sort, descending=descending, page=page_no, per_page=PER_PAGE)
    counts = inbox.tab_counts(db(), me)   # (total, capped): "10,000+" above the cap
    procedures = sorted(set(db().scalars(select(ProcessVersion.process_key))))
    present.prefetch_colours([t.id for t, _ in page.items])
    rows = [{"task": t, "case": c, "colour": present.colour(t), "party": present.party_name(c),
             "assignees": assignees(t, c) if tab == "unit" and me.has_role(Role.SQUAD_LEADER, t.unit_id) else None}
            for t, c in page.items]
    pages = max(1, -(-page.total // PER_PAGE))
    return render_template("inbox.html", tab=tab, leader=leader, rows=rows, page=page, pages=pages, counts=counts,
                           pager=pager(page.page, pages),
                           procedures=procedures, f=f, sort=sort, descending=descending, present=present)
