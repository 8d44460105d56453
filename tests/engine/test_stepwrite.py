"""A step's writes (engine/stepwrite.py) and the session's pending events (engine/events.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from engine import events, tasks
from engine.db import transaction
from engine.deploy import deploy
from engine.errors import Conflict
from engine.models import Case, CaseEvent, HumanTask
from engine.statuses import EventType, TaskState
from tests.conftest import DATA
from tests.engine.helpers import complete, get_case, only_task, start


@pytest.fixture
def loop_case(sessions, actor):
    with transaction(sessions) as session:
        deploy(session, {"loop.bpmn": (DATA / "loop.bpmn").read_bytes()})
    return start(sessions, actor("cn_officer1"), "loop_test", "chengnan", {"done": False})


def _statements(sessions, fn):
    seen = []
    bind = sessions.kw["bind"]

    def record(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split())[:60])
    event.listen(bind, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(bind, "before_cursor_execute", record)
    return seen


def test_a_step_writes_events_tasks_and_case_together_in_one_statement_on_postgresql(sessions, actor, loop_case, backend):
    officer = actor("cn_officer1")
    task_id = only_task(sessions, loop_case).id
    before = get_case(sessions, loop_case)
    seen = _statements(sessions, lambda: complete(sessions, officer, task_id, {"done": False}))
    writes = [s for s in seen if not s.startswith("SELECT")]
    if backend == "postgresql":   # the locking read, the open tasks with the last event, then one write
        assert len(seen) == 3 and len(writes) == 1 and writes[0].startswith("WITH w0 AS (INSERT INTO case_events")
    else:                         # SQLite: the same writes, one after the other
        for start_ in ("INSERT INTO case_events", "INSERT INTO human_tasks", "UPDATE human_tasks", "UPDATE cases"):
            assert any(w.startswith(start_) for w in writes), (start_, writes)
    new = only_task(sessions, loop_case)
    with sessions() as s:
        done = s.get(HumanTask, task_id)
        types = [e.type for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == loop_case)
                                           .order_by(CaseEvent.seq))]
        assert done.state == TaskState.COMPLETED and done.completed_by == officer.user_id and done.completed_at
        assert new.id != task_id and new.state == TaskState.READY and new.context == {} and new.rules == {}
        step = types[types.index(EventType.TASK_CLAIMED):]
        assert step[:2] == [EventType.TASK_CLAIMED, EventType.TASK_COMPLETED] and step[-1] == EventType.TASK_READY
        assert s.get(Case, loop_case).version == before.version + 1
        assert events.verify(s, loop_case) is None   # the chain written in one statement verifies


def test_a_failed_compare_and_set_keeps_nothing_of_the_step(sessions, actor, loop_case):
    officer = actor("cn_officer1")
    task_id = only_task(sessions, loop_case).id
    with sessions() as s:
        count = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == loop_case))
    with pytest.raises(Conflict):
        with transaction(sessions) as session:
            tasks.complete(session, officer, task_id, {"done": False}, expected_case_version=0)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == loop_case)) == count
        assert s.get(HumanTask, task_id).state == TaskState.READY
        assert s.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.case_id == loop_case)) == 1


def test_pending_events_are_read_back_and_a_rollback_drops_them(sessions, loop_case):
    with sessions() as session:
        case = session.get(Case, loop_case)
        log = events.EventLog(session, case)
        first = log.append(EventType.CASE_ENDED)
        assert session.info[events.PENDING]                       # not written yet ...
        assert session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == loop_case)) == first.seq
        assert not session.info[events.PENDING]                   # ... until the session's next statement
        log.append(EventType.CASE_ENDED)
        session.rollback()
        assert not session.info.get(events.PENDING)
    with sessions() as session:
        assert session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == loop_case)) < first.seq


def test_a_rolled_back_savepoint_drops_only_the_events_appended_inside_it(sessions, loop_case):
    with transaction(sessions) as session:
        case = session.get(Case, loop_case)
        log = events.EventLog(session, case)
        kept = log.append(EventType.CASE_ENDED, data={"n": 1})
        nested = session.begin_nested()
        log.append(EventType.CASE_ENDED, data={"n": 2})
        nested.rollback()
        log.seq, log.hash = kept.seq, kept.hash                   # the caller goes on from what was kept
        last = log.append(EventType.CASE_ENDED, data={"n": 3})
    with sessions() as session:
        rows = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == loop_case, CaseEvent.seq >= kept.seq)
                                    .order_by(CaseEvent.seq)))
        assert [r.data for r in rows] == [{"n": 1}, {"n": 3}] and rows[-1].seq == last.seq
        assert events.verify(session, loop_case) is None


def test_a_new_task_row_gets_the_models_defaults_for_what_the_step_left_unset():
    """The step's INSERT is written by hand (not by the ORM): the model's defaults still apply."""
    from engine import stepwrite
    row = stepwrite._new_row(HumanTask(id="t", case_id=1))
    assert (row["other_unit"], row["context"], row["rules"], row["state"]) == (False, {}, {}, None)
