"""Set-based colour advancement: a batch of cases per transaction, a handful of statements per batch.

For a batch of up to ``limit`` cases with a due colour change, in one transaction:

1. one statement picks and locks the cases (PostgreSQL: ``FOR UPDATE SKIP LOCKED`` after ``ORDER BY … LIMIT``,
   so several schedulers take disjoint batches; SQLite: ``BEGIN IMMEDIATE`` already serialises writers);
2. one statement re-reads, under those locks, the clocks still due; one ``UPDATE`` moves them all;
3. one statement fetches each case's last event (seq, hash); the hash-chained ``clock_colour_changed`` events
   are computed in Python and inserted in one multi-row ``INSERT``;
4. recipients are resolved once per unit, role and task (:class:`notifications.Recipients`); notifications
   already sent are read once for the batch's clocks; notifications and outbox rows are inserted in bulk.

What is written — events (types, data, chain), notifications (recipients, titles, bodies, keys) and outbox
rows — is what the per-case path (``colours.refresh``) writes; ``tests/engine/deadlines/test_sweep_record.py``
compares the two against a recorded scenario. Cases that are no longer running go through the per-case path
(their clocks are closed, not coloured).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import JSON, Date, and_, case as case_when, func, insert, literal, select, text, update
from sqlalchemy.orm import Session

from engine.deadlines import colours
from engine.deadlines import notifications as notes
from engine.deadlines.calendar import Calendar
from engine.deadlines.config import settings
from engine.events import GENESIS, event_hash, write_pending
from engine.models import Case, CaseEvent, Clock, Notification, OutboxMessage
from engine.statuses import CaseState, EventType


@dataclass
class Locked:
    id: int
    state: str
    number: str
    process_version_id: int
    data: dict | None = None


def lock_due_cases(session: Session, due, limit: int) -> list[Locked]:
    """The first ``limit`` cases with a clock matching ``due``, locked (rows another transaction holds are
    skipped, so concurrent schedulers split the work instead of waiting or doing it twice).

    Two statements with plans that do not depend on the table sizes: the due clocks' cases (read through the
    clock indexes, ``+ 0`` keeps the sort off the case_id index), then those cases by primary key. A single
    ``cases.id IN (subquery) ORDER BY id LIMIT n`` let PostgreSQL walk the cases in id order probing clocks per
    case, which grows with every batch of a backlog (265 ms for the first batch at 1M clocks under load)."""
    candidates = list(dict.fromkeys(session.scalars(
        select(Clock.case_id).where(due).order_by(Clock.case_id + 0).limit(limit * 4))))
    if not candidates:
        return []
    rows = session.execute(
        select(Case.id, Case.state, Case.number, Case.process_version_id).where(Case.id.in_(candidates))
        .order_by(Case.id).limit(limit).with_for_update(skip_locked=True, of=Case)).all()
    return [Locked(*row) for row in rows]


def _colour_sql(today: date):
    """``colours.colour_on`` as SQL, evaluated on the locked row itself."""
    return case_when((Clock.due_on < today, colours.RED), (Clock.yellow_on <= today, colours.YELLOW),
                     else_=colours.GREEN)


def _last_events(session: Session, case_ids: list[int]) -> dict[int, tuple[int, str]]:
    last = (select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
            .where(CaseEvent.case_id.in_(case_ids)).group_by(CaseEvent.case_id).subquery())
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.hash).join(
        last, and_(CaseEvent.case_id == last.c.case_id, CaseEvent.seq == last.c.seq))).all()
    return {case_id: (seq, digest) for case_id, seq, digest in rows}


def advance(session: Session, cases: list[Locked], due, today: date, now: datetime) -> int:
    """Record every due colour change of these (locked, running) cases; returns the number of changes."""
    by_id = {c.id: c for c in cases}
    rows = session.execute(
        select(Clock.id, Clock.case_id, Clock.task_id, Clock.label, Clock.unit_id, Clock.role, Clock.colour,
               Clock.colour_changes, Clock.due_on, Clock.yellow_on)
        .where(Clock.case_id.in_(list(by_id)), due).order_by(Clock.case_id, Clock.id)).all()
    changes = [(row, colours.colour_on(row, today)) for row in rows]
    changes = [(row, new) for row, new in changes if new != row.colour]
    if not changes:
        return 0
    red_next = None
    if any(new == colours.RED for _row, new in changes):
        cal = Calendar.load(session)
        delays = cal.cfg.escalation_delays
        red_next = cal.add_workdays(today, delays[0]) if delays else None
    turns_red = Clock.due_on < today
    session.execute(
        update(Clock).where(Clock.id.in_([row.id for row, _new in changes]))
        .values(colour=_colour_sql(today), colour_changes=func.coalesce(Clock.colour_changes, 0) + 1,
                escalation_level=case_when((turns_red, 0), else_=Clock.escalation_level),
                next_escalation_on=case_when((turns_red, literal(red_next, Date)),
                                             else_=Clock.next_escalation_on))
        .execution_options(synchronize_session=False))
    _append_events(session, by_id, changes, now)
    _notify(session, by_id, [(row, new) for row, new in changes if colours.RANK[new] > colours.RANK[row.colour]],
            now)
    return len(changes)


def _append_events(session: Session, by_id: dict[int, Locked], changes, now: datetime) -> None:
    chain = _last_events(session, list({row.case_id for row, _new in changes}))
    events = []
    for row, new in changes:
        seq, prev = chain.get(row.case_id, (0, GENESIS))
        seq += 1
        data = json.loads(json.dumps({"clock": row.id, "label": row.label, "from": row.colour, "to": new,
                                      "due_on": row.due_on.isoformat()}, ensure_ascii=False))
        version = by_id[row.case_id].process_version_id
        digest = event_hash(prev, seq, EventType.CLOCK_COLOUR_CHANGED, now, None, row.task_id, None, version, data)
        events.append({"case_id": row.case_id, "seq": seq, "type": EventType.CLOCK_COLOUR_CHANGED, "at": now,
                       "actor_id": None, "task_id": row.task_id, "task_spec": None, "process_version_id": version,
                       "data": data, "prev_hash": prev, "hash": digest})
        chain[row.case_id] = (seq, digest)
    insert_rows(session, CaseEvent, events)


def _notify(session: Session, by_id: dict[int, Locked], changes, now: datetime) -> None:
    if not changes:
        return
    who = notes.Recipients(session)
    who.prefetch_tasks([row.task_id for row, new in changes if new == colours.YELLOW and row.task_id])
    need_data = [row.case_id for row, new in changes if new == colours.YELLOW and not row.task_id]
    if need_data:
        for case_id, data in session.execute(select(Case.id, Case.data).where(Case.id.in_(set(need_data)))):
            by_id[case_id].data = data
    sent = set(session.execute(select(Notification.user_id, Notification.dedupe_key).where(
        Notification.clock_id.in_([row.id for row, _new in changes]))).all())
    rows = []
    for row, new in changes:
        case = by_id[row.case_id]
        key = f"clock:{row.id}:colour:{(row.colour_changes or 0) + 1}"
        due = row.due_on.isoformat()
        data = {"colour": new, "due_on": due, "clock_id": row.id, "case_number": case.number}
        if new == colours.YELLOW:
            users = who.handling_officers(row.task_id, row.unit_id, row.role, case.data) + who.squad_leaders(
                row.unit_id)
            kind, body = notes.KIND_WARNING, f"{case.number}「{row.label}」将于 {due} 到期，请抓紧办理。"
        else:
            users = who.deputies(row.unit_id) + who.supervisors(row.unit_id)
            kind, body = notes.KIND_OVERDUE, f"{case.number}「{row.label}」已超过期限（{due}），请督促办理。"
        title = f"{notes.TITLES.get(kind, '')}{case.number} {row.label}".strip()
        seen = set()
        for user in users:
            if user is None or user.id in seen:
                continue
            seen.add(user.id)
            if (user.id, key) in sent:
                continue
            rows.append(({"user_id": user.id, "case_id": case.id, "clock_id": row.id, "kind": kind, "title": title,
                          "body": body, "data": data, "dedupe_key": key, "created_at": now},
                         {"title": title, "body": body, "kind": kind, "case_id": case.id,
                          "username": user.username}))
    insert_notifications(session, rows, now)


def insert_notifications(session: Session, rows: list[tuple[dict, dict]], now: datetime) -> None:
    """Notifications and their outbox rows (one per configured channel), inserted in bulk."""
    if not rows:
        return
    notes_ = [note for note, _payload in rows]
    if _copies(session):   # ids drawn from the sequence in one statement, so the rows can be COPYed
        ids = sorted(session.scalars(text("SELECT nextval(pg_get_serial_sequence('notifications', 'id')) "
                                          "FROM generate_series(1, :n)"), {"n": len(notes_)}))
        for note, note_id in zip(notes_, ids):
            note["id"] = note_id
        insert_rows(session, Notification, notes_)
    else:  # (user, key) is unique: match the returned ids on it
        found = {(user_id, key): note_id for note_id, user_id, key in session.execute(
            insert(Notification).returning(Notification.id, Notification.user_id, Notification.dedupe_key), notes_)}
        for note in notes_:
            note["id"] = found[(note["user_id"], note["dedupe_key"])]
    insert_rows(session, OutboxMessage, [
        {"notification_id": note["id"], "channel": channel, "user_id": note["user_id"], "created_at": now,
         "attempts": 0, "payload": payload}
        for note, payload in rows for channel in settings().notify_channels])


def _copies(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(session: Session, model, rows: list[dict]) -> None:
    """Many rows of one table: PostgreSQL ``COPY … FROM STDIN`` (one round trip, no giant statement for the
    driver to build and the server to parse); elsewhere a multi-row INSERT."""
    if not rows:
        return
    if not _copies(session):
        session.execute(insert(model), rows)
        return
    write_pending(session)   # events appended through an EventLog go first: COPY bypasses the session's hooks
    table = model.__table__
    columns = [c for c in table.columns if c.name in rows[0]]
    json_cols = {c.name for c in columns if isinstance(c.type, JSON)}
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(c.name for c in columns)}) FROM STDIN") \
            as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c.name], ensure_ascii=False) if c.name in json_cols else row[c.name]
                            for c in columns])


def split(cases: list[Locked]) -> tuple[list[Locked], list[int]]:
    """Running cases (set-based path) and the ids of the others (per-case path: their clocks are closed)."""
    return [c for c in cases if c.state == CaseState.RUNNING], [c.id for c in cases if c.state != CaseState.RUNNING]
