"""Which units' performance an actor may see, and 复议/诉讼 outcomes recorded on closed cases."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.cases import get_case
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.models import CaseReview, Unit
from engine.org import Actor
from engine.statuses import CaseState, Role

EVALUATED_KINDS = ("township", "direct_squad", "agency", "bureau")
REVIEW_KINDS = ("reconsideration", "litigation")
REVIEW_RESULTS = ("upheld", "reversed", "modified", "confirmed_illegal", "withdrawn")
REVIEW_RECORDERS = (Role.AGENCY_HEAD, Role.DEPUTY_HEAD, Role.SQUAD_LEADER, Role.LEGAL_REVIEWER)


def units_in_scope(session: Session, actor: Actor, requested: list[str] | None = None) -> list[Unit]:
    """The evaluated units among those the actor sees (every requested unit must be visible: else 404)."""
    visible = actor.visible_units
    if requested:
        missing = [u for u in requested if u not in visible]
        if missing:
            raise NotFound(f"单位 {missing[0]} 不存在")
        rows = session.scalars(select(Unit).where(Unit.id.in_(requested)))
        order = {u: i for i, u in enumerate(requested)}
        return sorted(rows, key=lambda u: order[u.id])
    return list(session.scalars(select(Unit).where(Unit.id.in_(list(visible)), Unit.kind.in_(EVALUATED_KINDS))
                                .order_by(Unit.kind.desc(), Unit.id)))


def record_review(session: Session, actor: Actor, case_id: int, kind: str, result: str, decided_on: date,
                  note: str | None = None) -> CaseReview:
    """Record the outcome of a 复议 or 诉讼 against a closed case (its reversal counts for the unit)."""
    case = get_case(session, actor, case_id)
    allowed = actor.units_with(*REVIEW_RECORDERS)
    if case.unit_id not in allowed and not actor.units_with(Role.LEGAL_REVIEWER):
        raise Forbidden("登记复议/诉讼结果需要办案单位负责人、中队长或法制审核员角色")
    if case.state != CaseState.COMPLETED:
        raise Conflict("只有已办结的案件可以登记复议/诉讼结果")
    errors = {}
    if kind not in REVIEW_KINDS:
        errors["kind"] = ["须为 reconsideration（复议）或 litigation（诉讼）"]
    if result not in REVIEW_RESULTS:
        errors["result"] = ["须为 upheld、reversed、modified、confirmed_illegal 或 withdrawn"]
    if case.closed_at is not None and decided_on < case.closed_at.date():
        errors["decided_on"] = ["复议/诉讼结果日期不能早于结案日期"]
    if errors:
        raise ValidationFailed("复议/诉讼结果填写有误", errors)
    review = CaseReview(case_id=case.id, kind=kind, result=result, decided_on=decided_on,
                        note=(note or "").strip() or None, recorded_by=actor.user_id, recorded_at=clock.now())
    session.add(review)
    session.flush()
    return review
