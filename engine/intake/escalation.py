"""After a lead's 核查 clock turns red: the same chain as a case clock (engine.deadlines.escalation) —
reminder → 催办单 → 督办单 (from the 指导办) → 通报, on the same configured delays (``ZHIFA_ESCALATION_DELAYS``).

Each step is recorded in the lead's hash-chained history and notified (in-app and the outbox) to the same roles
of the receiving unit as for a case clock; there is no case officer yet, so the unit's squad leaders (and those
of its direct squads) stand for the handling officers. Supervisors over the unit may issue a 催办单 or 督办单 by
hand, the unit's head a 催办单; the automatic chain continues after it without repeating lower steps.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock as wall
from engine.deadlines import notifications as notes
from engine.deadlines.calendar import Calendar, local_date
from engine.deadlines.escalation import BODIES, LEVEL, STEPS
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.intake import history
from engine.models import Lead, Notification, Unit
from engine.org import Actor
from engine.statuses import Role

ESCALATED = "escalated"  # lead history event type


def label(lead: Lead) -> str:
    return f"线索 {lead.number} 核查期限"


def _squad_leaders(session: Session, unit_id: str) -> list:
    squads = session.scalars(select(Unit.id).where(Unit.parent_id == unit_id, Unit.kind == "direct_squad"))
    return [u for unit in (unit_id, *squads) for u in notes.squad_leaders(session, unit)]


def recipients(session: Session, step: str, lead: Lead) -> list:
    """The roles a case clock's step reaches (engine.deadlines.escalation.recipients), for the receiving unit."""
    unit = lead.unit_id
    if step == "reminder":
        return _squad_leaders(session, unit)
    if step == "urge":
        return _squad_leaders(session, unit) + notes.deputies(session, unit)
    if step == "supervise":
        return (_squad_leaders(session, unit) + notes.deputies(session, unit) + notes.heads(session, unit)
                + notes.supervisors(session, unit))
    return notes.heads(session, unit) + notes.deputies(session, unit) + notes.supervisors(session, unit)


def notify(session: Session, users, *, kind: str, lead: Lead, body: str, data: dict, key: str,
           now: datetime) -> list[Notification]:
    """Notify ``users`` about a lead's clock (engine.deadlines.notifications.write)."""
    return notes.write(session, users, kind=kind, title=f"{notes.TITLES.get(kind, '')}{label(lead)}", body=body,
                       data=dict(data, lead_id=lead.id, lead_number=lead.number), key=key, now=now,
                       refs={"lead_id": lead.id})


def on_colour(lead: Lead, new: str, cal: Calendar, today: date) -> None:
    """A recorded colour change: red starts the chain (first step after the first delay), leaving red ends it."""
    if new == "red":
        delays = cal.cfg.escalation_delays
        lead.escalation_level = 0
        lead.next_escalation_on = cal.add_workdays(today, delays[0]) if delays else None
    else:
        lead.escalation_level, lead.next_escalation_on = 0, None


def _schedule_next(lead: Lead, cal: Calendar, today: date) -> None:
    delays = cal.cfg.escalation_delays
    more = lead.escalation_level < len(STEPS) and lead.escalation_level < len(delays)
    lead.next_escalation_on = cal.add_workdays(today, delays[lead.escalation_level]) if more else None


def _send(session: Session, lead: Lead, step: str, cal: Calendar, today: date, now: datetime, *, key: str,
          actor_id: int | None = None, note: str | None = None, finish_by: date | None = None) -> dict:
    if step in ("urge", "supervise") and finish_by is None:
        finish_by = cal.add_workdays(today, cal.cfg.urge_finish_workdays)
    due = lead.verify_due_on.isoformat()
    body = BODIES[step].format(label=label(lead), due=due, finish=finish_by.isoformat() if finish_by else "")
    if note:
        body += f"\n{note}"
    data = {"step": step, "due_on": due, "finish_by": finish_by.isoformat() if finish_by else None,
            "manual": actor_id is not None}
    sent = notify(session, recipients(session, step, lead), kind=step, lead=lead, body=body, data=data, key=key,
                  now=now)
    data.update(note=note, recipients=sorted(n.user_id for n in sent))
    history.append(session, lead, ESCALATED, actor_id=actor_id, unit_id=lead.unit_id, data=data)
    return data


def run_due(session: Session, limit: int = 500) -> int:
    """Take the next automatic step of every red lead clock whose step is due; returns the steps taken."""
    now = wall.now()
    today = local_date(now)
    cal, steps = Calendar.load(session), 0
    rows = session.scalars(select(Lead).where(
        Lead.verify_state == "running", Lead.colour == "red", Lead.next_escalation_on.is_not(None),
        Lead.next_escalation_on <= today).order_by(Lead.next_escalation_on, Lead.id).limit(limit)
        .with_for_update(skip_locked=True))
    for lead in rows:
        if lead.escalation_level >= len(STEPS):
            lead.next_escalation_on = None
            continue
        step = STEPS[lead.escalation_level]
        _send(session, lead, step, cal, today, now,
              key=f"lead:{lead.id}:{lead.verify_started_on}:{lead.verify_due_on}:{step}")
        lead.escalation_level += 1
        _schedule_next(lead, cal, today)
        steps += 1
    return steps


def pending(session: Session, today: date) -> int:
    from sqlalchemy import func
    return session.scalar(select(func.count()).select_from(Lead).where(
        Lead.verify_state == "running", Lead.colour == "red", Lead.next_escalation_on <= today)) or 0


def issue(session: Session, actor: Actor, lead_id: int, step: str, note: str | None = None,
          finish_by: date | None = None) -> dict:
    """A 催办单 (``urge``) or 督办单 (``supervise``) on a lead being verified, by hand."""
    from engine.intake import handling, leads  # handling imports verification, which imports this module
    if step not in ("urge", "supervise"):
        raise ValidationFailed("unknown step", {"step": ["urge (催办) 或 supervise (督办)"]},
                               zh="未知的督办类型", errors_zh={"step": ["催办或督办"]})
    if actor.read_only:
        raise Forbidden("auditors have read-only access", zh="审计人员只能查看")
    handling.get(session, actor, lead_id)  # 404 outside the actor's scope
    lead = leads.lock(session, lead_id)
    if lead.status != leads.DISPATCHED or lead.verify_state != "running":
        raise Conflict(f"lead {lead.number} is not being verified; nothing to urge",
                       zh=f"线索 {lead.number} 不在核查中，无需催办督办")
    supervises = bool(actor.units_with(Role.SUPERVISOR)) and lead.unit_id in actor.visible_units
    if not supervises:
        if step == "supervise":
            raise Forbidden("a 督办单 is issued by a supervisor (督办员) over the unit",
                            zh="督办单由指导办督办员签发")
        if not any(actor.has_role(r, lead.unit_id) for r in (Role.DEPUTY_HEAD, Role.AGENCY_HEAD)):
            raise Forbidden("a 催办单 is issued by a supervisor over the unit or the unit's head",
                            zh="催办单由督办员或接收单位负责人签发")
    note = (note or "").strip() or None
    if note and len(note) > 1000:
        raise ValidationFailed("note too long", {"note": ["at most 1000 characters"]},
                               zh="说明过长", errors_zh={"note": ["最多 1000 个字符"]})
    now = wall.now()
    today = local_date(now)
    if finish_by is not None and finish_by < today:
        raise ValidationFailed("finish date in the past", {"finish_by": ["must be today or later"]},
                               zh="办结期限不能早于今天", errors_zh={"finish_by": ["不能早于今天"]})
    cal = Calendar.load(session)
    last = history.events(session, lead.id)[-1].seq
    data = _send(session, lead, step, cal, today, now, actor_id=actor.user_id, note=note, finish_by=finish_by,
                 key=f"lead-manual:{lead.id}:{step}:{last + 1}")
    if lead.colour == "red" and lead.escalation_level < LEVEL[step]:
        lead.escalation_level = LEVEL[step]
        _schedule_next(lead, cal, today)
    leads.bump(session, lead)
    return dict(data, lead=lead.id)
