"""The entity registry: profiles over parties (deduplicated by ID number / USCC), listing, editing, merging."""
from __future__ import annotations

from datetime import date

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session

from engine import clock, parties
from engine.entities import colours, complaints
from engine.entities.config import COLOURS, CREDITS, RISKS
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.models import Case, CaseParty, ComplaintSubject, EntityMerge, EntityProfile, Lead, Party, PlanEntry, Unit
from engine.org import Actor
from engine.statuses import Role

EDITORS = (Role.OFFICER, Role.SQUAD_LEADER, Role.AGENCY_HEAD, Role.DEPUTY_HEAD)
MERGERS = (Role.SQUAD_LEADER, Role.AGENCY_HEAD, Role.DEPUTY_HEAD)


def visible(actor: Actor):
    """SQL condition: entities in a township of the actor's scope, or with a case handled in it."""
    units = list(actor.visible_units)
    return or_(EntityProfile.township_id.in_(units),
               exists().where(CaseParty.party_id == EntityProfile.party_id, Case.id == CaseParty.case_id,
                              Case.unit_id.in_(units)).correlate(EntityProfile))


def get(session: Session, actor: Actor, party_id: int) -> EntityProfile:
    profile = session.scalar(select(EntityProfile).where(EntityProfile.party_id == party_id, visible(actor)))
    if profile is None:
        raise NotFound(f"监管对象 {party_id} 不存在")
    return profile


def search(session: Session, actor: Actor, *, colour: str | None = None, township: str | None = None,
           q: str | None = None, industry: str | None = None, due_before: date | None = None,
           include_merged: bool = False, page: int = 1, per_page: int = 50) -> tuple[list[EntityProfile], int]:
    query = select(EntityProfile).join(Party, Party.id == EntityProfile.party_id).where(visible(actor))
    if not include_merged:
        query = query.where(EntityProfile.merged_into_id.is_(None))
    if colour:
        query = query.where(EntityProfile.colour == colour)
    if township:
        query = query.where(EntityProfile.township_id == township)
    if industry:
        query = query.where(EntityProfile.industry == industry)
    if due_before:
        query = query.where(EntityProfile.next_inspection_on <= due_before)
    if q:
        text = q.strip()
        query = query.where(or_(Party.name.like(f"%{text}%"), Party.id_number == text.upper()))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(EntityProfile.colour.desc(), Party.name, Party.id)
                           .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def counts(session: Session, actor: Actor) -> dict[str, int]:
    rows = session.execute(select(EntityProfile.colour, func.count()).where(
        visible(actor), EntityProfile.merged_into_id.is_(None)).group_by(EntityProfile.colour))
    found = dict(rows.all())
    return {c: found.get(c, 0) for c in COLOURS}


def _profile_fields(session: Session, data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    out = {}
    if "township_id" in data:
        township = data["township_id"]
        if township is not None and (session.get(Unit, township) is None or
                                     session.get(Unit, township).kind != "township"):
            errors["township_id"] = ["不是已配置的镇街"]
        out["township_id"] = township
    if "industry" in data:
        industry = data["industry"]
        if industry is not None and (not isinstance(industry, str) or len(industry) > 100):
            errors["industry"] = ["行业最多100字"]
        out["industry"] = (industry or "").strip() or None
    for key, allowed, label in (("risk_level", RISKS, "风险等级"), ("credit", CREDITS, "信用等级")):
        if key in data:
            if data[key] not in allowed:
                errors[key] = [f"{label}须为 {'、'.join(allowed)} 之一"]
            out[key] = data[key]
    if "major_hazard" in data:
        if not isinstance(data["major_hazard"], bool):
            errors["major_hazard"] = ["须为 true 或 false"]
        out["major_hazard"] = data["major_hazard"]
    if "licences" in data:
        licences = data["licences"]
        ok = isinstance(licences, list) and len(licences) <= 20 and all(
            isinstance(x, dict) and isinstance(x.get("kind"), str) and isinstance(x.get("number"), str)
            and 0 < len(x["kind"]) <= 50 and 0 < len(x["number"]) <= 64 for x in licences)
        if not ok:
            errors["licences"] = ["证照为最多20项，每项须有名称（≤50字）和编号（≤64字）"]
        else:
            out["licences"] = [{"kind": x["kind"].strip(), "number": x["number"].strip(),
                                "valid_until": str(x.get("valid_until") or "")[:10] or None} for x in licences]
    if errors:
        raise ValidationFailed("监管对象信息填写有误", errors)
    return out


def _check_editor(actor: Actor, township: str | None) -> None:
    units = actor.units_with(*EDITORS)
    if not units or (township and township not in units and not (units & actor.visible_units)):
        raise Forbidden("登记或修改监管对象需要执法队员、中队长或负责人角色")


def register(session: Session, actor: Actor, party_data: dict, profile_data: dict) -> EntityProfile:
    """Register (or update) an entity: the party is found by kind + ID number or created, then profiled."""
    _check_editor(actor, profile_data.get("township_id"))
    if not profile_data.get("township_id"):  # without it nobody's scope would show the new entity
        raise ValidationFailed("The township where the entity is located is required.",
                               {"profile.township_id": ["required"]}, zh="属地镇街必填",
                               errors_zh={"profile.township_id": ["属地镇街必填"]})
    fields = _profile_fields(session, profile_data)
    party = parties.upsert(session, party_data)
    existing = session.get(EntityProfile, party.id)
    if existing is not None and existing.merged_into_id is not None:
        raise Conflict(f"该对象已并入监管对象 {existing.merged_into_id}，请修改合并后的记录")
    profile = colours.ensure_profile(session, party, fields.get("township_id"))
    return _apply(session, actor, profile, fields)


def update_profile(session: Session, actor: Actor, party_id: int, data: dict) -> EntityProfile:
    profile = get(session, actor, party_id)
    _check_editor(actor, profile.township_id)
    if profile.merged_into_id is not None:
        raise Conflict(f"该对象已并入监管对象 {profile.merged_into_id}")
    return _apply(session, actor, profile, _profile_fields(session, data))


def edit(session: Session, actor: Actor, party_id: int, party_data: dict, profile_data: dict) -> EntityProfile:
    """Change an entity's name, address, phone and profile (kind and ID number identify it and stay)."""
    profile = get(session, actor, party_id)
    _check_editor(actor, profile.township_id)
    if profile.merged_into_id is not None:
        raise Conflict("This record was merged into another; edit the kept record.",
                       zh="该对象已并入其他监管对象，请修改合并后保留的记录")
    fields = _profile_fields(session, profile_data)
    party = profile.party
    clean = parties.validate({"kind": party.kind, "id_number": party.id_number, **party_data})
    for key in ("name", "address", "phone"):
        if getattr(party, key) != clean[key]:
            setattr(party, key, clean[key])
    return _apply(session, actor, profile, fields)


def _apply(session: Session, actor: Actor, profile: EntityProfile, fields: dict) -> EntityProfile:
    for key, value in fields.items():
        setattr(profile, key, value)
    profile.updated_at = clock.now()
    colours.recompute(session, profile, "profile", actor_id=actor.user_id)
    session.flush()
    return profile


def merge(session: Session, actor: Actor, source_id: int, target_id: int, reason: str) -> EntityMerge:
    """Fold a duplicate into the entity it duplicates: cases and plan entries move; the duplicate is kept."""
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 1000:
        raise ValidationFailed("合并理由必填", {"reason": ["合并理由必填，最多1000字"]})
    if source_id == target_id:
        raise ValidationFailed("不能与自身合并", {"target_id": ["不能与自身合并"]})
    source, target = get(session, actor, source_id), get(session, actor, target_id)
    if not actor.units_with(*MERGERS):
        raise Forbidden("合并监管对象需要中队长或负责人角色")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise Conflict("已合并的对象不能再次合并")
    if source.party.kind != target.party.kind:
        raise ValidationFailed("个人与单位不能合并", {"target_id": ["当事人类型不同"]})
    already = set(session.scalars(select(CaseParty.case_id).where(CaseParty.party_id == target_id)))
    moved = [cid for cid in session.scalars(select(CaseParty.case_id).where(CaseParty.party_id == source_id))
             if cid not in already]
    if moved:
        session.execute(update(CaseParty).where(CaseParty.party_id == source_id, CaseParty.case_id.in_(moved))
                        .values(party_id=target_id).execution_options(synchronize_session=False))
    session.execute(update(PlanEntry).where(PlanEntry.party_id == source_id).values(party_id=target_id)
                    .execution_options(synchronize_session=False))
    session.execute(update(ComplaintSubject).where(ComplaintSubject.party_id == source_id)
                    .values(party_id=target_id).execution_options(synchronize_session=False))
    snap = {"party": {"id": source.party.id, "kind": source.party.kind, "name": source.party.name,
                      "id_number": source.party.id_number, "address": source.party.address},
            "profile": {"township_id": source.township_id, "industry": source.industry, "colour": source.colour,
                        "risk_level": source.risk_level, "credit": source.credit, "licences": source.licences}}
    record = EntityMerge(source_party_id=source_id, target_party_id=target_id, snapshot=snap, moved_cases=moved,
                         reason=reason.strip(), merged_by=actor.user_id, merged_at=clock.now())
    session.add(record)
    source.merged_into_id = target_id
    target.licences = list(target.licences or []) + [x for x in (source.licences or [])
                                                      if x not in (target.licences or [])]
    session.flush()
    session.expire_all()
    colours.recompute(session, session.get(EntityProfile, target_id), "merge", actor_id=actor.user_id, force=True)
    return record


def decide_complaint(session: Session, actor: Actor, party_id: int, lead_id: int, about: bool) -> EntityProfile:
    """An officer says whether a lead is about this entity (an ambiguous or a wrong name match); its colour
    follows, with the decision in words."""
    profile = get(session, actor, party_id)
    _check_editor(actor, profile.township_id)
    if profile.merged_into_id is not None:
        raise Conflict("This record was merged into another.", zh="该对象已并入其他监管对象")
    lead = complaints.decide(session, actor.user_id, lead_id, profile.party if about else None)
    number = session.get(Lead, lead.lead_id).number
    cause = (f"投诉举报 {number} 经确认涉及本对象" if about else f"投诉举报 {number} 经确认不涉及本对象")
    colours.recompute(session, profile, "complaint", actor_id=actor.user_id, cause=cause)
    session.flush()
    return profile
