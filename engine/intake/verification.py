"""The 核查 clock of a dispatched lead: 15 working days, +15 with the head's approval (SAMR Art. 18).

Counted by the deadline machinery's calendar and formula (engine.deadlines.clocks.compute: start day not
counted, holidays and 调休 from the working-day calendar, yellow at ≤ 20 % or ≤ 3 working days, red after
the due day), so a lead's colour means what a case clock's colour means. ``sweep`` records each colour
change once in the lead's history and notifies as a case clock does (yellow: the unit's squad leaders;
red: the deputy in charge and the supervisors above); after red the 催办/督办 chain of engine.intake.escalation
runs on the same delays as a case clock's.
"""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import clock as wall
from engine.deadlines import colours, notifications
from engine.deadlines.calendar import Calendar, local_date
from engine.deadlines.clocks import compute
from engine.intake import escalation, history
from engine.models import Lead

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
    lead.escalation_level, lead.next_escalation_on = 0, None
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
    lead.next_escalation_on = None


def extend(session: Session, lead: Lead) -> None:
    """+15 working days: the colour is recomputed at once (a red clock turning back ends its 催办/督办 chain)."""
    cal = Calendar.load(session)
    lead.verify_extension = EXTENSION
    _apply(lead, cal)
    now = wall.now()
    record_colour(session, lead, cal, local_date(now), now)


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
        users, kind = escalation._squad_leaders(session, lead.unit_id), notifications.KIND_WARNING
        body = f"线索 {lead.number} 的核查期限为 {lead.verify_due_on.isoformat()}，即将到期，请抓紧核查。"
    else:
        users = notifications.deputies(session, lead.unit_id) + notifications.supervisors(session, lead.unit_id)
        kind = notifications.KIND_OVERDUE
        body = f"线索 {lead.number} 已超过核查期限（{lead.verify_due_on.isoformat()}），请督促办理。"
    escalation.notify(session, users, kind=kind, lead=lead, body=body,
                      data={"colour": new, "due_on": lead.verify_due_on.isoformat()},
                      key=f"lead:{lead.id}:{lead.verify_started_on}:{lead.verify_due_on}:{new}", now=now)


def record_colour(session: Session, lead: Lead, cal: Calendar, today: date, now) -> bool:
    """Bring the recorded colour up to date (history, notification on a worse colour, the 催办/督办 chain)."""
    new = colour(lead, today)
    if new is None or new == lead.colour:
        return False
    old, lead.colour = lead.colour, new
    history.append(session, lead, history.COLOUR, unit_id=lead.unit_id,
                   data={"from": old, "to": new, "due_on": lead.verify_due_on.isoformat()})
    if colours.RANK[new] > colours.RANK.get(old or colours.GREEN, 0):
        _notify(session, lead, new, now)
    if new == colours.RED or old == colours.RED:
        escalation.on_colour(lead, new, cal, today)
    return True


def sweep(session: Session, limit: int = 500) -> int:
    """Record the colour changes of running lead clocks (each once); returns how many changed."""
    now = wall.now()
    today = local_date(now)
    cal, changed = Calendar.load(session), 0
    rows = session.scalars(select(Lead).where(
        Lead.verify_state == "running", or_(Lead.verify_yellow_on <= today, Lead.colour != colours.GREEN))
        .order_by(Lead.verify_due_on).limit(limit).with_for_update(skip_locked=True))
    for lead in rows:
        changed += record_colour(session, lead, cal, today, now)
    return changed
