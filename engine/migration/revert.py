"""Reverting a case's move: allowed while nothing has happened on the case since (no event after the move's)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Conflict, NotFound
from engine.events import EventLog
from engine.migration import snapshot
from engine.migration.apply import MIGRATED, REVERTED, Outcome
from engine.migration.plan import check_may_migrate
from engine.models import CaseEvent, CaseMigration, ProcessVersion
from engine.org import SYSTEM, Actor
from engine.runtime import lock_case
from engine.statuses import EventType


def revert_case(session: Session, actor: Actor, migration_id: int) -> Outcome:
    """Put a moved case back on its source version exactly as it was (the caller commits)."""
    check_may_migrate(actor)
    row = session.get(CaseMigration, migration_id)
    if row is None:
        raise NotFound(f"case migration {migration_id} not found", zh=f"没有编号为 {migration_id} 的迁移记录")
    case = lock_case(session, row.case_id)
    session.refresh(case)
    session.refresh(row)
    if row.state != MIGRATED:
        raise Conflict(f"the move of case {case.number} was already reverted", zh=f"案件 {case.number} 的迁移已撤销")
    last = session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id))
    if last != row.after_seq or case.process_version_id != row.to_version_id:
        raise Conflict(f"case {case.number} has moved on since it was migrated (event {last}); it cannot be reverted",
                       zh=f"案件 {case.number} 迁移后已有新的办理记录（第 {last} 步），不能撤销迁移")
    snapshot.put_back(session, case, row.snapshot)
    source = session.get(ProcessVersion, row.from_version_id)
    target = session.get(ProcessVersion, row.to_version_id)
    actor_id = None if actor is SYSTEM else actor.user_id
    EventLog(session, case).append(EventType.MIGRATION_REVERTED, actor_id=actor_id, data={
        "migration_seq": row.event_seq, "plan": row.plan_id, "from_version": target.version,
        "to_version": source.version, "from_version_id": target.id, "to_version_id": source.id})
    row.state, row.reverted_at, row.reverted_by = REVERTED, clock.now(), actor_id
    return Outcome(case.id, case.number, REVERTED, [], [], row.id)
