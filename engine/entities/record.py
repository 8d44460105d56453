"""An entity's record (档案): inspections with findings per agency, cases and outcomes, complaints, colours."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.entities import colours
from engine.entities import complaints as complaints_of
from engine.entities.config import settings
from engine.models import CaseReview, ColourChange, EntityMerge, InspectionPlan, PlanEntry
from engine.org import Actor
from engine.entities.registry import get

def outcome_of(case) -> str:
    """A short outcome code for a case: penalised / simple_penalty / no_penalty / … / running."""
    data = case.data or {}
    if case.state == "running":
        return "running"
    if case.state == "cancelled":
        return "cancelled"
    if case.process_key == "simple_procedure":
        return {"closed": "simple_penalty", "converted_to_ordinary": "converted"}.get(data.get("simple_outcome"),
                                                                                      "closed")
    decision = data.get("decision_outcome")
    if decision:
        return {"penalise": "penalised"}.get(decision, decision)
    return data.get("case_outcome") or "closed"


def entity_record(session: Session, actor: Actor, party_id: int) -> dict:
    profile = get(session, actor, party_id)
    cases = colours.party_cases(session, party_id)
    key = settings().inspection_process
    reviews: dict[int, list[CaseReview]] = {}
    if cases:
        for review in session.scalars(select(CaseReview).where(CaseReview.case_id.in_([c.id for c in cases]))
                                      .order_by(CaseReview.decided_on)):
            reviews.setdefault(review.case_id, []).append(review)
    inspections, enforcement = [], []
    for case in reversed(cases):
        data = case.data or {}
        if case.process_key == key:
            findings = data.get("findings") or {}
            inspections.append({
                "case": case, "visit_date": data.get("visit_date"), "state": case.state,
                "findings": [findings[a] for a in sorted(findings) if isinstance(findings[a], dict)],
                "agencies": [p.get("agency") for p in data.get("partners") or [] if isinstance(p, dict)],
                "uncorrected": data.get("uncorrected") or [], "result": data.get("inspection_result")})
        else:
            enforcement.append({"case": case, "outcome": outcome_of(case), "fine": data.get("decided_fine"),
                                "decided_on": data.get("decided_on"), "reviews": reviews.get(case.id, [])})
    history = list(session.scalars(select(ColourChange).where(ColourChange.party_id == party_id)
                                   .order_by(ColourChange.decided_at.desc(), ColourChange.id.desc())))
    merges = list(session.scalars(select(EntityMerge).where(
        (EntityMerge.target_party_id == party_id) | (EntityMerge.source_party_id == party_id))
        .order_by(EntityMerge.merged_at)))
    plans = list(session.execute(select(InspectionPlan, PlanEntry).join(PlanEntry, PlanEntry.plan_id ==
                                                                        InspectionPlan.id)
                                 .where(PlanEntry.party_id == party_id).order_by(InspectionPlan.id.desc())))
    complaints = complaints_of.listing(session, party_id)
    pending = complaints_of.to_confirm(session, party_id) if profile.merged_into_id is None else []
    return {"profile": profile, "party": profile.party, "inspections": inspections, "cases": enforcement,
            "complaints": complaints, "to_confirm": pending, "colours": history, "merges": merges, "plans": plans}
