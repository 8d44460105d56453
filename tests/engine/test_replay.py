"""Auditors' replay: the event log reproduces the stored case; alterations are caught."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.deploy import deploy
from engine.models import Case, CaseEvent
from engine.replay import replay
from engine.statuses import EventType
from tests.conftest import DATA
from tests.engine.helpers import complete, only_task, start


@pytest.fixture
def finished_case(sessions, actor):
    with transaction(sessions) as session:
        deploy(session, {"loop.bpmn": (DATA / "loop.bpmn").read_bytes()})
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "loop_test", "chengnan", {"done": False})
    for done in (False, False, True):
        complete(sessions, officer, only_task(sessions, case_id).id, {"done": done})
    return case_id


def test_replay_reproduces_case_step_by_step(sessions, finished_case):
    with sessions() as session:
        result = replay(session, session.get(Case, finished_case))
    assert result.chain_intact and result.matches, result.detail
    completions = [s for s in result.steps if s.type == EventType.TASK_COMPLETED]
    assert [s.data["count"] for s in completions] == [1, 2, 3]
    assert completions[0].open_tasks == ["Task_work"] and completions[-1].open_tasks == []


def test_replay_detects_altered_data_even_with_rehashed_chain(sessions, finished_case):
    """Someone rewrote a completion's data and recomputed every hash: the chain verifies, the replay does not."""
    from engine.events import GENESIS, event_hash
    with transaction(sessions) as session:
        evs = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == finished_case)
                                   .order_by(CaseEvent.seq)))
        first = next(e for e in evs if e.type == EventType.TASK_COMPLETED)
        first.data = {"data": {"done": True}}
        prev = GENESIS
        for e in evs:
            e.prev_hash = prev
            e.hash = event_hash(prev, e.seq, e.type, e.at, e.actor_id, e.task_id, e.task_spec,
                                e.process_version_id, e.data)
            prev = e.hash
    with sessions() as session:
        result = replay(session, session.get(Case, finished_case))
    assert result.chain_intact
    assert not result.matches


def test_replay_reports_broken_chain(sessions, finished_case):
    with transaction(sessions) as session:
        ev = session.scalar(select(CaseEvent).where(CaseEvent.case_id == finished_case,
                                                    CaseEvent.type == EventType.TASK_COMPLETED))
        ev.actor_id = None
        seq = ev.seq
    with sessions() as session:
        result = replay(session, session.get(Case, finished_case))
    assert not result.chain_intact and result.first_altered_seq == seq and not result.matches
