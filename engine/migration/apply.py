"""Moving cases: one case per transaction, under its case lock, while officers keep working.

The case row is locked FOR UPDATE first (like every task command), the verdict is taken again on what is stored
*now*, and only a safe case moves. A completion racing the move therefore either ran first (the move then judges
the case after it) or waits and runs on the target version: never both, never lost.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, noload, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from engine import clock
from engine.bpmn import migrate as bpmn_migrate
from engine.deploy import specs_for
from engine.errors import Conflict, EngineError, NotFound
from engine.events import EventLog
from engine.migration import followup, snapshot
from engine.migration.plan import check_may_migrate, comparison, versions
from engine.migration.verdicts import done_elements, judge, judge_open, running_case_ids
from engine.migration.words import SAFE, VERDICT_WORDS
from engine.models import Case, CaseMigration, MigrationPlan
from engine.org import SYSTEM, Actor
from engine.runtime import load_instance, save
from engine.statuses import CaseState, EventType

MIGRATED, REVERTED, REFUSED, FAILED = "migrated", "reverted", "refused", "failed"


@dataclass
class Outcome:
    case_id: int
    number: str
    outcome: str                      # migrated | refused | failed
    reasons: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    migration_id: int | None = None


class Refused(Conflict):
    code = "migration-refused"


def migrate_case(session: Session, actor: Actor, plan: MigrationPlan, case_id: int) -> Outcome:
    """Move one case (the caller commits). Raises :class:`Refused` (409) with the reasons when it may not move."""
    check_may_migrate(actor)
    # the case row FOR UPDATE (as runtime.lock_case), re-read as stored now, after whoever held the lock
    case = session.scalar(select(Case).where(Case.id == case_id).with_for_update().options(noload(Case.parties))
                          .execution_options(populate_existing=True))
    if case is None:
        raise NotFound(f"case {case_id} not found", zh=f"没有编号为 {case_id} 的案件")
    if case.state != CaseState.RUNNING or case.process_version_id != plan.from_version_id:
        why = "not_running" if case.state != CaseState.RUNNING else "other_version"
        zh = "案件不在办理中" if why == "not_running" else "案件不在本计划的源版本上（可能已迁移）"
        raise Refused(f"case {case.number}: {why.replace('_', ' ')}", zh=f"案件 {case.number}：{zh}", reasons=[])
    cmp = comparison(session, plan)
    rows = followup.open_rows(session, case)
    if cmp.same_shape:
        level, reasons = judge_open([r.task_spec for r in rows], cmp, plan.follow_target)
    else:
        level, reasons = judge(bpmn_migrate.footprint(case.workflow_state),
                               done_elements(session, [case.id])[case.id], cmp, plan.follow_target)
    if level != SAFE:
        first = next(r for r in reasons if r["level"] == level)
        raise Refused(f"case {case.number} is {VERDICT_WORDS[level][1]}: {first['en']}",
                      zh=f"案件 {case.number}{VERDICT_WORDS[level][0]}：{first['zh']}", reasons=reasons)
    source, target = versions(session, plan)
    before = snapshot.take(session, case, rows, workflow=not cmp.same_shape)
    actor_id = None if actor is SYSTEM else actor.user_id
    now = clock.now()
    if cmp.same_shape:    # only deadlines/labels differ: the stored workflow is valid on the target as it is
        _switch_version(session, case, target.id)
        log = EventLog(session, case)
        event = log.append(EventType.CASE_MIGRATED, actor_id=actor_id, data=_event_data(plan, source, target, "kept"))
        created = []
        views = {row.id: followup.SpecView(row.id, row.task_spec, *cmp.views[row.task_spec])
                 for row in rows if row.task_spec in cmp.views}
    else:
        instance = load_instance(session, case)
        try:
            moved, records = bpmn_migrate.migrate(instance, specs_for(target), plan.mapping or {})
        except bpmn_migrate.MigrationRefused as exc:
            raise Refused(f"case {case.number}: {exc.detail}", zh=f"案件 {case.number}不能迁移：{exc.zh}",
                          reasons=[{"code": "engine", "level": "unsafe", "element": exc.element,
                                    "name": exc.element, "zh": exc.zh, "en": exc.detail}]) from None
        case.process_version_id = target.id
        log = EventLog(session, case)
        event = log.append(EventType.CASE_MIGRATED, actor_id=actor_id,
                           data=_event_data(plan, source, target, "moved"))
        created = save(session, case, moved, log, records, actor_id=actor_id)
        views = {v.id: v for v in moved.ready_user_tasks()}
    changes = followup.open_tasks(session, case, views, plan, source, log, now, rows if cmp.same_shape else None)
    before["created_tasks"] = [t.id for t in created]
    row = CaseMigration(plan_id=plan.id, case_id=case.id, from_version_id=source.id, to_version_id=target.id,
                        state=MIGRATED, event_seq=event.seq, after_seq=log.seq, snapshot=before, changes=changes,
                        migrated_at=now, migrated_by=actor_id)
    session.add(row)
    session.flush()
    return Outcome(case.id, case.number, MIGRATED, reasons, changes, row.id)


def _event_data(plan, source, target, workflow: str) -> dict:
    return {"plan": plan.id, "from_version": source.version, "to_version": target.version,
            "from_version_id": source.id, "to_version_id": target.id, "mapping": plan.mapping or {},
            "follow_target": plan.follow_target, "reason": plan.reason, "by": plan.created_by_name,
            "workflow": workflow}   # kept: the stored workflow was valid on the target as it was


def _switch_version(session: Session, case: Case, version_id: int) -> None:
    values = {"process_version_id": version_id, "version": case.version + 1}
    done = session.execute(update(Case).where(Case.id == case.id, Case.version == case.version).values(**values)
                           .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict(f"case {case.number} was changed by someone else", zh=f"案件 {case.number} 已被他人修改")
    for key, value in values.items():
        set_committed_value(case, key, value)


def run_plan(factory: sessionmaker, actor: Actor, plan_id: int, case_ids: list[int] | None = None,
             batch: int = 200, workers: int = 1) -> list[Outcome]:
    """Move the selected cases (or every running case of the source version: the safe ones move, the others are
    refused with their reasons), ``batch`` ids at a time, each case in its own transaction under its case lock.
    ``workers`` batches run side by side (each on its own connection), as officers' commands do."""
    with factory() as session:
        plan = session.get(MigrationPlan, plan_id)
        if plan is None:
            raise NotFound(f"migration plan {plan_id} not found", zh=f"没有编号为 {plan_id} 的迁移计划")
        check_may_migrate(actor)
        ids = running_case_ids(session, plan, case_ids)
        numbers = dict(session.execute(select(Case.id, Case.number).where(Case.id.in_(case_ids))).all()) \
            if case_ids is not None else {}
    results: list[Outcome] = []
    if case_ids is not None:  # asked for by id, but not running on the source version
        missing = [cid for cid in case_ids if cid not in set(ids)]
        results += [Outcome(cid, numbers.get(cid, str(cid)), REFUSED, [{
            "code": "other_version", "level": "unsafe", "element": None, "name": None,
            "zh": "案件不在本计划的源版本上，或不在办理中", "en": "the case is not running on the plan's source version"}])
            for cid in missing]
    chunks = [ids[start:start + batch] for start in range(0, len(ids), batch)]
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            results += _batch(factory, actor, plan_id, chunk)
        return results
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for found in pool.map(lambda chunk: _batch(factory, actor, plan_id, chunk), chunks):
            results += found
    return results


def _batch(factory: sessionmaker, actor: Actor, plan_id: int, case_ids: list[int]) -> list[Outcome]:
    with factory() as session:
        plan = session.get(MigrationPlan, plan_id)
        # held for the batch: the session's identity map is weak, and a version row (its spec and bundle) is
        # large: without a reference every case would load both versions again
        pinned = versions(session, plan)  # noqa: F841
        return [_one(session, actor, plan, case_id) for case_id in case_ids]


def _one(session: Session, actor: Actor, plan: MigrationPlan, case_id: int) -> Outcome:
    try:
        outcome = migrate_case(session, actor, plan, case_id)
        session.commit()
        return outcome
    except Refused as exc:
        session.rollback()
        number = session.scalar(select(Case.number).where(Case.id == case_id)) or str(case_id)
        return Outcome(case_id, number, REFUSED, exc.extra.get("reasons") or [
            {"code": "refused", "level": "unsafe", "element": None, "name": None, "zh": exc.zh, "en": exc.detail}])
    except EngineError as exc:
        session.rollback()
        number = session.scalar(select(Case.number).where(Case.id == case_id)) or str(case_id)
        return Outcome(case_id, number, FAILED, [{"code": exc.code, "level": "unsafe", "element": None,
                                                   "name": None, "zh": exc.zh or exc.detail, "en": exc.detail}])
