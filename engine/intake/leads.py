"""Leads (线索): intake from every channel, routing to the competent unit, dispatch (派单).

A lead is routed when it arrives: the matter from its text (engine.intake.router), the township from its
place (engine.intake.places), the unit from both (a matter delegated to townships goes to the township,
any other to its county unit — the bureau unless the catalogue names one). A confident match with a
resolved unit is dispatched at once; anything else waits for the dispatcher with the reason.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine import clock
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.intake import catalogue, history, places, router, verification
from engine.models import Channel, Lead, LeadCounter, Unit
from engine.org import Actor
from engine.statuses import Role

WAITING, DISPATCHED, ACCEPTED, CLOSED = "waiting", "dispatched", "accepted", "closed"
OPEN = (WAITING, DISPATCHED)
MAX_TEXT, MAX_PLACE = 5000, 300


def auto_confidence() -> float:
    return float(os.environ.get("ZHIFA_INTAKE_AUTO_CONFIDENCE", "0.6"))


def duplicate_days() -> int:
    return int(os.environ.get("ZHIFA_INTAKE_DUPLICATE_DAYS", "7"))


# ---------------------------------------------------------------- input

def _text(value, field: str, limit: int, errors: dict, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.setdefault(field, []).append("必填 (required)")
        return None
    if not isinstance(value, str):
        errors.setdefault(field, []).append("须为文本 (must be text)")
        return None
    value = value.strip()
    if len(value) > limit:
        errors.setdefault(field, []).append(f"最多 {limit} 个字符，收到 {len(value)} 个 (at most {limit} characters)")
        return None
    if "\x00" in value:
        errors.setdefault(field, []).append("含有不允许的字符 (contains a NUL character)")
        return None
    return value


def clean_input(payload: dict) -> dict:
    """Validate a lead as sent by a channel, the dispatcher's page or an import row; all errors at once."""
    errors: dict[str, list[str]] = {}
    text = _text(payload.get("text"), "text", MAX_TEXT, errors)
    if text is not None and len(router.normalise(text)) < 4:
        errors.setdefault("text", []).append("内容过短，至少 4 个字 (at least 4 characters)")
    place = payload.get("place") or {}
    if isinstance(place, str):
        place = {"text": place}
    if not isinstance(place, dict):
        errors.setdefault("place", []).append("须为地址文本或对象 (text or object)")
        place = {}
    place_text = _text(place.get("text"), "place.text", MAX_PLACE, errors)
    lat, lng = place.get("lat"), place.get("lng")
    if (lat is None) != (lng is None):
        errors.setdefault("place", []).append("经纬度须同时提供 (lat and lng together)")
    for name, value, low, high in (("place.lat", lat, -90, 90), ("place.lng", lng, -180, 180)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not low <= value <= high):
            errors.setdefault(name, []).append(f"须为 {low} 至 {high} 之间的数 (a number in {low}..{high})")
    occurred = payload.get("occurred_at")
    occurred_at = None
    if occurred not in (None, ""):
        try:
            occurred_at = datetime.fromisoformat(str(occurred).replace("Z", "+00:00"))
            if occurred_at.tzinfo is None:
                occurred_at = occurred_at.replace(tzinfo=clock.now().tzinfo)
            if occurred_at > clock.now() + timedelta(minutes=10):
                errors.setdefault("occurred_at", []).append("不能晚于现在 (must not be in the future)")
            elif occurred_at < clock.now() - timedelta(days=2 * 366):
                errors.setdefault("occurred_at", []).append("超过两年 (more than two years ago, APL Art. 36)")
        except (TypeError, ValueError):
            errors.setdefault("occurred_at", []).append("须为 ISO 8601 时间 (ISO 8601 date-time)")
    reporter = payload.get("reporter")
    if reporter is not None:
        if not isinstance(reporter, dict):
            errors.setdefault("reporter", []).append("须为对象 (object: name, phone)")
            reporter = None
        else:
            reporter = {k: _text(reporter.get(k), f"reporter.{k}", n, errors, required=False)
                        for k, n in (("name", 50), ("phone", 20))}
    party = payload.get("party")
    if party is not None:
        if not isinstance(party, dict):
            errors.setdefault("party", []).append("须为对象 (object)")
            party = None
        else:
            number = _text(party.get("id_number"), "party.id_number", 18, errors, required=False)
            party = {"name": _text(party.get("name"), "party.name", 200, errors, required=False)}
            if number:  # a credit code / ID number, when the complainant gives one (matches the entity first)
                party["id_number"] = number.upper()
    ref = _text(payload.get("external_ref"), "external_ref", 100, errors, required=False)
    if errors:
        raise ValidationFailed("线索内容有误，未保存 (the lead is invalid; nothing was stored)", errors)
    reason = places.outside_reason(place_text, lat, lng)
    if reason:
        raise ValidationFailed(reason, {"place": [reason]})
    return {"text": text, "place_text": place_text, "lat": lat, "lng": lng, "occurred_at": occurred_at,
            "reporter": reporter if reporter and any(reporter.values()) else None,
            "party": party if party and party.get("name") else None, "external_ref": ref}


def _number(session: Session, year: int) -> str:
    row = session.scalar(select(LeadCounter).where(LeadCounter.year == year).with_for_update())
    if row is None:
        row = LeadCounter(year=year, last_seq=0)
        session.add(row)
        session.flush()
    row.last_seq += 1
    return f"XS{year}{row.last_seq:06d}"


# ---------------------------------------------------------------- intake

def create(session: Session, channel_id: str, payload: dict, actor: Actor | None = None) -> Lead:
    """Store a lead and route it (dispatching it when confident). ``actor``: the dispatcher, or None for a
    channel's external system."""
    if actor is not None and actor.user_id and not actor.units_with(Role.DISPATCHER):
        raise Forbidden("只有指挥中心派单员可以登记线索 (dispatchers only)")
    channel = session.get(Channel, channel_id) if isinstance(channel_id, str) else None
    if channel is None or not channel.active:
        raise ValidationFailed("未知的线索渠道 (unknown channel)", {"channel": ["未知的线索渠道"]})
    data = clean_input(payload)
    if data["external_ref"] and session.scalar(select(Lead.id).where(
            Lead.channel_id == channel.id, Lead.external_ref == data["external_ref"])):
        raise Conflict(f"该渠道已提交过编号为 {data['external_ref']} 的线索 (already received)")
    now = clock.now()
    lead = Lead(number=_number(session, now.year), channel_id=channel.id, external_ref=data["external_ref"],
                text=data["text"], place_text=data["place_text"], occurred_at=data["occurred_at"], received_at=now,
                reporter=data["reporter"], party=data["party"], status=WAITING, candidates=[], confidence=0.0,
                returned_by=[], created_by=actor.user_id if actor and actor.user_id else None, version=1,
                verify_limit=verification.LIMIT, verify_extension=0)
    session.add(lead)
    session.flush()
    history.append(session, lead, history.RECEIVED, actor_id=lead.created_by,
                   data={"channel": channel.id, "place": lead.place_text,
                         "coordinates": [data["lat"], data["lng"]] if data["lat"] is not None else None})
    route(session, lead)
    return lead


def target_unit(session: Session, matter, township: str | None) -> str | None:
    if matter.delegated and "township" in (matter.levels or []):
        return township
    if matter.county_unit:
        return matter.county_unit
    return session.scalar(select(Unit.id).where(Unit.kind == "bureau").order_by(Unit.id).limit(1))


def route(session: Session, lead: Lead) -> None:
    """Identify matter and place; dispatch when confident, else leave it waiting with the reason."""
    version = catalogue.current(session)
    if version is None:
        _wait(session, lead, "no_catalogue")
        return
    ranked = catalogue.router_for(session, version).rank(lead.text)
    lead.catalogue_version_id = version.id
    lead.candidates = [c.as_dict() for c in ranked]
    lead.confidence = router.confidence(ranked)
    lead.matter_code = ranked[0].code if ranked else None
    where = places.resolve(session, lead.place_text)
    if where.township is None and not where.townships:
        where = places.resolve(session, f"{lead.place_text} {lead.text}")
    lead.place_id, lead.township_id = where.place_id, where.township
    history.append(session, lead, history.ROUTED, data={
        "catalogue_version": version.id, "candidates": lead.candidates, "confidence": lead.confidence,
        "places": where.matched, "township": where.township})
    _link_duplicate(session, lead)
    if not ranked:
        _wait(session, lead, "no_matter")
        return
    if lead.confidence < auto_confidence():
        _wait(session, lead, "low_confidence")
        return
    matter = catalogue.matter(session, version.id, lead.matter_code)
    unit = target_unit(session, matter, where.township)
    if unit is None:
        _wait(session, lead, where.reason or "place_unknown")
        return
    if unit in (lead.returned_by or []):
        _wait(session, lead, "returned")
        return
    _dispatch(session, lead, matter.code, unit, actor_id=None, auto=True)


def _wait(session: Session, lead: Lead, reason: str) -> None:
    lead.status, lead.wait_reason, lead.unit_id = WAITING, reason, None
    history.append(session, lead, history.WAITING, data={"reason": reason})


def _link_duplicate(session: Session, lead: Lead) -> None:
    if not lead.matter_code or lead.place_id is None:
        return
    since = lead.received_at - timedelta(days=duplicate_days())
    first = session.scalar(select(Lead).where(
        Lead.id != lead.id, Lead.matter_code == lead.matter_code, Lead.place_id == lead.place_id,
        Lead.received_at >= since).order_by(Lead.received_at, Lead.id).limit(1))
    if first is not None:
        lead.duplicate_of_id = first.duplicate_of_id or first.id
        history.append(session, lead, history.DUPLICATE, data={"duplicate_of": lead.duplicate_of_id,
                                                                "days": duplicate_days()})


def _dispatch(session: Session, lead: Lead, matter_code: str, unit_id: str, actor_id, auto: bool,
              note: str | None = None) -> None:
    now = clock.now()
    lead.status, lead.wait_reason, lead.matter_code, lead.unit_id = DISPATCHED, None, matter_code, unit_id
    lead.dispatched_at = now
    lead.first_dispatched_at = lead.first_dispatched_at or now
    verification.start(session, lead)
    history.append(session, lead, history.DISPATCHED, actor_id=actor_id, unit_id=unit_id, data={
        "matter": matter_code, "automatic": auto, "note": note, "verify_due_on": lead.verify_due_on.isoformat()})


def lock(session: Session, lead_id: int) -> Lead:
    lead = session.scalar(select(Lead).where(Lead.id == lead_id).with_for_update())
    if lead is None:
        raise NotFound(f"线索 {lead_id} 不存在 (lead not found)")
    return lead


def bump(session: Session, lead: Lead) -> None:
    """Compare-and-set on the lead's version: a concurrent change makes this command fail with 409."""
    done = session.execute(update(Lead).where(Lead.id == lead.id, Lead.version == lead.version)
                           .values(version=lead.version + 1).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict("线索已被他人处理，请刷新 (the lead changed meanwhile; reload)")
    set_committed_value(lead, "version", lead.version + 1)


def dispatch(session: Session, actor: Actor, lead_id: int, matter_code: str, unit_id: str,
             note: str | None = None) -> Lead:
    """The dispatcher sends a waiting lead to a unit. A unit that returned it gets it again only with a note."""
    if not actor.units_with(Role.DISPATCHER):
        raise Forbidden("只有指挥中心派单员可以派单 (dispatchers only)")
    lead = lock(session, lead_id)
    if lead.status != WAITING:
        raise Conflict(f"线索 {lead.number} 不在待派单状态 (the lead is not waiting)")
    version = catalogue.current(session)
    if version is None:
        raise Conflict("尚未导入执法事项目录 (no catalogue)")
    catalogue.matter(session, version.id, matter_code)
    unit = session.get(Unit, unit_id)
    if unit is None or unit.kind not in ("township", "bureau", "direct_squad", "agency"):
        raise ValidationFailed("派单单位须为镇街、执法局、直属中队或部门", {"unit": ["不可接收线索的单位"]})
    note = (note or "").strip() or None
    if note and len(note) > 500:
        raise ValidationFailed("说明最多 500 个字符", {"note": ["最多 500 个字符"]})
    if unit_id in (lead.returned_by or []) and not note:
        raise ValidationFailed(f"{unit.name}已退回该线索；再次派给它须说明理由 (ZJ Art. 18)",
                               {"note": ["再次派给退单单位须说明理由"]})
    lead.catalogue_version_id = version.id
    _dispatch(session, lead, matter_code, unit_id, actor_id=actor.user_id, auto=False, note=note)
    bump(session, lead)
    return lead
