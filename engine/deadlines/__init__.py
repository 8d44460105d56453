"""Statutory deadlines (红黄绿灯督办): working-day calendar, clocks, colours, escalation, notifications, sweeps.

The engine calls :func:`engine.deadlines.clocks.sync_clocks` from ``runtime.save``; the scheduler
(:mod:`engine.deadlines.scheduler`) runs the sweeps. Nothing here imports Flask.
"""
