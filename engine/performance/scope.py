"""Which units' performance an actor may see, and 复议/诉讼 outcomes recorded on closed cases."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import CaseReview, Unit
from engine.org import Actor

EVALUATED_KINDS = ("township", "direct_squad", "agency", "bureau")


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
    """Record the outcome of a 复议 or 诉讼 against a closed case (engine.entities.reviews; colours follow)."""
    from engine.entities import reviews
    return reviews.record(session, actor, case_id, kind, result, decided_on, note)
