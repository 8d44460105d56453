"""Reverting a case's move: allowed while nobody has acted on the case since.

What the scheduler alone wrote since the move — a clock's colour change (红黄绿灯) and the automatic reminders of a red
clock — does not stand in the way: the revert puts the clocks back on the source version's deadlines, keeps the
colour history the log tells (the colour the clock has now), recomputes each running clock's colour on the source
deadline today and records every difference (``clock_corrected`` with ``source: revert``, ``clock_colour_changed``).
Reminders already sent stay valid: they were true when they were sent. Anything else since the move — a claim, a
completion, a file, a reminder issued by hand, a BPMN timer — refuses the revert, naming the step, who and when.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.deadlines import colours
from engine.deadlines.calendar import Calendar, local_date
from engine.deadlines.clocks import RUNNING
from engine.errors import Conflict, NotFound
from engine.events import EventLog
from engine.migration import snapshot
from engine.migration.apply import MIGRATED, REVERTED, Outcome
from engine.migration.plan import check_may_migrate
from engine.models import CaseEvent, CaseMigration, Clock, HumanTask, ProcessVersion, User
from engine.org import SYSTEM, Actor
from engine.runtime import lock_case
from engine.statuses import EventType

# what the scheduler writes by itself that a revert can take along (engine/deadlines/colours.py, escalation.py)
SYSTEM_CLOCK_EVENTS = (EventType.CLOCK_COLOUR_CHANGED, EventType.CLOCK_ESCALATED)
_COLOUR_STATE = ("colour", "colour_changes", "escalation_level", "next_escalation_on")
_DEADLINE = ("limit_days", "unit", "due_on", "label", "state")
_DONE = {  # what someone did, in words (zh, en)
    EventType.TASK_CLAIMED: ("签收了", "claimed"), EventType.TASK_UNCLAIMED: ("退回了", "released"),
    EventType.TASK_ASSIGNED: ("指派了", "assigned"), EventType.TASK_COMPLETED: ("办理完成了", "completed"),
    EventType.TASK_CANCELLED: ("取消了", "cancelled"), EventType.ATTACHMENT_ADDED: ("上传了附件", "added a file"),
    EventType.DOCUMENT_ISSUED: ("制发了文书", "issued a document"), EventType.TIMER_FIRED: ("触发了定时", "fired a timer"),
    EventType.CLOCK_ESCALATED: ("发出了催办/督办", "issued a reminder by hand"),
    EventType.CLOCK_EXTENDED: ("延长了期限", "extended a deadline"), EventType.CLOCK_PAUSED: ("中止了期限", "paused a deadline"),
    EventType.CLOCK_RESUMED: ("恢复了期限", "resumed a deadline"), EventType.CASE_ENDED: ("结束了案件", "ended the case"),
}


def system_clock_event(ev: CaseEvent) -> bool:
    """A colour change or an automatic reminder the scheduler wrote (no person acted)."""
    if ev.type not in SYSTEM_CLOCK_EVENTS or ev.actor_id is not None:
        return False
    return not (ev.data or {}).get("manual")


def revert_case(session: Session, actor: Actor, migration_id: int) -> Outcome:
    """Put a moved case back on its source version (the caller commits); its clocks as the source version gives
    them today."""
    check_may_migrate(actor)
    row = session.get(CaseMigration, migration_id)
    if row is None:
        raise NotFound(f"case migration {migration_id} not found", zh=f"没有编号为 {migration_id} 的迁移记录")
    case = lock_case(session, row.case_id)
    session.refresh(case)
    session.refresh(row)
    if row.state != MIGRATED:
        raise Conflict(f"the move of case {case.number} was already reverted", zh=f"案件 {case.number} 的迁移已撤销")
    since = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.seq > row.after_seq)
                                 .order_by(CaseEvent.seq)))
    acted = next((ev for ev in since if not system_clock_event(ev)), None)
    if acted is not None:
        zh, en = _what(session, acted)
        raise Conflict(f"case {case.number} has moved on since it was migrated: {en}; it cannot be reverted",
                       zh=f"案件 {case.number} 迁移后已有新的办理记录：{zh}，不能撤销迁移", event=acted.seq)
    if case.process_version_id != row.to_version_id:
        raise Conflict(f"case {case.number} has moved on to another version since; it cannot be reverted",
                       zh=f"案件 {case.number} 此后已迁移到其他版本，不能撤销本次迁移")
    now_clocks = {c.id: {k: getattr(c, k) for k in _COLOUR_STATE + _DEADLINE}
                  for c in session.scalars(select(Clock).where(Clock.case_id == case.id))}
    snapshot.put_back(session, case, row.snapshot)
    source = session.get(ProcessVersion, row.from_version_id)
    target = session.get(ProcessVersion, row.to_version_id)
    actor_id = None if actor is SYSTEM else actor.user_id
    log = EventLog(session, case)
    log.append(EventType.MIGRATION_REVERTED, actor_id=actor_id, data={
        "migration_seq": row.event_seq, "plan": row.plan_id, "from_version": target.version,
        "to_version": source.version, "from_version_id": target.id, "to_version_id": source.id,
        "kept_events": [ev.seq for ev in since]})   # the scheduler's clock events since the move, left standing
    changes = _clocks_back(session, case, now_clocks, log)
    row.state, row.reverted_at, row.reverted_by = REVERTED, clock.now(), actor_id
    return Outcome(case.id, case.number, REVERTED, [], changes, row.id)


def _clocks_back(session: Session, case, before: dict, log: EventLog) -> list[dict]:
    """The restored clocks: deadline differences recorded; colour continued from what the log tells now and
    recomputed on the source deadline today."""
    now = clock.now()
    today, cal, changes = local_date(now), None, []
    for clk in session.scalars(select(Clock).where(Clock.case_id == case.id).order_by(Clock.id)):
        was = before.get(clk.id)
        if was is None:
            continue
        if any(was[k] != getattr(clk, k) for k in _DEADLINE):
            before_ = {"limit": f"{was['limit_days']}{was['unit']}", "due_on": was["due_on"].isoformat(),
                       "label": was["label"], "state": was["state"]}
            after = {"limit": f"{clk.limit_days}{clk.unit}", "due_on": clk.due_on.isoformat(), "label": clk.label,
                     "state": clk.state}
            log.append(EventType.CLOCK_CORRECTED, task_id=clk.task_id, data={
                "clock": clk.id, "kind": clk.kind, "label": clk.label, "before": before_, "after": after,
                "source": "revert"})
            changes.append({"task": clk.label, "what": "deadline", "before": before_["limit"], "after": after["limit"],
                            "due_before": before_["due_on"], "due_after": after["due_on"]})
        for key in _COLOUR_STATE:       # the colour the log last recorded, not the one at the move
            setattr(clk, key, was[key])
        if clk.state == RUNNING:
            cal = cal or Calendar.load(session)
            old = clk.colour
            if colours.refresh(session, clk, case, log, cal, today, now):
                changes.append({"task": clk.label, "what": "colour", "before": old, "after": clk.colour})
    return changes


def _what(session: Session, ev: CaseEvent) -> tuple[str, str]:
    """The step that stands in the way, in words: 第 7 步：张三于 2026-03-05 10:00 办理完成了「立案审批」."""
    from engine.archive.record import local_text
    person = session.get(User, ev.actor_id) if ev.actor_id else None
    who_zh, who_en = (person.display_name or person.username, person.display_name or person.username) \
        if person else ("系统", "the system")
    task = session.get(HumanTask, ev.task_id) if ev.task_id else None
    title = task.title if task is not None else ((ev.data or {}).get("label") or "")
    did_zh, did_en = _DONE.get(ev.type, (ev.type, ev.type.replace("_", " ")))
    when = local_text(ev.at)
    return (f"第 {ev.seq} 步，{who_zh}于 {when} {did_zh}" + (f"「{title}」" if title else ""),
            f"event {ev.seq}, {who_en} {did_en}" + (f" '{title}'" if title else "") + f" on {when}")
