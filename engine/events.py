"""The append-only, hash-chained case event log.

Appended events wait in the session (``session.info``) and go out as one multi-row INSERT when the session next
talks to the database — before any statement it executes, before an ORM flush, at commit — so a command's events
cost one round trip, or none when the step folds them into its own write (engine/stepwrite.py). Anything the
command reads afterwards sees them, as with the ORM's autoflush; a rollback (or a rolled-back savepoint) drops
those it covered.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import bindparam, event, insert, select
from sqlalchemy.orm import Session

from engine import clock
from engine.models import Case, CaseEvent

GENESIS = "0" * 64


def _utc_text(at: datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def event_hash(prev_hash: str, seq: int, type_: str, at: datetime, actor_id, task_id, task_spec,
               process_version_id: int, data: dict) -> str:
    body = json.dumps([seq, type_, _utc_text(at), actor_id, task_id, task_spec, process_version_id, data],
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


_LAST = (select(CaseEvent.seq, CaseEvent.hash).where(CaseEvent.case_id == bindparam("case_id"))
         .order_by(CaseEvent.seq.desc()).limit(1))  # built once: every command appends events


def last_event_columns():
    """The last event's seq and hash as two scalar subqueries on the bound ``case_id``, for a read that has
    something else to fetch under the case lock in the same round trip."""
    return (_LAST.with_only_columns(CaseEvent.seq).scalar_subquery(),
            _LAST.with_only_columns(CaseEvent.hash).scalar_subquery())


PENDING = "zhifa.events.pending"
_MARKS = "zhifa.events.marks"
_INSERT = insert(CaseEvent.__table__)


@dataclass
class Appended:
    """An event as appended (its row is written with the session's next statement)."""

    case_id: int
    seq: int
    type: str
    at: datetime
    actor_id: int | None
    task_id: str | None
    task_spec: str | None
    process_version_id: int
    data: dict
    prev_hash: str
    hash: str


def take_pending(session: Session) -> list[dict]:
    """The appended rows not written yet, handed to a caller that writes them itself (and no longer pending)."""
    rows = session.info.get(PENDING)
    if not rows:
        return []
    session.info[PENDING] = []
    return rows


def write_pending(session: Session) -> None:
    """Write the appended rows now (one statement); the session's hooks call this."""
    rows = take_pending(session)
    if rows:
        session.connection().execute(_INSERT, rows)


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state) -> None:
    write_pending(state.session)


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances) -> None:
    write_pending(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session) -> None:
    write_pending(session)


@event.listens_for(Session, "after_transaction_create")
def _savepoint_begins(session, transaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[id(transaction)] = len(session.info.get(PENDING) or ())


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous_transaction) -> None:
    marks = session.info.get(_MARKS) or {}
    if previous_transaction.nested and id(previous_transaction) in marks:   # the outermost: _ended below
        del (session.info.get(PENDING) or [])[marks.pop(id(previous_transaction)):]


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction) -> None:
    if transaction.parent is None and not transaction.nested:   # the outermost: committed or rolled back
        session.info.pop(PENDING, None)
        session.info.pop(_MARKS, None)


class EventLog:
    """Appends events for one case within the current transaction (the case row is locked by the caller)."""

    def __init__(self, session: Session, case: Case, last: tuple[int | None, str | None] | None = None):
        """``last``: the case's last (seq, hash) when the caller read it already, under the case lock
        (see :func:`last_event_columns`); (None, None) for a case without events."""
        self.session = session
        self.case = case
        if last is None:
            last = session.execute(_LAST, {"case_id": case.id}).first() if case.id is not None else None
        self.seq, self.hash = (last[0], last[1]) if last and last[0] is not None else (0, GENESIS)

    def append(self, type_: str, *, actor_id: int | None = None, task_id: str | None = None,
               task_spec: str | None = None, data: dict | None = None, at: datetime | None = None) -> Appended:
        at = at or clock.now()
        data = json.loads(json.dumps(data or {}, default=str, ensure_ascii=False))
        self.seq += 1
        digest = event_hash(self.hash, self.seq, type_, at, actor_id, task_id, task_spec,
                            self.case.process_version_id, data)
        row = Appended(case_id=self.case.id, seq=self.seq, type=type_, at=at, actor_id=actor_id, task_id=task_id,
                       task_spec=task_spec, process_version_id=self.case.process_version_id, data=data,
                       prev_hash=self.hash, hash=digest)
        self.hash = digest
        self.session.info.setdefault(PENDING, []).append(row.__dict__)
        return row


def history(session: Session, case_id: int) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))


def verify(session: Session, case_id: int) -> int | None:
    """Recompute the hash chain, then re-hash the files it records (attachments, documents).

    Returns the seq of the first altered event — or of the event whose file on disk no longer has the
    recorded SHA-256 — or None if intact.
    """
    prev = GENESIS
    for expected_seq, ev in enumerate(history(session, case_id), start=1):
        digest = event_hash(prev, ev.seq, ev.type, ev.at, ev.actor_id, ev.task_id, ev.task_spec,
                            ev.process_version_id, ev.data)
        if ev.seq != expected_seq or ev.prev_hash != prev or ev.hash != digest:
            return ev.seq
        prev = ev.hash
    from engine.attachments import verify_case_files  # attachments builds on this module
    return verify_case_files(session, case_id)
