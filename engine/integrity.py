"""One integrity verdict per case: the hash chain and the replay, combined.

- ``intact``: the chain verifies and replaying the log on the case's process version reproduces the stored
  data, end state and open tasks;
- ``altered``: an event's record no longer matches its hash (step = that event), or the log replays but the
  stored case differs from what it produces (step = the event that should have produced the stored value,
  ``differences`` = stored vs replayed), or a recorded completion cannot happen on the version (step = it);
- ``unreplayable``: the log verifies but the case cannot be re-run (the version no longer loads, the workflow
  fails, no start event) — with why.

The background sweep (:func:`sweep`) re-verifies cases, oldest check first, and records each verdict in
``case_integrity`` so "altered" is searchable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine import clock, events
from engine.models import Case, CaseEvent, CaseIntegrity, HumanTask
from engine.replay import replay
from engine.statuses import TaskState

INTACT, ALTERED, UNREPLAYABLE = "intact", "altered", "unreplayable"
VERDICTS = (INTACT, ALTERED, UNREPLAYABLE)


@dataclass
class Verdict:
    verdict: str
    step: int | None = None
    reason: str | None = None      # chain | gap | link | step | data | state | tasks | form | engine | spec | start
    detail: dict = field(default_factory=dict)
    events: int = 0
    chain_head: str | None = None

    @property
    def intact(self) -> bool:
        return self.verdict == INTACT


def chain_check(history: list[CaseEvent]) -> tuple[int | None, str | None]:
    """(seq, reason) of the first event that breaks the chain, or (None, None)."""
    prev = events.GENESIS
    for expected, ev in enumerate(history, start=1):
        if ev.seq != expected:
            return expected, "gap"
        if ev.prev_hash != prev:
            return ev.seq, "link"
        digest = events.event_hash(prev, ev.seq, ev.type, ev.at, ev.actor_id, ev.task_id, ev.task_spec,
                                   ev.process_version_id, ev.data)
        if ev.hash != digest:
            return ev.seq, "chain"
        prev = ev.hash
    return None, None


def verify_case(session: Session, case: Case) -> Verdict:
    history = events.history(session, case.id)
    head = history[-1].hash if history else None
    bad_seq, why = chain_check(history)
    if bad_seq is not None:
        return Verdict(ALTERED, bad_seq, why, {}, len(history), head)
    open_specs = list(session.scalars(select(HumanTask.task_spec).where(
        HumanTask.case_id == case.id, HumanTask.state.in_(TaskState.OPEN))))
    result = replay(session, case, history=history, altered=None, open_specs=open_specs)
    if result.matches:
        return Verdict(INTACT, None, None, {}, len(history), head)
    detail = {"message": result.detail}
    if result.differences:
        detail["differences"] = result.differences
    if result.form_mismatch:  # a recorded submission that does not fit its version's form
        detail["form"] = result.form_mismatch
    verdict = UNREPLAYABLE if result.reason in ("engine", "spec", "start") else ALTERED
    return Verdict(verdict, result.failed_seq, result.reason, detail, len(history), head)


def record(session: Session, case: Case, verdict: Verdict, now: datetime | None = None) -> CaseIntegrity:
    row = session.get(CaseIntegrity, case.id)
    if row is None:
        row = CaseIntegrity(case_id=case.id)
        session.add(row)
    row.verdict, row.step, row.reason = verdict.verdict, verdict.step, verdict.reason
    row.detail, row.events, row.chain_head = _json_safe(verdict.detail), verdict.events, verdict.chain_head
    row.case_version, row.checked_at = case.version, now or clock.now()
    return row


def check_and_record(session: Session, case: Case) -> Verdict:
    verdict = verify_case(session, case)
    record(session, case, verdict)
    return verdict


def _json_safe(value):
    import json
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def due_cases(session: Session, limit: int) -> list[int]:
    """Never-checked cases first, then the longest since their last check."""
    never = list(session.scalars(select(Case.id).outerjoin(CaseIntegrity, CaseIntegrity.case_id == Case.id)
                                 .where(CaseIntegrity.case_id.is_(None)).order_by(Case.id).limit(limit)))
    if len(never) >= limit:
        return never
    rest = list(session.scalars(select(CaseIntegrity.case_id).order_by(CaseIntegrity.checked_at,
                                                                       CaseIntegrity.case_id)
                                .limit(limit - len(never))))
    return never + rest


def sweep(factory: sessionmaker, limit: int = 200, min_age_seconds: float = 3600) -> dict[str, int]:
    """Re-verify up to ``limit`` cases (unchecked, or checked more than ``min_age_seconds`` ago).

    Each case is read and recorded in its own transaction; a verdict is a read-only judgement, so no case
    lock is taken (a step that lands meanwhile is simply checked on the next sweep).
    """
    counts = {v: 0 for v in VERDICTS}
    with factory() as session:
        ids = due_cases(session, limit)
    now = clock.now()
    for case_id in ids:
        with factory() as session:
            row = session.get(CaseIntegrity, case_id)
            if row is not None and (now - _aware(row.checked_at, now)).total_seconds() < min_age_seconds:
                continue
            case = session.get(Case, case_id)
            if case is None:
                continue
            verdict = check_and_record(session, case)
            session.commit()
            counts[verdict.verdict] += 1
    return counts


def _aware(at: datetime, like: datetime) -> datetime:
    return at.replace(tzinfo=like.tzinfo) if at.tzinfo is None and like.tzinfo is not None else at


class IntegrityJob:
    """Scheduler job: every ``ZHIFA_INTEGRITY_INTERVAL`` seconds (600) re-verify ``ZHIFA_INTEGRITY_BATCH`` (200)
    cases whose last check is older than ``ZHIFA_INTEGRITY_MAX_AGE`` seconds (86,400)."""

    JOB_ID = "zhifa-integrity"

    def __init__(self, factory: sessionmaker):
        import os
        self.factory = factory
        self.interval = float(os.environ.get("ZHIFA_INTEGRITY_INTERVAL", "600"))
        self.batch = int(os.environ.get("ZHIFA_INTEGRITY_BATCH", "200"))
        self.max_age = float(os.environ.get("ZHIFA_INTEGRITY_MAX_AGE", "86400"))
        self.totals = {v: 0 for v in VERDICTS}

    def __call__(self) -> None:
        import logging
        try:
            counts = sweep(self.factory, self.batch, self.max_age)
        except Exception:  # noqa: BLE001 — a database hiccup must not kill the scheduler
            logging.getLogger(__name__).exception("integrity sweep failed")
            return
        for key, n in counts.items():
            self.totals[key] += n
        if counts[ALTERED] or counts[UNREPLAYABLE]:
            logging.getLogger(__name__).warning("integrity sweep: %s", counts)
