"""The scheduler's jobs: fire due BPMN timers, advance clock colours, run escalations.

The database is the truth and every job is idempotent. Candidates are read without locks; then each case
is handled in its own transaction that first takes the case row lock with ``FOR UPDATE SKIP LOCKED``
(PostgreSQL: a case another scheduler or a user command is working on is skipped and retried on the next
sweep; SQLite: ``BEGIN IMMEDIATE`` already serialises writers) and re-checks, under the lock, that the work
is still due. Two schedulers therefore never fire a timer or record a colour change twice.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from engine import budget, incidents
from engine import clock as wall
from engine.cases import spawn_children
from engine.db import transaction
from engine.deadlines import clocks as clk_mod
from engine.deadlines import bulk, colours, escalation, notifications
from engine.deadlines.calendar import Calendar, local_date
from engine.deadlines.config import settings
from engine.errors import EngineError
from engine.events import EventLog
from engine.models import Case, Clock, Timer
from engine.runtime import load_instance, save
from engine.statuses import CaseState, EventType, TimerState

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    done: int = 0      # timers fired / colours changed / escalation steps taken
    cases: int = 0     # cases handled
    skipped: int = 0   # cases locked by someone else (retried next sweep)
    failed: int = 0

    def __iadd__(self, other: "SweepResult") -> "SweepResult":
        self.done += other.done
        self.cases += other.cases
        self.skipped += other.skipped
        self.failed += other.failed
        return self


def _lock_or_skip(session: Session, case_id: int) -> Case | None:
    return session.scalar(select(Case).where(Case.id == case_id).with_for_update(skip_locked=True))


def _per_case(factory: sessionmaker, case_ids, work) -> SweepResult:
    result = SweepResult()
    for case_id in case_ids:
        try:
            with budget.command(), transaction(factory) as session:
                case = _lock_or_skip(session, case_id)
                if case is None:
                    result.skipped += 1
                    continue
                result.done += work(session, case)
                result.cases += 1
        except budget.BudgetExceeded as exc:  # rolled back; recorded once, the case is left out from now on
            result.failed += 1
            incidents.record(factory, case_id, exc, source="scheduler")
        except EngineError as exc:
            result.failed += 1
            log.error("sweep failed on case %s: %s", case_id, exc)
        except Exception:  # noqa: BLE001 — one broken case must not stop the sweep
            result.failed += 1
            log.exception("sweep failed on case %s", case_id)
    return result


# ---------------------------------------------------------------- BPMN timers

def _due_timer_cases(factory, now, limit) -> list[int]:
    with factory() as session:
        return list(session.scalars(
            select(Timer.case_id).where(Timer.state == TimerState.WAITING, Timer.due_at <= now,
                                        Timer.case_id.not_in(incidents.open_incident_cases()))
            .group_by(Timer.case_id).order_by(func.min(Timer.due_at)).limit(limit)))


def fire_timers(factory: sessionmaker, limit: int | None = None) -> SweepResult:
    """Fire every due timer through the engine: one transaction per case (load, fire, save)."""
    now = wall.now()

    def work(session: Session, case: Case) -> int:
        due = session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.state == TimerState.WAITING,
                                                  Timer.due_at <= now)).all()
        if not due or case.state != CaseState.RUNNING:
            return 0  # someone else fired them already (or the case ended)
        instance = load_instance(session, case)
        records = instance.fire_due_timers()
        save(session, case, instance, EventLog(session, case), records)
        spawn_children(session, case, case.data)
        return sum(1 for r in records if r.kind == "timer")

    return _per_case(factory, _due_timer_cases(factory, now, limit or settings().sweep_batch), work)


# ---------------------------------------------------------------- colours

def _colour_due(today):
    return and_(Clock.state == clk_mod.RUNNING, or_(
        and_(Clock.colour == colours.GREEN, Clock.yellow_on <= today),
        and_(Clock.colour != colours.RED, Clock.due_on < today)))


def _escalation_due(today):
    return and_(Clock.state == clk_mod.RUNNING, Clock.colour == colours.RED,
                Clock.next_escalation_on.is_not(None), Clock.next_escalation_on <= today)


def advance_colours(factory: sessionmaker, limit: int | None = None) -> SweepResult:
    """Record the due colour changes of up to ``limit`` cases, set-based, in one transaction (engine/deadlines/
    bulk.py). Cases that ended, and every case of a batch that failed, go through the per-case path."""
    now = wall.now()
    today = local_date(now)
    due = _colour_due(today)
    result, locked, others = SweepResult(), [], []
    try:
        with transaction(factory) as session:
            locked = bulk.lock_due_cases(session, due, limit or settings().sweep_batch)
            running, others = bulk.split(locked)
            if running:
                result.done = bulk.advance(session, running, due, today, now)
            result.cases = len(running)
    except Exception:  # noqa: BLE001 — rolled back; one by one, a broken case is isolated and logged
        log.exception("set-based colour sweep failed; handling its %s cases one by one", len(locked))
        result, others = SweepResult(), [c.id for c in locked]
    if not others:
        return result

    def work(session: Session, case: Case) -> int:
        cal, log_, changed = Calendar.load(session), EventLog(session, case), 0
        for clk in session.scalars(select(Clock).where(Clock.case_id == case.id, _colour_due(today))
                                   .order_by(Clock.id)):
            if case.state != CaseState.RUNNING:
                clk_mod.close(clk, cal, log_, today, now, case.state == CaseState.COMPLETED)
                continue
            changed += colours.refresh(session, clk, case, log_, cal, today, now)
        return changed

    result += _per_case(factory, others, work)
    return result


def run_escalations(factory: sessionmaker, limit: int | None = None) -> SweepResult:
    """Take the due escalation steps of up to ``limit`` cases in one transaction (cases locked in one
    statement, recipients and calendar looked up once for the batch)."""
    now = wall.now()
    today = local_date(now)
    shared: dict = {}

    def work(session: Session, case: Case) -> int:
        if shared.get("session") is not session:
            shared.update(session=session, cal=Calendar.load(session), who=notifications.Recipients(session))
        cal, log_, steps = shared["cal"], EventLog(session, case), 0
        for clk in session.scalars(select(Clock).where(Clock.case_id == case.id, _escalation_due(today))
                                   .order_by(Clock.id)):
            if case.state != CaseState.RUNNING:
                clk_mod.close(clk, cal, log_, today, now, case.state == CaseState.COMPLETED)
            elif escalation.escalate(session, clk, case, log_, cal, today, now, shared["who"]):
                steps += 1
        return steps

    return _batched(factory, _escalation_due(today), limit or settings().sweep_batch, work)


def _batched(factory: sessionmaker, due, limit: int, work) -> SweepResult:
    """Lock a batch of cases with due work in one statement and do each case's work in one transaction; if the
    batch fails it is rolled back and its cases are handled one per transaction, isolating the broken one."""
    result, locked = SweepResult(), []
    try:
        with transaction(factory) as session:
            locked = bulk.lock_due_cases(session, due, limit)
            if not locked:
                return result
            for case in session.scalars(select(Case).where(Case.id.in_([c.id for c in locked])).order_by(Case.id)):
                result.done += work(session, case)
                result.cases += 1
    except Exception:  # noqa: BLE001 — rolled back; one by one below
        log.exception("batched sweep failed; handling its %s cases one by one", len(locked))
        return _per_case(factory, [c.id for c in locked], work)
    return result


# ---------------------------------------------------------------- all together

def run_all(factory: sessionmaker) -> dict[str, SweepResult]:
    """One sweep: timers first (they may end tasks), then colours, then escalations."""
    timers, colours = fire_timers(factory), advance_colours(factory)
    colours += lead_colours(factory)
    escalations = run_escalations(factory)
    escalations += lead_escalations(factory)
    return {"timers": timers, "colours": colours, "escalations": escalations}


def _lead_sweep(factory: sessionmaker, work, what: str) -> SweepResult:
    result = SweepResult()
    try:
        with transaction(factory) as session:
            result.done = work(session)
    except Exception:  # noqa: BLE001 — a failed lead sweep must not stop the case sweeps
        log.exception("lead %s sweep failed", what)
        result.failed = 1
    return result


def drain(factory: sessionmaker, seconds: float | None = None) -> dict[str, SweepResult]:
    """Sweep again and again until a sweep does nothing or ``seconds`` (ZHIFA_SCHEDULER_BUDGET) are spent: a
    backlog (a holiday weekend, a restart, a new calendar) is worked off in one tick, not a batch per tick."""
    budget_s = settings().sweep_budget_seconds if seconds is None else seconds
    started = time.monotonic()
    totals = {"timers": SweepResult(), "colours": SweepResult(), "escalations": SweepResult()}
    while True:
        results = run_all(factory)
        for name, result in results.items():
            totals[name] += result
        if not any(r.done for r in results.values()) or time.monotonic() - started >= budget_s:
            return totals


def lead_colours(factory: sessionmaker) -> SweepResult:
    """The 核查 clocks of leads being verified (engine/intake/verification.py): record colour changes."""
    from engine.intake import verification
    return _lead_sweep(factory, verification.sweep, "colour")


def lead_escalations(factory: sessionmaker) -> SweepResult:
    """Red lead clocks: reminder → 催办单 → 督办单 → 通报, as for case clocks (engine/intake/escalation.py)."""
    from engine.intake import escalation as lead_escalation
    return _lead_sweep(factory, lead_escalation.run_due, "escalation")


def pending(factory: sessionmaker) -> int:
    """How much work is due right now (including work locked by another scheduler)."""
    now = wall.now()
    today = local_date(now)
    with factory() as session:
        timers = session.scalar(select(func.count()).select_from(Timer).where(
            Timer.state == TimerState.WAITING, Timer.due_at <= now, Timer.case_id.in_(
                select(Case.id).where(Case.state == CaseState.RUNNING)),
            Timer.case_id.not_in(incidents.open_incident_cases())))
        clocks = session.scalar(select(func.count()).select_from(Clock).where(
            or_(_colour_due(today), _escalation_due(today))))
        from engine.intake import escalation as lead_escalation
        leads = lead_escalation.pending(session, today)
    return (timers or 0) + (clocks or 0) + leads


__all__ = ["SweepResult", "fire_timers", "advance_colours", "run_escalations", "run_all", "drain", "pending",
           "EventType"]
