"""Colours change once under repeated sweeps, notify exactly the intended people, then escalate."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from engine import clock, events, tasks
from engine.db import transaction
from engine.deadlines import notifications, supervision, sweeps
from engine.errors import Forbidden, ValidationFailed
from engine.models import Clock, Notification, OutboxMessage
from engine.statuses import EventType
from tests.engine.deadlines.conftest import local
from tests.engine.helpers import complete, only_task, start


def statement_clock_case(sessions, actor, claim_by=None) -> tuple[int, int]:
    clock.freeze(local(2026, 9, 29))
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "deadline_test", "chengnan", {})
    complete(sessions, officer, only_task(sessions, case_id, "Task_file").id, {"filed_on": "2026-09-29"})
    if claim_by:
        with transaction(sessions) as s:
            tasks.claim(s, actor(claim_by), only_task(sessions, case_id, "Task_statement").id)
    with sessions() as s:
        clk = s.scalar(select(Clock).where(Clock.case_id == case_id, Clock.spec == "Task_statement"))
    return case_id, clk.id


def sweep_many(sessions, times=3):
    for _ in range(times):
        sweeps.run_all(sessions)


def notes_by_kind(sessions, names) -> dict[str, list[str]]:
    with sessions() as s:
        rows = s.scalars(select(Notification).order_by(Notification.id)).all()
    out: dict[str, list[str]] = {}
    for n in rows:
        out.setdefault(n.kind, []).append(names[n.user_id])
    return {k: sorted(v) for k, v in out.items()}


def colour_events(sessions, case_id) -> list[tuple]:
    with sessions() as s:
        assert events.verify(s, case_id) is None
        return [(e.data["from"], e.data["to"]) for e in events.history(s, case_id)
                if e.type == EventType.CLOCK_COLOUR_CHANGED]


@pytest.fixture
def names(user_ids):
    return {v: k for k, v in user_ids.items()}


def test_each_colour_change_once_and_to_the_right_people(sessions, actor, dl_deployed, names):
    case_id, clock_id = statement_clock_case(sessions, actor, claim_by="cn_officer2")
    sweep_many(sessions)
    assert colour_events(sessions, case_id) == [] and notes_by_kind(sessions, names) == {}
    clock.freeze(local(2026, 10, 7, 23, 59))          # still green on the last holiday
    sweep_many(sessions)
    assert colour_events(sessions, case_id) == []
    clock.freeze(local(2026, 10, 8, 0, 1))            # 3 working days left → yellow
    sweep_many(sessions, 4)
    assert colour_events(sessions, case_id) == [("green", "yellow")]
    # the assignee (not the other officers) and the squad leader
    assert notes_by_kind(sessions, names) == {"warning": ["cn_leader", "cn_officer2"]}
    clock.freeze(local(2026, 10, 12, 23, 0))          # due day: still yellow
    sweep_many(sessions)
    clock.freeze(local(2026, 10, 13, 9, 0))           # passed → red
    sweep_many(sessions, 4)
    assert colour_events(sessions, case_id) == [("green", "yellow"), ("yellow", "red")]
    got = notes_by_kind(sessions, names)
    assert got["overdue"] == ["cn_deputy", "supervisor"]   # township deputy in charge + county 督办员
    assert sum(len(v) for v in got.values()) == 4
    with sessions() as s:
        assert s.query(OutboxMessage).count() == 4          # one per notification and channel (mail)
        clk = s.get(Clock, clock_id)
    assert clk.colour == "red" and clk.colour_changes == 2


def test_unclaimed_task_warns_every_holder_of_the_role(sessions, actor, dl_deployed, names):
    statement_clock_case(sessions, actor)
    clock.freeze(local(2026, 10, 8, 9, 0))
    sweep_many(sessions)
    assert notes_by_kind(sessions, names) == {"warning": ["cn_leader", "cn_officer1", "cn_officer2", "cn_officer3"]}


def test_escalation_chain_once_per_step_while_red(sessions, actor, dl_deployed, names):
    case_id, clock_id = statement_clock_case(sessions, actor, claim_by="cn_officer1")
    days = [(10, 13), (10, 14), (10, 15), (10, 16), (10, 19), (10, 20), (10, 21), (10, 22), (10, 26), (10, 27),
            (10, 28), (10, 29), (11, 2)]
    for m, d in days:
        clock.freeze(local(2026, m, d, 9, 0))
        sweep_many(sessions, 2)
    with sessions() as s:
        steps = [(e.data["step"], e.at.day) for e in events.history(s, case_id) if e.type == EventType.CLOCK_ESCALATED]
        clk = s.get(Clock, clock_id)
    # red Oct 13; delays 1, 2, 3, 5 working days: reminder Oct 14, 催办 Oct 16, 督办 Oct 21, 通报 Oct 28
    assert steps == [("reminder", 14), ("urge", 16), ("supervise", 21), ("circular", 28)]
    assert clk.escalation_level == 4 and clk.next_escalation_on is None
    got = notes_by_kind(sessions, names)
    assert got["reminder"] == ["cn_leader", "cn_officer1"]
    assert got["urge"] == ["cn_deputy", "cn_leader", "cn_officer1"]
    assert got["supervise"] == ["cn_deputy", "cn_head", "cn_leader", "supervisor"]
    assert got["circular"] == ["cn_deputy", "cn_head", "supervisor"]
    with sessions() as s:
        urge = s.scalar(select(Notification).where(Notification.kind == "urge").limit(1))
    assert urge.data["finish_by"] == "2026-10-21"        # 3 working days after Oct 16
    assert "2026-10-21" in urge.body


def test_resolving_the_task_stops_the_clock_and_the_chain(sessions, actor, dl_deployed):
    case_id, clock_id = statement_clock_case(sessions, actor, claim_by="cn_officer1")
    clock.freeze(local(2026, 10, 13, 9, 0))
    sweep_many(sessions)
    complete(sessions, actor("cn_officer1"), only_task(sessions, case_id, "Task_statement").id, {})
    clock.freeze(local(2026, 10, 20, 9, 0))
    sweep_many(sessions)
    with sessions() as s:
        clk = s.get(Clock, clock_id)
        kinds = Counter(n.kind for n in s.scalars(select(Notification)))
    assert clk.state == "overdue" and kinds == {"overdue": 2}


def test_manual_urge_and_supervise(sessions, actor, dl_deployed, names):
    case_id, clock_id = statement_clock_case(sessions, actor, claim_by="cn_officer1")
    clock.freeze(local(2026, 10, 9, 9, 0))
    leader, supervisor, head = actor("cn_leader"), actor("supervisor"), actor("cn_head")
    with pytest.raises(Forbidden), transaction(sessions) as s:
        supervision.issue(s, leader, clock_id, "urge")
    with pytest.raises(Forbidden), transaction(sessions) as s:
        supervision.issue(s, head, clock_id, "supervise")
    with pytest.raises(ValidationFailed), transaction(sessions) as s:
        supervision.issue(s, supervisor, clock_id, "shout")
    from datetime import date
    with transaction(sessions) as s:
        data = supervision.issue(s, supervisor, clock_id, "supervise", note="请于期限内办结", finish_by=date(2026, 10, 12))
    assert data["finish_by"] == "2026-10-12" and data["manual"]
    with transaction(sessions) as s:
        supervision.issue(s, head, clock_id, "urge")
    got = notes_by_kind(sessions, names)
    assert got["supervise"] == ["cn_deputy", "cn_head", "cn_leader", "supervisor"]
    assert got["urge"] == ["cn_deputy", "cn_leader", "cn_officer1"]
    with sessions() as s:
        evs = [e for e in events.history(s, case_id) if e.type == EventType.CLOCK_ESCALATED]
    assert [(e.data["step"], e.actor_id) for e in evs] == [("supervise", supervisor.user_id), ("urge", head.user_id)]


def test_inbox_mark_read(sessions, actor, dl_deployed, user_ids):
    statement_clock_case(sessions, actor, claim_by="cn_officer1")
    clock.freeze(local(2026, 10, 8, 9, 0))
    sweep_many(sessions)
    uid = user_ids["cn_officer1"]
    with sessions() as s:
        mine = notifications.inbox(s, uid)
        assert len(mine) == 1 and notifications.unread_count(s, uid) == 1
        assert notifications.inbox(s, user_ids["cn_officer2"]) == []
    with transaction(sessions) as s:
        notifications.mark_read(s, uid, mine[0].id, clock.now())
    from engine.errors import NotFound
    with pytest.raises(NotFound), transaction(sessions) as s:
        notifications.mark_read(s, user_ids["cn_leader"], mine[0].id, clock.now())
    with sessions() as s:
        assert notifications.unread_count(s, uid) == 0
        assert notifications.inbox(s, uid, unread_only=True) == []
