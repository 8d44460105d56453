"""Names and colours for display: units, users, procedures, deadline colours (per request, cached on g)."""
from __future__ import annotations

from datetime import timedelta

from flask import g
from sqlalchemy import func, select

from api.db import session as db
from api.web.i18n import current_language
from engine import clock
from engine.models import Clock, ProcessVersion, Unit, User


def _cache(name: str, loader):
    if name not in g:
        setattr(g, name, loader())
    return getattr(g, name)


def unit_name(unit_id: str | None) -> str:
    units = _cache("web_units", lambda: {u.id: u for u in db().scalars(select(Unit))})
    unit = units.get(unit_id)
    if unit is None:
        return unit_id or ""
    return (unit.name_en or unit.name) if current_language() == "en" else unit.name


def user_name(user_id: int | None) -> str:
    if not user_id:
        return ""
    users = _cache("web_users", dict)
    if user_id not in users:
        user = db().get(User, user_id)
        users[user_id] = user.display_name if user else str(user_id)
    return users[user_id]


def procedure_name(key: str) -> str:
    def load():
        latest = select(ProcessVersion.process_key, func.max(ProcessVersion.version)).group_by(
            ProcessVersion.process_key).subquery()
        rows = db().execute(select(ProcessVersion.process_key, ProcessVersion.name).join(
            latest, (latest.c.process_key == ProcessVersion.process_key) & (latest.c[1] == ProcessVersion.version)))
        return {k: n for k, n in rows}
    return _cache("web_procedures", load).get(key) or key


def prefetch_colours(task_ids) -> None:
    """Load the clocks (colour, due day, label) of these tasks in one query (cached for this request)."""
    known = _cache("web_clock_colours", dict)
    clocks = _cache("web_task_clocks", dict)
    wanted = [t for t in task_ids if t not in known]
    if wanted:
        rows = db().execute(select(Clock.task_id, Clock.colour, Clock.due_on, Clock.label)
                            .where(Clock.task_id.in_(wanted)).order_by(Clock.id))
        found = {}
        for task_id, colour, due_on, label in rows:
            found[task_id] = colour
            clocks[task_id] = (due_on, label)
        known.update({t: found.get(t) for t in wanted})


def due_text(task) -> tuple[str, str] | None:
    """(\"2026-10-29 截止\", statutory label) from the task's clock — the due *day* as the law reads it —
    else the day before the stored instant's local midnight."""
    prefetch_colours([task.id])
    found = g.web_task_clocks.get(task.id)
    if found:
        due_on, label = found
        return _due_day(due_on), label or ""
    if task.due_at is None:
        return None
    from engine.deadlines.calendar import local_date
    at = task.due_at if task.due_at.tzinfo else task.due_at.replace(tzinfo=clock.now().tzinfo)
    day = local_date(at - timedelta(seconds=1))
    return _due_day(day), ""


def _due_day(day) -> str:
    from flask_babel import gettext as _
    return _("%(day)s due", day=day.isoformat())


def case_clock(case):
    """The case's own statutory clock (e.g. 90 days to decide), newest first, or None."""
    return db().scalar(select(Clock).where(Clock.case_id == case.id, Clock.kind == "case")
                       .order_by(Clock.id.desc()).limit(1))


def colour(task) -> str | None:
    """Deadline colour of a task: its statutory clock's colour, else estimated from ``due_at``."""
    prefetch_colours([task.id])
    explicit = g.web_clock_colours.get(task.id)
    if explicit:
        return explicit
    if task.due_at is None:
        return None
    due = task.due_at if task.due_at.tzinfo else task.due_at.replace(tzinfo=clock.now().tzinfo)
    now = clock.now()
    if due < now:
        return "red"
    return "yellow" if due < now + timedelta(days=3) else "green"


def estimated(task) -> bool:
    """The task's clock was counted on a calendar year not yet marked complete (weekends and fixed holidays only)."""
    return bool(db().scalar(select(Clock.estimated).where(Clock.task_id == task.id).order_by(Clock.id.desc())
                            .limit(1)))


def party_name(case) -> str:
    party = (case.data or {}).get("party") or {}
    return party.get("name") or case.title or ""


def file_size(size: int | None) -> str:
    if not size:
        return ""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} B"


def unread_notifications() -> int:
    """Unread count for the header (one COUNT per page)."""
    from engine.deadlines import notifications
    user = g.get("web_user")
    return _cache("web_unread", lambda: notifications.unread_count(db(), user.id) if user else 0)
