"""Lead 核查 clocks on the supervision board, next to case clocks and shaped like them (``kind`` = ``lead``,
``id`` and ``case_id`` empty, ``lead_id`` / ``lead_number`` set). Scope is the case clocks' one: the clock's
unit (the lead's receiving unit) must be among the actor's visible units."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock as wall
from engine.deadlines import supervision
from engine.deadlines.calendar import Calendar, day_end, local_date
from engine.deadlines.escalation import STEPS
from engine.intake import escalation
from engine.models import Lead
from engine.org import Actor


def view(lead: Lead, cal: Calendar, today: date) -> dict:
    return {
        "id": None, "case_id": None, "task_id": None, "kind": "lead", "spec": "lead_verification",
        "label": escalation.label(lead), "unit_id": lead.unit_id, "limit": lead.verify_limit, "limit_unit": "wd",
        "started_on": lead.verify_started_on, "due_on": lead.verify_due_on, "due_at": day_end(lead.verify_due_on),
        "remaining_workdays": cal.workdays_between(today, lead.verify_due_on), "colour": lead.colour or "green",
        "state": "running", "extension_days": lead.verify_extension or 0, "paused_days": 0, "pauses": [],
        "estimated": not cal.knows(lead.verify_due_on.year),
        "escalation": STEPS[lead.escalation_level - 1] if lead.escalation_level else None, "closed_at": None,
        "lead_id": lead.id, "lead_number": lead.number,
    }


def _running(units):
    return (Lead.status == "dispatched", Lead.verify_state == "running", Lead.unit_id.in_(sorted(units)))


def lead_board(session: Session, actor: Actor, colours=("yellow", "red"), unit_id: str | None = None,
               limit: int = 200) -> list[dict]:
    units = {unit_id} if unit_id is not None else set(actor.visible_units)
    rows = list(session.scalars(select(Lead).where(*_running(units), Lead.colour.in_(list(colours)))
                                .order_by(Lead.verify_due_on, Lead.id).limit(max(1, min(limit, 1000)))))
    if not rows:
        return []
    cal, today = Calendar.load(session), local_date(wall.now())
    return [view(lead, cal, today) for lead in rows]


def board(session: Session, actor: Actor, colours=("yellow", "red"), unit_id: str | None = None,
          limit: int = 200) -> list[dict]:
    """Case, task and lead clocks of the given colours in scope, most urgent first (404 for a unit outside)."""
    rows = supervision.board(session, actor, colours, unit_id, limit) + lead_board(session, actor, colours, unit_id,
                                                                                   limit)
    rows.sort(key=lambda r: (r["due_on"], r["kind"] == "lead", r["id"] or r["lead_id"]))
    return rows[:max(1, min(limit, 1000))]


def summary(session: Session, actor: Actor) -> list[dict]:
    """Per unit: active case/task clocks and running lead clocks by colour."""
    out = {r["unit_id"]: dict(r) for r in supervision.summary(session, actor)}
    rows = session.execute(select(Lead.unit_id, Lead.colour, func.count()).where(*_running(actor.visible_units))
                           .group_by(Lead.unit_id, Lead.colour)).all()
    for unit, colour, n in rows:
        entry = out.setdefault(unit, {"unit_id": unit, "green": 0, "yellow": 0, "red": 0})
        entry[colour or "green"] += n
    return sorted(out.values(), key=lambda r: (-r["red"], -r["yellow"], r["unit_id"]))


def for_lead(session: Session, lead: Lead) -> dict | None:
    """The clock view of one lead being verified (for the lead page and API), else None."""
    if lead.verify_state != "running" or lead.verify_due_on is None:
        return None
    return view(lead, Calendar.load(session), local_date(wall.now()))

