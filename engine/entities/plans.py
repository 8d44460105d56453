"""Inspection plans (双随机、一公开): create → draw (seeded, recorded) → approve (opens the inspections, published).

Approving starts one 监管一件事 (joint_inspection) case per drawn entity, led by the plan's unit, and gives each
agency's inspection task to the first of its two drawn inspectors (the second is the co-inspector).
"""
from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import cases, clock
from engine.entities import draw as drawing
from engine.entities.config import settings
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.events import EventLog
from engine.models import EntityProfile, HumanTask, InspectionPlan, Party, PlanEntry, Unit
from engine.org import SYSTEM, Actor, users_with_role
from engine.statuses import EventType, Role, TaskState

PLANNERS = (Role.OFFICER, Role.SQUAD_LEADER, Role.AGENCY_HEAD, Role.DEPUTY_HEAD)
APPROVERS = (Role.AGENCY_HEAD, Role.DEPUTY_HEAD)
MAX_SAMPLE = 10000
MAX_PERIOD_DAYS = 366


def _fail(field: str, message: str):
    raise ValidationFailed(message, {field: [message]})


def validate(session: Session, data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    title = (data.get("title") or "").strip()
    if not title or len(title) > 200:
        errors["title"] = ["计划名称必填，最多200字"]
    start, end = data.get("period_from"), data.get("period_to")
    if not isinstance(start, date) or not isinstance(end, date):
        errors["period_from"] = ["检查期间的起止日期必填"]
    elif end < start or (end - start).days > MAX_PERIOD_DAYS:
        errors["period_to"] = ["结束日期须不早于开始日期，期间不超过一年"]
    items, seen = [], set()
    agencies = {u.id for u in session.scalars(select(Unit).where(Unit.kind == "agency"))}
    for i, item in enumerate(data.get("items") or []):
        agency, text = item.get("agency"), (item.get("items") or "").strip()
        if agency not in agencies:
            errors[f"items.{i}.agency"] = ["不是已配置的协作部门"]
        elif agency in seen:
            errors[f"items.{i}.agency"] = ["参检部门重复"]
        if not text or len(text) > 2000:
            errors[f"items.{i}.items"] = ["检查事项必填，最多2000字"]
        seen.add(agency)
        items.append({"agency": agency, "items": text})
    if not items:
        errors["items"] = ["至少需要一个参检部门及其检查事项"]
    size = data.get("sample_size")
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_SAMPLE:
        errors["sample_size"] = [f"抽取数量须为1至{MAX_SAMPLE}之间的整数"]
    townships = list(dict.fromkeys(data.get("townships") or []))
    known = {u.id for u in session.scalars(select(Unit).where(Unit.kind == "township"))}
    if any(t not in known for t in townships):
        errors["townships"] = ["包含未配置的镇街"]
    if errors:
        raise ValidationFailed("抽查计划填写有误", errors)
    return {"title": title, "period_from": start, "period_to": end, "items": items, "sample_size": size,
            "townships": townships, "industry": (data.get("industry") or "").strip() or None,
            "note": (data.get("note") or "").strip() or None}


def get_plan(session: Session, actor: Actor, plan_id: int, for_update: bool = False) -> InspectionPlan:
    query = select(InspectionPlan).where(InspectionPlan.id == plan_id)
    if for_update:
        query = query.with_for_update()
    plan = session.scalar(query)
    if plan is None or not (plan.unit_id in actor.visible_units
                            or any(i["agency"] in actor.member_units for i in plan.items)):
        raise NotFound(f"抽查计划 {plan_id} 不存在")
    return plan


def list_plans(session: Session, actor: Actor) -> list[InspectionPlan]:
    rows = session.scalars(select(InspectionPlan).order_by(InspectionPlan.id.desc()).limit(500))
    return [p for p in rows if p.unit_id in actor.visible_units
            or any(i["agency"] in actor.member_units for i in p.items)]


def create(session: Session, actor: Actor, unit_id: str, data: dict) -> InspectionPlan:
    if unit_id not in actor.visible_units:
        raise NotFound(f"单位 {unit_id} 不存在")
    if not any(actor.has_role(r, unit_id) for r in PLANNERS):
        raise Forbidden("制定抽查计划需要本单位执法队员、中队长或负责人角色")
    clean = validate(session, data)
    plan = InspectionPlan(unit_id=unit_id, state="draft", created_by=actor.user_id, created_at=clock.now(),
                          draw_info={}, **clean)
    session.add(plan)
    session.flush()
    return plan


def eligible_inspectors(session: Session, agencies: list[str]) -> dict[str, list[int]]:
    need = settings().inspectors_per_agency
    out = {}
    for agency in agencies:
        users = [u.id for u in users_with_role(session, agency, Role.INSPECTOR)]
        if len(users) < need:
            _fail("items", f"协作部门 {agency} 可抽取的执法人员不足{need}名")
        out[agency] = users
    return out


def draw(session: Session, actor: Actor, plan_id: int, seed: str | None = None) -> InspectionPlan:
    """Draw entities and inspectors once; the seed and what the draw was made from are recorded."""
    plan = get_plan(session, actor, plan_id, for_update=True)
    if not any(actor.has_role(r, plan.unit_id) for r in PLANNERS):
        raise Forbidden("抽取需要本单位执法队员、中队长或负责人角色")
    if plan.state != "draft":
        raise Conflict("该计划已抽取，不能重新抽取（抽取结果以记录的随机种子为准）")
    if seed is not None and (not isinstance(seed, str) or not 1 <= len(seed) <= 64):
        _fail("seed", "随机种子为1至64个字符")
    seed = seed or secrets.token_hex(8)
    pool = drawing.candidates(session, plan.period_from, plan.period_to, plan.townships, plan.industry)
    inspectors = eligible_inspectors(session, [i["agency"] for i in plan.items])
    rng = drawing.rng_for(seed)
    chosen = drawing.weighted_sample(pool, plan.sample_size, rng)
    for rank, cand in enumerate(chosen, start=1):
        plan.entries.append(PlanEntry(party_id=cand.party_id, rank=rank, colour=cand.colour, weight=cand.weight,
                                      inspectors=drawing.pick_inspectors(inspectors, rng,
                                                                         settings().inspectors_per_agency)))
    plan.seed, plan.state, plan.drawn_at = seed, "drawn", clock.now()
    plan.draw_info = {"candidates": len(pool), "drawn": len(chosen), "digest": drawing.digest(pool),
                      "total_weight": round(sum(c.weight for c in pool), 6),
                      "by_colour": {c: sum(1 for x in pool if x.colour == c) for c in ("green", "yellow", "red")}}
    session.flush()
    return plan


def approve(session: Session, actor: Actor, plan_id: int) -> InspectionPlan:
    """Approve a drawn plan: it is published and one joint inspection per entity is opened."""
    plan = get_plan(session, actor, plan_id, for_update=True)
    if not any(actor.has_role(r, plan.unit_id) for r in APPROVERS):
        raise Forbidden("审批抽查计划需要本单位负责人或分管负责人角色")
    if plan.state != "drawn":
        raise Conflict("只有已抽取、未审批的计划可以审批")
    now = clock.now()
    for entry in plan.entries:
        party = session.get(Party, entry.party_id)
        profile = session.get(EntityProfile, entry.party_id)
        data = {"entity_name": party.name, "entity_address": party.address or "",
                "risk_level": profile.risk_level if profile else "medium",
                "visit_date": plan.period_from.isoformat(), "visit_address": party.address or "",
                "partners": plan.items, "plan_note": f"双随机抽查计划《{plan.title}》第{entry.rank}号"}
        licence = next(iter(profile.licences or []), None) if profile else None
        if licence and licence.get("number"):
            data["entity_license"] = str(licence["number"])[:64]
        case = cases.start_case(session, SYSTEM, settings().inspection_process, plan.unit_id, data,
                                party={"kind": party.kind, "name": party.name, "id_number": party.id_number,
                                       "address": party.address, "phone": party.phone},
                                title=f"{party.name}（双随机抽查）")
        entry.case_id = case.id
        _give_to_drawn(session, case, entry, plan, actor)
    plan.state, plan.approved_by, plan.approved_at, plan.published_at = "approved", actor.user_id, now, now
    session.flush()
    return plan


def _give_to_drawn(session: Session, case, entry: PlanEntry, plan: InspectionPlan, actor: Actor) -> None:
    tasks = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id,
                                                    HumanTask.state == TaskState.READY))
    log = EventLog(session, case)
    now = clock.now()
    for task in tasks:
        drawn = entry.inspectors.get(task.unit_id)
        if not drawn:
            continue
        task.state, task.assignee_id, task.claimed_at = TaskState.CLAIMED, drawn[0], now
        log.append(EventType.TASK_ASSIGNED, actor_id=actor.user_id, task_id=task.id, task_spec=task.task_spec,
                   data={"assignee": drawn[0], "co_inspector": drawn[1] if len(drawn) > 1 else None,
                         "plan": plan.id, "seed": plan.seed, "source": "random_draw"})


def entries_with_parties(session: Session, plan: InspectionPlan) -> list[tuple[PlanEntry, Party]]:
    ids = [e.party_id for e in plan.entries]
    parties = {p.id: p for p in session.scalars(select(Party).where(Party.id.in_(ids)))} if ids else {}
    return [(e, parties[e.party_id]) for e in plan.entries]


def published(session: Session, plan_id: int) -> InspectionPlan:
    plan = session.scalar(select(InspectionPlan).where(InspectionPlan.id == plan_id,
                                                       InspectionPlan.published_at.is_not(None)))
    if plan is None:
        raise NotFound(f"抽查计划 {plan_id} 不存在或未公开")
    return plan


__all__ = ["create", "draw", "approve", "get_plan", "list_plans", "published", "entries_with_parties"]
