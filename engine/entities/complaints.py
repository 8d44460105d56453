"""Complaints and reports (投诉举报) about an entity: intake leads naming it (ID number, else exact name), or whose
case is one of its cases.

Also the leads a unit returned to the dispatcher (退回) in a period, for 履职评估.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.deadlines.config import settings as deadline_settings
from engine.models import CaseParty, Party
from engine.models.intake import Lead, LeadEvent

RETURNED = "returned"  # engine.intake.history.RETURNED


def _about(party: Party):
    linked = select(CaseParty.case_id).where(CaseParty.party_id == party.id)
    # intake keeps the suspected party's name only (today): an exact name match, or the ID number once carried
    return or_(Lead.party["id_number"].as_string() == party.id_number, Lead.party["name"].as_string() == party.name,
               Lead.case_id.in_(linked))


def count(session: Session, party: Party, since: date) -> int:
    start = datetime.combine(since, time.min, tzinfo=deadline_settings().tz)
    return session.scalar(select(func.count()).select_from(Lead).where(
        _about(party), Lead.received_at >= start, Lead.duplicate_of_id.is_(None))) or 0


def listing(session: Session, party_id: int) -> list[dict]:
    party = session.get(Party, party_id)
    rows = session.scalars(select(Lead).where(_about(party)).order_by(Lead.received_at.desc()).limit(100))
    return [{"id": lead.id, "number": lead.number, "received_at": lead.received_at.isoformat(),
             "summary": lead.text[:120],
             "status": lead.status, "case_id": lead.case_id, "duplicate": lead.duplicate_of_id is not None}
            for lead in rows]


def returned(session: Session, units: list[str], start: datetime, end: datetime) -> dict[str, int]:
    rows = session.execute(select(LeadEvent.unit_id, func.count(func.distinct(LeadEvent.lead_id))).where(
        LeadEvent.type == RETURNED, LeadEvent.unit_id.in_(units), LeadEvent.at >= start, LeadEvent.at < end)
        .group_by(LeadEvent.unit_id))
    return dict(rows.all())
