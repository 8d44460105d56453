"""APScheduler running the sweeps every N seconds (``zhifa scheduler``, or in-process in ``zhifa run``).

One interval job, ``max_instances=1`` and ``coalesce=True``: a slow sweep is never overlapped by itself in a
process; several processes may run at once because the sweeps claim cases with SKIP LOCKED (see sweeps.py).
"""
from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.orm import sessionmaker

from engine.deadlines import sweeps
from engine.deadlines.config import settings

log = logging.getLogger(__name__)
JOB_ID = "zhifa-sweep"


class SweepJob:
    """The job body; keeps totals so the CLI can report what this process did."""

    def __init__(self, factory: sessionmaker, exit_when_idle: bool = False):
        self.factory = factory
        self.exit_when_idle = exit_when_idle
        self.totals = {"timers": sweeps.SweepResult(), "colours": sweeps.SweepResult(),
                       "escalations": sweeps.SweepResult()}
        self.scheduler = None
        self.runs = 0

    def __call__(self) -> None:
        try:
            results = sweeps.drain(self.factory)  # until nothing is due (or the tick's time budget is spent)
        except Exception:  # noqa: BLE001 — a database hiccup must not kill the scheduler
            log.exception("sweep failed")
            return
        self.runs += 1
        for name, result in results.items():
            self.totals[name] += result
            if result.done or result.failed:
                log.info("%s: %s done, %s cases, %s skipped, %s failed", name, result.done, result.cases,
                         result.skipped, result.failed)
        if self.exit_when_idle and self.scheduler is not None and sweeps.pending(self.factory) == 0:
            self.scheduler.shutdown(wait=False)


def build(factory: sessionmaker, *, blocking: bool, interval: float | None = None,
          exit_when_idle: bool = False) -> tuple[object, SweepJob]:
    job = SweepJob(factory, exit_when_idle=exit_when_idle)
    scheduler = BlockingScheduler() if blocking else BackgroundScheduler(daemon=True)
    seconds = interval if interval is not None else settings().sweep_interval_seconds
    from datetime import datetime, timezone
    scheduler.add_job(job, "interval", seconds=seconds, id=JOB_ID, max_instances=1, coalesce=True,
                      next_run_time=datetime.now(timezone.utc))  # first sweep right away
    from engine.integrity import IntegrityJob  # auditors' background verification, on the same scheduler
    integrity = IntegrityJob(factory)
    scheduler.add_job(integrity, "interval", seconds=integrity.interval, id=IntegrityJob.JOB_ID, max_instances=1,
                      coalesce=True)
    from engine.entities.recolour import RecolourJob  # 三色赋码: nightly, as penalties leave the look-back window
    recolour = RecolourJob(factory)
    scheduler.add_job(recolour, "cron", hour=recolour.hour, minute=recolour.minute, timezone=settings().tz,
                      id=RecolourJob.JOB_ID, max_instances=1, coalesce=True)
    from engine.migration.runs import RunJob  # moves of running cases whose web worker stopped (or never began)
    runs = RunJob(factory)
    scheduler.add_job(runs, "interval", seconds=runs.interval, id=RunJob.JOB_ID, max_instances=1, coalesce=True)
    job.scheduler = scheduler
    return scheduler, job


def start_background(factory: sessionmaker, interval: float | None = None) -> BackgroundScheduler:
    """Start the sweeps in a daemon thread of this process (the embedded SQLite default of ``zhifa run``)."""
    scheduler, _job = build(factory, blocking=False, interval=interval)
    scheduler.start()
    return scheduler
