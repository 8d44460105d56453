"""Complaints and reports (投诉举报) about an entity, matched in SQL over the leads and their subjects.

A lead is about an entity when:
1. its case is one of the entity's cases; or
2. an officer confirmed it is (``complaint_subjects.decision = 'confirmed'``); or, with no decision recorded,
3. it names the entity's unified social credit code / ID number; or
4. it names no registered code, and its normalised name (engine.names: 全角/半角, spaces, brackets,
   有限责任公司 = 有限公司) is the entity's — and no other entity under supervision has that name. When several
   do, the match is ambiguous: the lead waits on each candidate's page for an officer to say which it is.
An officer can also say a lead is about no registered entity (``decision = 'none'``, e.g. a same-named shop).

Also the leads a unit returned to the dispatcher (退回) in a period, for 履职评估.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from engine import clock
from engine.deadlines.config import settings as deadline_settings
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.models import CaseParty, ComplaintSubject, EntityProfile, Party
from engine.models.intake import Lead, LeadEvent

RETURNED = "returned"  # engine.intake.history.RETURNED
CONFIRMED, NONE = "confirmed", "none"


def namesakes(session: Session, party: Party) -> int:
    """How many entities under supervision (not merged away) share the party's name key."""
    if not party.name_key:
        return 0
    return session.scalar(select(func.count()).select_from(EntityProfile).join(Party, Party.id == EntityProfile.party_id)
                          .where(Party.name_key == party.name_key, EntityProfile.merged_into_id.is_(None))) or 0


def _known_number():
    other = aliased(Party)
    return exists().where(other.id_number == ComplaintSubject.id_number)


def _about(session: Session, party: Party, ambiguous: bool | None = None):
    """SQL condition on Lead (joined to its ComplaintSubject): the lead is about ``party``."""
    if ambiguous is None:
        ambiguous = namesakes(session, party) > 1
    linked = select(CaseParty.case_id).where(CaseParty.party_id == party.id)
    automatic = [ComplaintSubject.id_number == party.id_number]
    if party.name_key and not ambiguous:
        automatic.append(and_(ComplaintSubject.name_key == party.name_key,
                              or_(ComplaintSubject.id_number.is_(None), ~_known_number())))
    return or_(Lead.case_id.in_(linked),
               and_(ComplaintSubject.decision == CONFIRMED, ComplaintSubject.party_id == party.id),
               and_(ComplaintSubject.decision.is_(None), or_(*automatic)))


def _leads():
    return select(Lead).outerjoin(ComplaintSubject, ComplaintSubject.lead_id == Lead.id)


def count(session: Session, party: Party, since: date) -> int:
    start = datetime.combine(since, time.min, tzinfo=deadline_settings().tz)
    return session.scalar(select(func.count()).select_from(
        _leads().where(_about(session, party), Lead.received_at >= start, Lead.duplicate_of_id.is_(None))
        .subquery())) or 0


def how(subject: ComplaintSubject | None, party: Party) -> str:
    """How a lead about ``party`` was matched: confirmed | id_number | name | case."""
    if subject is not None and subject.decision == CONFIRMED and subject.party_id == party.id:
        return "confirmed"
    if subject is not None and subject.decision is None:
        if subject.id_number and subject.id_number == party.id_number:
            return "id_number"
        if subject.name_key and subject.name_key == party.name_key:
            return "name"
    return "case"


def _row(lead: Lead, subject, party: Party, matched: str | None = None) -> dict:
    return {"id": lead.id, "number": lead.number, "received_at": lead.received_at.isoformat(),
            "summary": lead.text[:120], "named": (lead.party or {}).get("name"), "status": lead.status,
            "case_id": lead.case_id, "duplicate": lead.duplicate_of_id is not None,
            "matched": matched or how(subject, party)}


def listing(session: Session, party_id: int) -> list[dict]:
    party = session.get(Party, party_id)
    rows = session.execute(select(Lead, ComplaintSubject).outerjoin(ComplaintSubject,
                                                                     ComplaintSubject.lead_id == Lead.id)
                           .where(_about(session, party)).order_by(Lead.received_at.desc()).limit(100))
    return [_row(lead, subject, party) for lead, subject in rows]


def to_confirm(session: Session, party_id: int) -> list[dict]:
    """Leads that name this entity's name while other entities share it: an officer says which one is meant."""
    party = session.get(Party, party_id)
    if not party.name_key or namesakes(session, party) < 2:
        return []
    rows = session.execute(select(Lead, ComplaintSubject).join(ComplaintSubject, ComplaintSubject.lead_id == Lead.id)
                           .where(ComplaintSubject.decision.is_(None), ComplaintSubject.name_key == party.name_key,
                                  or_(ComplaintSubject.id_number.is_(None), ~_known_number()),
                                  Lead.case_id.is_(None))
                           .order_by(Lead.received_at.desc()).limit(100))
    return [_row(lead, subject, party, "ambiguous") for lead, subject in rows]


def decide(session: Session, actor_id: int | None, lead_id: int, party: Party | None) -> ComplaintSubject:
    """The officer's word: the lead is about ``party`` (or, with None, about no registered entity)."""
    subject = session.scalar(select(ComplaintSubject).where(ComplaintSubject.lead_id == lead_id).with_for_update())
    lead = session.get(Lead, lead_id)
    if subject is None or lead is None:
        raise NotFound(f"lead {lead_id} not found", zh=f"线索 {lead_id} 不存在")
    if lead.case_id is not None:
        raise Conflict("This lead became a case; it belongs to the case's parties.",
                       zh="该线索已立案，按案件当事人归属，无需确认")
    if party is not None and subject.name_key != party.name_key and subject.id_number != party.id_number:
        raise ValidationFailed("The lead names neither this entity's name nor its code.",
                               {"lead_id": ["not a candidate"]}, zh="该线索所列名称和代码均与本对象不符",
                               errors_zh={"lead_id": ["不是本对象的候选线索"]})
    subject.decision = CONFIRMED if party is not None else NONE
    subject.party_id = party.id if party is not None else None
    subject.decided_by, subject.decided_at = actor_id, clock.now()
    session.flush()
    return subject


def returned(session: Session, units: list[str], start: datetime, end: datetime) -> dict[str, int]:
    rows = session.execute(select(LeadEvent.unit_id, func.count(func.distinct(LeadEvent.lead_id))).where(
        LeadEvent.type == RETURNED, LeadEvent.unit_id.in_(units), LeadEvent.at >= start, LeadEvent.at < end)
        .group_by(LeadEvent.unit_id))
    return dict(rows.all())
