"""The receiving unit's side: see its leads, accept (open a case), close as not established, return (退单),
extend the 核查 period with the head's approval.

A lead sent to a unit is handled by that unit's members and by its direct squads (a lead for the county
bureau is worked by 直属中队, the bureau head decides returns and extensions).
"""
from __future__ import annotations

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from engine import bundles, cases, clock, deploy
from engine.deadlines.calendar import local_date
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.intake import catalogue, channels, history, leads, verification
from engine.models import Lead, Unit
from engine.org import SYSTEM, Actor
from engine.statuses import Role

DECIDERS = (Role.SQUAD_LEADER, Role.AGENCY_HEAD, Role.DEPUTY_HEAD)
HEADS = (Role.AGENCY_HEAD, Role.DEPUTY_HEAD)
STARTERS = (Role.OFFICER, Role.SQUAD_LEADER)


def handling_units(session: Session, unit_id: str) -> list[str]:
    squads = session.scalars(select(Unit.id).where(Unit.parent_id == unit_id, Unit.kind == "direct_squad")
                             .order_by(Unit.id))
    return [unit_id, *squads]


def receiving_units(session: Session, actor: Actor) -> set[str]:
    """Units whose received leads this actor works on: their own, and the parent of a direct squad."""
    own = set(actor.member_units)
    parents = session.scalars(select(Unit.parent_id).where(Unit.id.in_(own), Unit.kind == "direct_squad"))
    return own | {p for p in parents if p}


def visible(session: Session, actor: Actor):
    """SQL condition: leads this actor may read. Dispatchers see every lead; a unit sees the leads sent to it
    and those it returned; supervisors and auditors see those of the units below them."""
    if actor.units_with(Role.DISPATCHER):
        return Lead.id.is_not(None)
    units = receiving_units(session, actor) | set(actor.visible_units)
    conds = [Lead.unit_id.in_(units)]
    for unit in units:
        conds.append(cast(Lead.returned_by, String).like(f'%"{unit}"%'))
    return or_(*conds) if conds else Lead.id.is_(None)


def visible_lead(session: Session, actor: Actor, lead_id: int) -> bool:
    return session.scalar(select(Lead.id).where(Lead.id == lead_id, visible(session, actor))) is not None


def get(session: Session, actor: Actor, lead_id: int) -> Lead:
    lead = session.scalar(select(Lead).where(Lead.id == lead_id, visible(session, actor)))
    if lead is None:
        raise NotFound(f"线索 {lead_id} 不存在 (lead not found)")
    return lead


def _locked_for(session: Session, actor: Actor, lead_id: int, roles) -> Lead:
    get(session, actor, lead_id)
    lead = leads.lock(session, lead_id)
    if lead.status != leads.DISPATCHED:
        raise Conflict(f"线索 {lead.number} 不在待核查状态 (the lead is not with a unit)")
    units = handling_units(session, lead.unit_id)
    if not any(actor.has_role(r, u) for r in roles for u in units):
        raise Forbidden("需要接收单位的中队长或负责人办理 (needs the receiving unit's squad leader or head)")
    return lead


def _reason(reason, field: str = "reason") -> str:
    text = (reason or "").strip() if isinstance(reason, str) else ""
    if len(text) < 2:
        raise ValidationFailed("须说明理由 (a reason is required)", {field: ["必填，至少 2 个字"]})
    if len(text) > 1000:
        raise ValidationFailed("理由最多 1000 个字符", {field: ["最多 1000 个字符"]})
    return text


def accept(session: Session, actor: Actor, lead_id: int, procedure: str, party: dict | None = None) -> Lead:
    """Open a case of ``procedure`` in the actor's unit carrying the lead's matter, text, place and party."""
    lead = _locked_for(session, actor, lead_id, STARTERS + DECIDERS)
    if procedure not in catalogue.PROCEDURES:
        raise ValidationFailed("程序须为简易程序或普通程序", {"procedure": ["simple_procedure 或 ordinary_procedure"]})
    units = handling_units(session, lead.unit_id)
    unit = next((u for u in units if any(actor.has_role(r, u) for r in STARTERS)), None)
    if unit is None:  # a head or a bureau lead: the case goes to the unit (a bureau's lead to its first squad)
        unit = units[1] if len(units) > 1 and session.get(Unit, lead.unit_id).kind == "bureau" else units[0]
    matter = catalogue.matter(session, lead.catalogue_version_id, lead.matter_code)
    found_on = local_date(lead.received_at).isoformat()
    place = lead.place_text[:200]
    version = deploy.latest(session, procedure)
    props = version.properties or {}
    if procedure == "simple_procedure":
        data = {"cause": matter.name[:200], "place": place, "lead_found_on": found_on}
        start_form = bundles.form_of(version, props.get("startForm")) or {}
        if any(c.get("key") == "facts" for c in start_form.get("components", [])):
            data["facts"] = f"{lead.text}\n（线索 {lead.number}）"[:5000]   # the 违法事实 the officer confirms
    else:
        data = {"source": channels.CASE_SOURCE.get(lead.channel_id, "complaint"), "cause": matter.name[:200],
                "facts": f"{lead.text}\n（线索 {lead.number}；依据：{matter.legal_basis}）"[:5000],
                "lead_found_on": found_on, "place": place}
    # The receiving unit's squad leader or head decides to open the case (立案); officers start it as usual.
    roles = [r.strip() for r in props.get("startRoles", ",".join(cases.DEFAULT_START_ROLES)).split(",")]
    starter = actor if any(actor.has_role(r, unit) for r in roles) else SYSTEM
    case = cases.start_case(session, starter, procedure, unit, data, party=party or None,
                            title=f"{matter.name[:120]}（{lead.number}）")
    case.created_by = actor.user_id or None
    from engine.intake import files  # files imports this module
    carried = files.carry_to_case(session, lead, case, actor.user_id)
    now = clock.now()
    verification.stop(lead, finished=True)
    lead.status, lead.case_id, lead.accepted_at, lead.closed_at = leads.ACCEPTED, case.id, now, now
    history.append(session, lead, history.ACCEPTED, actor_id=actor.user_id, unit_id=lead.unit_id,
                   data={"case_id": case.id, "case_number": case.number, "procedure": procedure,
                         "verify_state": lead.verify_state, "files": carried})
    leads.bump(session, lead)
    return lead


def close(session: Session, actor: Actor, lead_id: int, reason: str) -> Lead:
    """Verified and not established (or already handled): the lead ends without a case."""
    text = _reason(reason)
    lead = _locked_for(session, actor, lead_id, DECIDERS)
    verification.stop(lead, finished=True)
    lead.status, lead.outcome_reason, lead.closed_at = leads.CLOSED, text, clock.now()
    history.append(session, lead, history.CLOSED, actor_id=actor.user_id, unit_id=lead.unit_id,
                   data={"reason": text, "verify_state": lead.verify_state})
    leads.bump(session, lead)
    return lead


def return_lead(session: Session, actor: Actor, lead_id: int, reason: str) -> Lead:
    """退单 (ZJ Art. 18): outside the unit's remit → back to the dispatcher with the reason; the router will
    not send it to this unit again, and the dispatcher only with a stated reason."""
    text = _reason(reason)
    lead = _locked_for(session, actor, lead_id, DECIDERS)
    unit = lead.unit_id
    verification.stop(lead, finished=False)
    lead.returned_by = sorted(set(lead.returned_by or []) | {unit})
    lead.status, lead.wait_reason, lead.unit_id, lead.outcome_reason = leads.WAITING, "returned", None, text
    lead.colour = None
    history.append(session, lead, history.RETURNED, actor_id=actor.user_id, unit_id=unit, data={"reason": text})
    leads.bump(session, lead)
    return lead


def extend(session: Session, actor: Actor, lead_id: int, reason: str) -> Lead:
    """+15 working days with the head's approval (SAMR Art. 18), once."""
    text = _reason(reason)
    lead = _locked_for(session, actor, lead_id, HEADS)
    if lead.verify_extension:
        raise Conflict("核查期限已延长过一次 (already extended once; SAMR Art. 18 allows 15 more days)")
    verification.extend(session, lead)
    history.append(session, lead, history.EXTENDED, actor_id=actor.user_id, unit_id=lead.unit_id,
                   data={"days": verification.EXTENSION, "reason": text,
                         "verify_due_on": lead.verify_due_on.isoformat()})
    leads.bump(session, lead)
    return lead


def inbox(session: Session, actor: Actor, status: str | None = leads.DISPATCHED, limit: int = 200) -> list[Lead]:
    """The leads sent to the actor's units, most urgent first."""
    units = receiving_units(session, actor)
    q = select(Lead).where(Lead.unit_id.in_(units))
    if status:
        q = q.where(Lead.status == status)
    return list(session.scalars(q.order_by(Lead.verify_due_on.nulls_last(), Lead.id).limit(limit)))


def queue(session: Session, actor: Actor, limit: int = 200) -> list[Lead]:
    """The dispatcher's queue: waiting leads, oldest first."""
    if not actor.units_with(Role.DISPATCHER):
        raise Forbidden("只有指挥中心派单员可以查看待派单线索 (dispatchers only)")
    return list(session.scalars(select(Lead).where(Lead.status == leads.WAITING)
                                .order_by(Lead.received_at, Lead.id).limit(limit)))


def for_channel(session: Session, channel_id: str, lead_id: int) -> Lead:
    lead = session.scalar(select(Lead).where(Lead.id == lead_id, Lead.channel_id == channel_id))
    if lead is None:
        raise NotFound(f"线索 {lead_id} 不存在 (lead not found)")
    return lead
