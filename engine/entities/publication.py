"""一公开: approved random inspection plans as the public sees them — items, seed, what was drawn and results.

No login: only what the law has published (双随机、一公开): the plan, the items per agency, the random seed and
the candidates' digest (anyone can reproduce the draw), the entities drawn and each inspection's result in
words. Inspectors' names, colours and weights stay internal.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.entities.plans import published
from engine.models import Case, InspectionPlan, Party, PlanEntry

RESULT_WORDS = {"running": "检查中", "cancelled": "已撤销", "passed": "未发现问题",
                "corrected": "责令整改，复查已整改到位", "uncorrected": "责令整改，逾期未整改，已移交查处",
                "violation": "发现涉嫌违法行为，已立案查处"}


def plans(session: Session, limit: int = 100) -> list[InspectionPlan]:
    return list(session.scalars(select(InspectionPlan).where(InspectionPlan.published_at.is_not(None))
                                .order_by(InspectionPlan.published_at.desc(), InspectionPlan.id.desc()).limit(limit)))


def result_of(case: Case | None) -> str:
    if case is None or case.state == "running":
        return "running"
    if case.state != "completed":
        return "cancelled"
    result = (case.data or {}).get("inspection_result") or {}
    if result.get("violations"):
        return "violation"
    if result.get("uncorrected"):
        return "uncorrected"
    if result.get("rechecked"):
        return "corrected"
    return "passed"


def plan_with_results(session: Session, plan_id: int) -> tuple[InspectionPlan, list[dict]]:
    plan = published(session, plan_id)
    rows = session.execute(select(PlanEntry, Party, Case).join(Party, Party.id == PlanEntry.party_id)
                           .outerjoin(Case, Case.id == PlanEntry.case_id).where(PlanEntry.plan_id == plan.id)
                           .order_by(PlanEntry.rank))
    entries = []
    for entry, party, case in rows:
        result = result_of(case)
        entries.append({"rank": entry.rank, "name": party.name, "id_number": party.id_number if
                        party.kind == "organisation" else None, "result": result, "words": RESULT_WORDS[result],
                        "closed_on": case.closed_at if case is not None and case.state == "completed" else None})
    return plan, entries
