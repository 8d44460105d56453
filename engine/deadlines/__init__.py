"""Statutory deadlines (红黄绿灯督办): working-day calendar, clocks, colours, escalation, notifications, sweeps.

The engine calls :func:`engine.deadlines.clocks.sync_clocks` from ``runtime.save``; the scheduler
(:mod:`engine.deadlines.scheduler`) runs the sweeps. Nothing here imports Flask.
"""

from engine import inbox as _inbox
from engine.deadlines.clocks import task_colour_condition as _task_colour_condition

# Inbox colour filters (?colour=red) use the clocks' colours instead of the inbox's due-date fallback.
_inbox.colour_condition = _task_colour_condition
