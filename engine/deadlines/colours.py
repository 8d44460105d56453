"""Red/yellow/green: which colour a running clock has today, and recording a change exactly once.

A change is written under the case lock (engine commands and sweeps both hold it), compared with the
stored colour first, so repeated or concurrent sweeps cannot record or notify it twice.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from engine.deadlines import notifications
from engine.events import EventLog
from engine.models import Case, Clock
from engine.statuses import EventType

GREEN, YELLOW, RED = "green", "yellow", "red"
RANK = {GREEN: 0, YELLOW: 1, RED: 2}


def colour_on(clk: Clock, today: date) -> str:
    if today > clk.due_on:
        return RED
    if today >= clk.yellow_on:
        return YELLOW
    return GREEN


def refresh(session: Session, clk: Clock, case: Case, log: EventLog, cal, today: date, now: datetime) -> bool:
    """Bring a running clock's colour up to date. Returns True when it changed (event + notifications)."""
    new, old = colour_on(clk, today), clk.colour
    if new == old:
        return False
    clk.colour = new
    clk.colour_changes = (clk.colour_changes or 0) + 1
    if new == RED:
        delays = cal.cfg.escalation_delays
        clk.escalation_level = 0
        clk.next_escalation_on = cal.add_workdays(today, delays[0]) if delays else None
    elif old == RED:
        clk.escalation_level, clk.next_escalation_on = 0, None
    log.append(EventType.CLOCK_COLOUR_CHANGED, task_id=clk.task_id,
               data={"clock": clk.id, "label": clk.label, "from": old, "to": new, "due_on": clk.due_on.isoformat()})
    if RANK[new] > RANK[old]:
        notifications.colour_changed(session, clk, case, new, now)
    return True
