"""The set-based colour sweep under contention: racing schedulers, a case a user is working on, a backlog."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from engine import clock, events
from engine.deadlines import config, sweeps
from engine.models import CaseEvent, Clock, Notification, OutboxMessage
from engine.runtime import lock_case
from engine.statuses import EventType
from tests.engine.deadlines.conftest import local
from tests.engine.helpers import complete, only_task, start

CASES = 24


def _due_cases(sessions, actor, n=CASES) -> list[int]:
    """n cases whose 陈述申辩期 (5 working days from Sep 29) is overdue on Oct 13: one change each, to red."""
    clock.freeze(local(2026, 9, 29))
    officer = actor("cn_officer1")
    ids = []
    for _ in range(n):
        case_id = start(sessions, officer, "deadline_test", "chengnan", {})
        complete(sessions, officer, only_task(sessions, case_id, "Task_file").id, {"filed_on": "2026-09-29"})
        ids.append(case_id)
    clock.freeze(local(2026, 10, 13, 9, 0))
    return ids


def _written(sessions, case_ids):
    with sessions() as s:
        for case_id in case_ids:
            assert events.verify(s, case_id) is None          # every hash chain intact
        changes = Counter(s.scalars(select(CaseEvent.case_id).where(
            CaseEvent.type == EventType.CLOCK_COLOUR_CHANGED)))
        notes = Counter(s.execute(select(Notification.clock_id, Notification.user_id)).all())
        outbox = s.scalar(select(func.count()).select_from(OutboxMessage))
    return changes, notes, outbox


def test_racing_sweeps_record_and_notify_each_change_once(sessions, actor, dl_deployed):
    case_ids = _due_cases(sessions, actor)
    config.configure(config.DeadlineSettings(sweep_batch=5))
    done, errors = Counter(), []

    def scheduler(name):
        try:
            while True:
                result = sweeps.advance_colours(sessions)
                done[name] += result.done
                if result.cases == 0:
                    return
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors
    assert sum(done.values()) == CASES                      # nothing done twice, nothing left behind
    assert sweeps.pending(sessions) == 0
    changes, notes, outbox = _written(sessions, case_ids)
    assert changes == {cid: 1 for cid in case_ids}
    assert len(notes) == 2 * CASES and set(notes.values()) == {1}   # deputy + supervisor, once each
    assert outbox == 2 * CASES


def test_a_case_locked_by_a_user_is_left_for_the_next_sweep(sessions, actor, dl_deployed, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has no row locks: a writer holds the whole database (BEGIN IMMEDIATE)")
    case_ids = _due_cases(sessions, actor, 4)
    busy = sessions()
    lock_case(busy, case_ids[1])                          # a user's command holds this case
    try:
        result = sweeps.advance_colours(sessions)
        assert result.done == 3 and result.cases == 3
        changes, _notes, _outbox = _written(sessions, [])
        assert case_ids[1] not in changes
    finally:
        busy.rollback()
        busy.close()
    assert sweeps.advance_colours(sessions).done == 1
    changes, _notes, _outbox = _written(sessions, case_ids)
    assert changes == {cid: 1 for cid in case_ids}


def test_one_tick_drains_a_backlog_larger_than_a_batch(sessions, actor, dl_deployed):
    case_ids = _due_cases(sessions, actor)
    config.configure(config.DeadlineSettings(sweep_batch=5))
    assert sweeps.run_all(sessions)["colours"].done == 5   # one sweep: one batch
    totals = sweeps.drain(sessions)                        # a scheduler tick: until nothing is due
    assert totals["colours"].done == CASES - 5 and totals["colours"].failed == 0
    assert sweeps.pending(sessions) == 0
    changes, notes, _outbox = _written(sessions, case_ids)
    assert changes == {cid: 1 for cid in case_ids} and set(notes.values()) == {1}
    with sessions() as s:
        assert {c.colour for c in s.scalars(select(Clock).where(Clock.spec == "Task_statement"))} == {"red"}
