"""Moving a plan's cases in the background: the migration page and ``POST /api/v1/migrations/plans/{id}/runs``.

A run is stored first (queued) with the cases chosen. An executor — a worker thread of the web process that stored
it (:func:`start_in_background`), or a scheduler (``zhifa scheduler``; in-process in ``zhifa run``: :class:`RunJob`)
— claims it with a lease and moves its cases ``chunk`` at a time through :func:`engine.migration.apply.run_plan`
(each case in its own transaction under its case lock, as always), writing the progress after every chunk
(compare-and-set on its lease, which is also its heartbeat).

A run whose executor stopped (a restart, a recycled web worker) keeps its place: once its heartbeat is older than
``stale`` seconds it shows as interrupted, and the next scheduler tick — or *Continue* on its page — takes it over
from where it stopped (``resumed`` + 1). Cases of the chunk that was cut short that had already moved count as
moved by this run (their move names no run yet), not as refused for being no longer on the source version.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine import clock
from engine.db import transaction
from engine.errors import Conflict, EngineError, Forbidden, ValidationFailed
from engine.migration.apply import FAILED, MIGRATED, REFUSED, run_plan
from engine.migration.plan import check_may_migrate
from engine.migration.verdicts import running_case_ids
from engine.models import CaseMigration, MigrationPlan, MigrationRun, User
from engine.org import SYSTEM, Actor, actor_for

log = logging.getLogger(__name__)
QUEUED, RUNNING, DONE, STOPPED = "queued", "running", "done", "failed"
ACTIVE = (QUEUED, RUNNING)
MAX_PROBLEMS = 2000     # cases not moved kept with their reasons (the counts stay exact beyond)
MAX_RESUMES = 5         # a run that keeps dying is stopped with its reason instead of retried for ever


@dataclass(frozen=True)
class RunSettings:
    chunk: int = 100          # cases between two progress writes
    stale: float = 60.0       # seconds without a heartbeat before a run counts as interrupted
    workers: int = 1          # batches of a chunk moved side by side (each on its own connection)

    @classmethod
    def from_env(cls) -> "RunSettings":
        env = os.environ
        return cls(chunk=max(1, int(env.get("ZHIFA_MIGRATION_CHUNK", cls.chunk))),
                   stale=float(env.get("ZHIFA_MIGRATION_STALE_SECONDS", cls.stale)),
                   workers=max(1, int(env.get("ZHIFA_MIGRATION_WORKERS", cls.workers))))


def _aware(at: datetime | None) -> datetime | None:
    return at if at is None or at.tzinfo else at.replace(tzinfo=timezone.utc)   # SQLite gives naive UTC back


def interrupted(run: MigrationRun, settings: RunSettings | None = None) -> bool:
    """Running, but its executor has not written for ``stale`` seconds (it stopped: a restart) — or still queued
    that long after it was stored (the process meant to start it stopped, and no scheduler took it)."""
    since = clock.now() - timedelta(seconds=(settings or RunSettings.from_env()).stale)
    if run.state == QUEUED:
        return _aware(run.created_at) < since
    beat = _aware(run.heartbeat_at)
    return run.state == RUNNING and (beat is None or beat < since)


def start(session: Session, actor: Actor, plan: MigrationPlan, case_ids: list[int] | None,
          by_name: str | None = None) -> MigrationRun:
    """Store a queued run of ``plan`` over ``case_ids`` (None: every running case of the source version; the safe
    ones move, the rest are refused with their reasons). One run per plan at a time (the caller commits)."""
    check_may_migrate(actor)
    going = session.scalar(select(MigrationRun.id).where(MigrationRun.plan_id == plan.id,
                                                         MigrationRun.state.in_(ACTIVE)))
    if going is not None:
        raise Conflict(f"run {going} of this plan is still going: wait for it, or continue it if it was interrupted",
                       zh=f"本计划的第 {going} 次迁移仍在进行，请等待其完成（若已中断，请点击“继续”）", run=going)
    ids = list(dict.fromkeys(case_ids)) if case_ids is not None else running_case_ids(session, plan)
    if not ids:
        raise ValidationFailed("no case to move", {"case_ids": ["choose at least one case"]},
                               zh="没有可迁移的案件", errors_zh={"case_ids": ["请至少选择一件案件"]})
    name = by_name or (session.get(User, actor.user_id).username if actor is not SYSTEM else "system")
    run = MigrationRun(plan_id=plan.id, state=QUEUED, case_ids=ids, position=0, total=len(ids), moved=0, refused=0,
                       failed=0, problems=[], resumed=0, created_by=None if actor is SYSTEM else actor.user_id,
                       created_by_name=name, created_at=clock.now())
    session.add(run)
    session.flush()
    return run


def start_in_background(factory: sessionmaker, run_id: int) -> threading.Thread:
    """Execute the run in a daemon thread of this process (it waits a few seconds for the storing transaction to
    commit). Should the process stop, a scheduler takes the run over once its heartbeat is stale."""
    thread = threading.Thread(target=execute, args=(factory, run_id), kwargs={"wait": 10.0}, daemon=True,
                              name=f"zhifa-migration-run-{run_id}")
    thread.start()
    return thread


def execute(factory: sessionmaker, run_id: int, *, wait: float = 0.0, settings: RunSettings | None = None
            ) -> str | None:
    """Claim the run (queued, or interrupted) and move its remaining cases. Returns its final state, or None when
    another executor holds it (or took it over meanwhile)."""
    settings = settings or RunSettings.from_env()
    token = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    until = time.monotonic() + wait
    while not _claim(factory, run_id, token, settings):
        if time.monotonic() >= until:
            return None
        time.sleep(0.1)
    try:
        return _work(factory, run_id, token, settings)
    except EngineError as exc:       # the plan is gone, or its starter may no longer move cases: said in words
        _finish(factory, run_id, token, STOPPED, {"zh": exc.zh or exc.detail, "en": exc.detail})
        return STOPPED
    except Exception:  # noqa: BLE001 — the database went away: the run stays running and is taken over later
        log.exception("migration run %s stopped; it will be resumed once its heartbeat is stale", run_id)
        return None


def _claim(factory: sessionmaker, run_id: int, token: str, settings: RunSettings) -> bool:
    with transaction(factory) as session:
        run = session.scalar(select(MigrationRun).where(MigrationRun.id == run_id).with_for_update())
        if run is None or run.state not in ACTIVE or (run.state == RUNNING and not interrupted(run, settings)):
            return False
        now = clock.now()
        if run.state == RUNNING:      # taken over from an executor that stopped
            run.resumed += 1
            if run.resumed > MAX_RESUMES:
                run.state, run.finished_at, run.lease = STOPPED, now, None
                run.error = {"zh": f"迁移已中断 {MAX_RESUMES} 次，已停止；请检查数据库和服务器日志后重新发起",
                             "en": f"the run was interrupted {MAX_RESUMES} times and was stopped; check the "
                                   f"database and the server logs, then start it again"}
                return False
        run.state, run.lease, run.heartbeat_at = RUNNING, token, now
        run.started_at = run.started_at or now
        return True


def _actor(session: Session, user_id: int | None) -> Actor:
    if user_id is None:
        return SYSTEM
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise Forbidden("the user who started the run is deactivated", zh="发起迁移的用户已停用")
    actor = actor_for(session, user)
    check_may_migrate(actor)
    return actor


def _work(factory: sessionmaker, run_id: int, token: str, settings: RunSettings) -> str | None:
    with factory() as session:
        run = session.get(MigrationRun, run_id)
        plan_id, ids, position, started = run.plan_id, list(run.case_ids), run.position, _aware(run.started_at)
        actor = _actor(session, run.created_by)
    while position < len(ids):
        part = ids[position:position + settings.chunk]
        already = _already_moved(factory, plan_id, part, started, actor)
        rest = [case_id for case_id in part if case_id not in already]
        batch = max(1, -(-len(rest) // settings.workers))
        outcomes = run_plan(factory, actor, plan_id, rest, batch=batch, workers=settings.workers) if rest else []
        position += len(part)
        if not _progress(factory, run_id, token, position, already, outcomes):
            return None      # another executor took the run over (this one was thought stopped)
    return DONE if _finish(factory, run_id, token, DONE) else None


def _already_moved(factory, plan_id: int, part: list[int], started: datetime, actor: Actor) -> dict[int, int]:
    """Cases of ``part`` this run moved before it was cut short (case id → its move's id)."""
    with factory() as session:
        rows = session.execute(select(CaseMigration.case_id, CaseMigration.id).where(
            CaseMigration.plan_id == plan_id, CaseMigration.case_id.in_(part), CaseMigration.run_id.is_(None),
            CaseMigration.state == MIGRATED, CaseMigration.migrated_at >= started,
            CaseMigration.migrated_by.is_(None) if actor is SYSTEM else CaseMigration.migrated_by == actor.user_id))
        return dict(rows.all())


def _progress(factory, run_id: int, token: str, position: int, already: dict[int, int], outcomes) -> bool:
    with transaction(factory) as session:
        run = session.scalar(select(MigrationRun).where(MigrationRun.id == run_id, MigrationRun.lease == token)
                             .with_for_update())
        if run is None or run.state != RUNNING:
            return False
        moves = list(already.values()) + [o.migration_id for o in outcomes if o.outcome == MIGRATED]
        if moves:
            session.execute(update(CaseMigration).where(CaseMigration.id.in_(moves)).values(run_id=run_id)
                            .execution_options(synchronize_session=False))
        run.moved += len(moves)
        run.refused += sum(1 for o in outcomes if o.outcome == REFUSED)
        run.failed += sum(1 for o in outcomes if o.outcome == FAILED)
        room = MAX_PROBLEMS - len(run.problems or [])
        if room > 0:
            run.problems = list(run.problems or []) + [
                {"case_id": o.case_id, "number": o.number, "outcome": o.outcome, "reasons": o.reasons[:3]}
                for o in outcomes if o.outcome != MIGRATED][:room]
        run.position, run.heartbeat_at = position, clock.now()
        return True


def _finish(factory, run_id: int, token: str, state: str, error: dict | None = None) -> bool:
    with transaction(factory) as session:
        now = clock.now()
        done = session.execute(update(MigrationRun).where(MigrationRun.id == run_id, MigrationRun.lease == token)
                               .values(state=state, finished_at=now, heartbeat_at=now, lease=None, error=error)
                               .execution_options(synchronize_session=False))
        return done.rowcount == 1


def due(factory: sessionmaker, settings: RunSettings | None = None) -> list[int]:
    """Runs waiting for an executor: queued ones, and running ones whose executor stopped."""
    with factory() as session:
        runs = session.scalars(select(MigrationRun).where(MigrationRun.state.in_(ACTIVE)).order_by(MigrationRun.id))
        return [r.id for r in runs if r.state == QUEUED or interrupted(r, settings)]


class RunJob:
    """The scheduler's job: execute queued runs nobody took and take over interrupted ones."""

    JOB_ID = "zhifa-migration-runs"

    def __init__(self, factory: sessionmaker):
        self.factory = factory
        self.interval = float(os.environ.get("ZHIFA_MIGRATION_RUNS_INTERVAL", 15))   # seconds between looks

    def __call__(self) -> None:
        try:
            for run_id in due(self.factory):
                state = execute(self.factory, run_id)
                if state:
                    log.info("migration run %s: %s", run_id, state)
        except Exception:  # noqa: BLE001 — a database hiccup must not kill the scheduler
            log.exception("migration runs job failed")


def state_of(run: MigrationRun, settings: RunSettings | None = None) -> str:
    """queued | running | interrupted | done | failed (interrupted: running, but its executor stopped)."""
    return "interrupted" if interrupted(run, settings) else run.state


def runs_of(session: Session, plan_id: int, limit: int = 20) -> list[MigrationRun]:
    return list(session.scalars(select(MigrationRun).where(MigrationRun.plan_id == plan_id)
                                .order_by(MigrationRun.id.desc()).limit(limit)))


def moved_by(session: Session, run_id: int, offset: int = 0, limit: int = 200) -> list[tuple]:
    """The moves of a run, oldest first: (CaseMigration, case number, case title)."""
    from engine.models import Case
    return list(session.execute(
        select(CaseMigration, Case.number, Case.title).join(Case, Case.id == CaseMigration.case_id)
        .where(CaseMigration.run_id == run_id).order_by(CaseMigration.id).offset(offset).limit(limit)).all())


def resume(session: Session, actor: Actor, run: MigrationRun) -> None:
    """Refuse (409) unless the run was interrupted: a running run is left to its executor, a finished one is done."""
    check_may_migrate(actor)
    if run.state in ACTIVE and interrupted(run):
        return
    state = state_of(run)
    raise Conflict(f"run {run.id} is {state}; only an interrupted run can be continued",
                   zh=f"第 {run.id} 次迁移{_STATE_ZH.get(state, state)}，只有已中断的迁移才能继续")


_STATE_ZH = {"queued": "正在排队", "running": "正在进行", "done": "已完成", "failed": "已停止"}
