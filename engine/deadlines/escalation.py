"""The chain after a clock turns red: reminder → 催办单 → 督办单 (from the 指导办) → 通报.

Each step fires when ``next_escalation_on`` is reached while the clock is still red and running; the delays
(working days) are configuration (``ZHIFA_ESCALATION_DELAYS``). Supervisors may also issue a 催办单 or
督办单 by hand (:func:`issue`). Every step is an event in the case history and notifies its recipients.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from engine.deadlines import notifications as notes
from engine.deadlines.calendar import Calendar
from engine.events import EventLog
from engine.models import Case, Clock
from engine.statuses import EventType

STEPS = ("reminder", "urge", "supervise", "circular")  # levels 1..4
LEVEL = {name: i + 1 for i, name in enumerate(STEPS)}
BODIES = {
    "reminder": "「{label}」已于 {due} 超期，请立即办理。",
    "urge": "催办：「{label}」已于 {due} 超期，请于 {finish} 前办结并报告。",
    "supervise": "督办（县综合行政执法指导办公室）：「{label}」已于 {due} 超期，请于 {finish} 前办结并书面报告。",
    "circular": "通报：「{label}」超期未办结（期限 {due}），予以通报。",
}


def recipients(session: Session, step: str, clk: Clock, case: Case, who: notes.Recipients | None = None) -> list:
    """Who hears about this step; ``who`` caches look-ups across the clocks of a sweep batch."""
    who, unit = who or notes.Recipients(session), clk.unit_id

    def officers() -> list:
        return who.handling_officers(clk.task_id, unit, clk.role, case.data)
    if step == "reminder":
        return officers() + who.squad_leaders(unit)
    if step == "urge":
        return officers() + who.squad_leaders(unit) + who.deputies(unit)
    if step == "supervise":
        return who.squad_leaders(unit) + who.deputies(unit) + who.heads(unit) + who.supervisors(unit)
    return who.heads(unit) + who.deputies(unit) + who.supervisors(unit)


def _send(session, step, clk, case, log, cal: Calendar, today, now, *, actor_id=None, note=None,
          finish_by: date | None = None, key: str, who: notes.Recipients | None = None) -> dict:
    if step in ("urge", "supervise") and finish_by is None:
        finish_by = cal.add_workdays(today, cal.cfg.urge_finish_workdays)
    data = {"clock": clk.id, "label": clk.label, "step": step, "due_on": clk.due_on.isoformat(),
            "finish_by": finish_by.isoformat() if finish_by else None, "manual": actor_id is not None,
            "note": note}
    body = BODIES[step].format(label=clk.label, due=clk.due_on.isoformat(),
                               finish=finish_by.isoformat() if finish_by else "")
    if note:
        body += f"\n{note}"
    sent = notes.notify(session, recipients(session, step, clk, case, who), kind=step, case=case, clk=clk, body=body,
                        data={k: v for k, v in data.items() if k != "note"}, key=key, now=now)
    data["recipients"] = sorted(n.user_id for n in sent)
    log.append(EventType.CLOCK_ESCALATED, actor_id=actor_id, task_id=clk.task_id, data=data)
    return data


def escalate(session: Session, clk: Clock, case: Case, log: EventLog, cal: Calendar, today: date,
             now: datetime, who: notes.Recipients | None = None) -> str | None:
    """Take the next automatic step of a red clock (caller holds the case lock and checked it is due)."""
    if clk.escalation_level >= len(STEPS):
        clk.next_escalation_on = None
        return None
    step = STEPS[clk.escalation_level]
    _send(session, step, clk, case, log, cal, today, now,
          key=f"clock:{clk.id}:round:{clk.colour_changes}:{step}", who=who)
    clk.escalation_level += 1
    delays = cal.cfg.escalation_delays
    more = clk.escalation_level < len(STEPS) and clk.escalation_level < len(delays)
    clk.next_escalation_on = cal.add_workdays(today, delays[clk.escalation_level]) if more else None
    return step


def issue_by_hand(session: Session, clk: Clock, case: Case, log: EventLog, cal: Calendar, today: date,
                  now: datetime, step: str, actor_id: int, note: str | None, finish_by: date | None) -> dict:
    """A manual 催办单/督办单; the automatic chain continues after it (it does not repeat lower steps)."""
    data = _send(session, step, clk, case, log, cal, today, now, actor_id=actor_id, note=note,
                 finish_by=finish_by, key=f"manual:{clk.id}:{step}:{log.seq + 1}")
    if clk.state == "running" and clk.colour == "red" and clk.escalation_level < LEVEL[step]:
        clk.escalation_level = LEVEL[step]
        delays = cal.cfg.escalation_delays
        more = clk.escalation_level < len(STEPS) and clk.escalation_level < len(delays)
        clk.next_escalation_on = cal.add_workdays(today, delays[clk.escalation_level]) if more else None
    return data
