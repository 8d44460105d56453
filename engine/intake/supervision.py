"""Lead supervision per unit (SQL over the leads and their histories): received, open, returned, accepted,
closed, overdue 核查, average time from receipt to first dispatch and from dispatch to acceptance."""
from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from engine import clock
from engine.deadlines.calendar import local_date
from engine.intake import history, leads
from engine.models import Lead, LeadEvent, Unit
from engine.org import Actor
from engine.statuses import Role


def scope_units(session: Session, actor: Actor) -> set[str] | None:
    """None: every unit (dispatchers, supervisors and auditors of the top office see all their subtree)."""
    if actor.units_with(Role.DISPATCHER):
        return None
    return set(actor.visible_units)


def unit_stats(session: Session, actor: Actor) -> list[dict]:
    units = scope_units(session, actor)
    today = local_date(clock.now())
    ev = select(LeadEvent.unit_id, LeadEvent.type, func.count(func.distinct(LeadEvent.lead_id)).label("n")) \
        .where(LeadEvent.type.in_((history.DISPATCHED, history.RETURNED)), LeadEvent.unit_id.is_not(None)) \
        .group_by(LeadEvent.unit_id, LeadEvent.type)
    if units is not None:
        ev = ev.where(LeadEvent.unit_id.in_(units))
    stats: dict[str, dict] = {}

    def row(unit_id):
        return stats.setdefault(unit_id, {"unit": unit_id, "received": 0, "open": 0, "returned": 0, "accepted": 0,
                                          "closed": 0, "overdue": 0, "avg_dispatch_minutes": None,
                                          "avg_accept_hours": None})
    for unit_id, type_, n in session.execute(ev):
        row(unit_id)["received" if type_ == history.DISPATCHED else "returned"] = n
    overdue = or_(Lead.verify_state == "overdue", and_(Lead.verify_state == "running", Lead.verify_due_on < today))
    cur = select(Lead.unit_id,
                 func.sum(case((Lead.status == leads.DISPATCHED, 1), else_=0)),
                 func.sum(case((Lead.status == leads.ACCEPTED, 1), else_=0)),
                 func.sum(case((Lead.status == leads.CLOSED, 1), else_=0)),
                 func.sum(case((overdue, 1), else_=0))).where(Lead.unit_id.is_not(None)).group_by(Lead.unit_id)
    if units is not None:
        cur = cur.where(Lead.unit_id.in_(units))
    for unit_id, open_, accepted, closed, late in session.execute(cur):
        r = row(unit_id)
        r.update(open=int(open_ or 0), accepted=int(accepted or 0), closed=int(closed or 0), overdue=int(late or 0))
    times = select(Lead.unit_id, Lead.received_at, Lead.first_dispatched_at, Lead.dispatched_at, Lead.accepted_at) \
        .where(Lead.unit_id.is_not(None), Lead.first_dispatched_at.is_not(None))
    if units is not None:
        times = times.where(Lead.unit_id.in_(units))
    spans: dict[str, tuple[list, list]] = {}
    for unit_id, received, first, dispatched, accepted in session.execute(times):
        to_dispatch, to_accept = spans.setdefault(unit_id, ([], []))
        to_dispatch.append((first - received).total_seconds() / 60)
        if accepted is not None:
            to_accept.append((accepted - dispatched).total_seconds() / 3600)
    for unit_id, (d, a) in spans.items():
        r = row(unit_id)
        r["avg_dispatch_minutes"] = round(sum(d) / len(d), 1) if d else None
        r["avg_accept_hours"] = round(sum(a) / len(a), 1) if a else None
    names = {uid: name for uid, name in session.execute(select(Unit.id, Unit.name))}
    for r in stats.values():
        r["unit_name"] = names.get(r["unit"], r["unit"])
    return sorted(stats.values(), key=lambda r: (-r["overdue"], -r["open"], r["unit"]))


def waiting_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Lead).where(Lead.status == leads.WAITING)) or 0
