"""The 核查 clock of a dispatched lead: 15 working days, +15 with the head's approval (SAMR Art. 18).

Counted by the deadline machinery's calendar and formula (engine.deadlines.clocks.compute: start day not
counted, holidays and 调休 from the working-day calendar, yellow at ≤ 20 % or ≤ 3 working days, red after
the due day), so a lead's colour means what a case clock's colour means. ``sweep`` records each colour
change once in the lead's history and notifies as a case clock does (yellow: the unit's squad leaders;
red: the deputy in charge and the supervisors above).
"""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock as wall
from engine.deadlines import colours, notifications
from engine.deadlines.calendar import Calendar, local_date
from engine.deadlines.clocks import compute
from engine.intake import history
from engine.models import Lead, Notification

LIMIT, EXTENSION = 15, 15
LABEL = "线索核查期限（15个工作日，市场监管行政处罚程序规定第十八条）"


def _apply(lead: Lead, cal: Calendar) -> None:
    shadow = SimpleNamespace(limit_days=lead.verify_limit, extension_days=lead.verify_extension,
                             process_extension_days=0, paused_units=0, started_on=lead.verify_started_on, unit="wd")
    compute(shadow, cal)
    lead.verify_due_on, lead.verify_yellow_on = shadow.due_on, shadow.yellow_on


def start(session: Session, lead: Lead, today: date | None = None) -> None:
    cal = Calendar.load(session)
    lead.verify_started_on = today or local_date(wall.now())
    lead.verify_limit, lead.verify_extension = LIMIT, 0
    lead.verify_state, lead.verify_ended_on = "running", None
    _apply(lead, cal)
    lead.colour = colours.colour_on(SimpleNamespace(due_on=lead.verify_due_on, yellow_on=lead.verify_yellow_on),
                                    lead.verify_started_on)


def stop(lead: Lead, finished: bool) -> None:
    """Verification ended: met/overdue when the unit decided (accept, close), stopped on a return."""
    if lead.verify_state != "running":
        return
    today = local_date(wall.now())
    lead.verify_ended_on = today
    lead.verify_state = ("met" if today <= lead.verify_due_on else "overdue") if finished else "stopped"


def extend(session: Session, lead: Lead) -> None:
    lead.verify_extension = EXTENSION
    _apply(lead, Calendar.load(session))


def colour(lead: Lead, today: date | None = None) -> str | None:
    """The colour today (running clocks), or None."""
    if lead.verify_state != "running" or lead.verify_due_on is None:
        return None
    return colours.colour_on(SimpleNamespace(due_on=lead.verify_due_on, yellow_on=lead.verify_yellow_on),
                             today or local_date(wall.now()))


def remaining_workdays(session: Session, lead: Lead, today: date | None = None) -> int | None:
    if lead.verify_due_on is None:
        return None
    return Calendar.load(session).workdays_between(today or local_date(wall.now()), lead.verify_due_on)


def _notify(session: Session, lead: Lead, new: str, now) -> None:
    if new == colours.YELLOW:
        users, kind = notifications.squad_leaders(session, lead.unit_id), notifications.KIND_WARNING
    else:
        users = notifications.deputies(session, lead.unit_id) + notifications.supervisors(session, lead.unit_id)
        kind = notifications.KIND_OVERDUE
    title = f"{notifications.TITLES[kind]}线索 {lead.number} 核查"
    body = f"线索 {lead.number} 的核查期限为 {lead.verify_due_on.isoformat()}。"
    seen = set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        key = f"lead:{lead.id}:{lead.verify_started_on}:{new}"
        exists = session.scalar(select(Notification.id).where(Notification.user_id == user.id,
                                                              Notification.dedupe_key == key))
        if exists is None:
            session.add(Notification(user_id=user.id, kind=kind, title=title, body=body,
                                     data={"lead_id": lead.id, "lead_number": lead.number}, dedupe_key=key,
                                     created_at=now))


def sweep(session: Session, limit: int = 500) -> int:
    """Record the colour changes of running lead clocks (each once); returns how many changed."""
    now = wall.now()
    today = local_date(now)
    changed = 0
    rows = session.scalars(select(Lead).where(Lead.verify_state == "running", Lead.verify_yellow_on <= today)
                           .order_by(Lead.verify_due_on).limit(limit).with_for_update(skip_locked=True))
    for lead in rows:
        new = colour(lead, today)
        if new is None or new == lead.colour:
            continue
        old, lead.colour = lead.colour, new
        history.append(session, lead, history.COLOUR, unit_id=lead.unit_id,
                       data={"from": old, "to": new, "due_on": lead.verify_due_on.isoformat()})
        if colours.RANK[new] > colours.RANK.get(old or colours.GREEN, 0):
            _notify(session, lead, new, now)
        changed += 1
    return changed
