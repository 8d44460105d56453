"""Reverting a move after the scheduler alone wrote to the case (a colour change, automatic reminders): allowed,
the clocks put back on the source version's deadline and their colour recomputed and recorded. After an officer
acted: refused, naming the step, who and when."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine import clock, migration, tasks
from engine.db import transaction
from engine.deadlines import colours, sweeps
from engine.errors import Conflict
from engine.models import CaseEvent
from engine.org import SYSTEM
from tests.engine.helpers import get_case, only_task
from tests.engine.migration.test_migration import (approval_clock, at_approval, deploy_edited, longer_approval, plan,
                                                   run, verdict_of)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at_local(day, hour=10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI).astimezone(timezone.utc)


def moved_case(sessions, actor):
    clock.freeze(at_local(datetime(2026, 3, 2).date()))
    case_id = at_approval(sessions, actor)
    old = approval_clock(sessions, case_id)
    deploy_edited(sessions, longer_approval)         # 立案审批 15 → 20 working days
    outcome = run(sessions, plan(sessions))[case_id]
    assert outcome.outcome == migration.MIGRATED
    return case_id, old, outcome


def events_after(sessions, case_id, seq) -> list[CaseEvent]:
    with sessions() as session:
        return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.seq > seq)
                                    .order_by(CaseEvent.seq)))


def version_before(sessions, case_id) -> int:
    with sessions() as session:
        return session.scalar(select(CaseEvent.process_version_id).where(CaseEvent.case_id == case_id,
                                                                         CaseEvent.seq == 1))


def revert(sessions, who, migration_id):
    with transaction(sessions) as session:
        return migration.revert_case(session, who, migration_id)


def test_revert_after_a_colour_sweep_puts_the_source_clock_back_and_records_its_colour(sessions, actor, deployed):
    case_id, old, outcome = moved_case(sessions, actor)
    moved = approval_clock(sessions, case_id)
    assert moved.due_on > old.due_on and moved.colour == colours.GREEN
    clock.freeze(at_local(moved.yellow_on))          # yellow on the new deadline, overdue on the old one
    assert sweeps.advance_colours(sessions).done == 1
    assert approval_clock(sessions, case_id).colour == colours.YELLOW
    swept = [e for e in events_after(sessions, case_id, 0) if e.type == "clock_colour_changed"]
    assert swept and swept[-1].data["to"] == colours.YELLOW

    back = revert(sessions, actor("designer"), outcome.migration_id)
    clk = approval_clock(sessions, case_id)
    assert (clk.limit_days, clk.unit, clk.due_on) == (15, "wd", old.due_on)
    assert clk.colour == colours.RED == colours.colour_on(clk, moved.yellow_on)   # what version 1 gives today
    assert clk.next_escalation_on is not None                                  # the red chain starts from here
    after = events_after(sessions, case_id, swept[-1].seq)
    assert [e.type for e in after] == ["case_migration_reverted", "clock_corrected", "clock_colour_changed"]
    assert after[0].data["kept_events"] == [swept[-1].seq]
    assert after[1].data["source"] == "revert" and after[1].data["after"]["limit"] == "15wd"
    assert (after[2].data["from"], after[2].data["to"]) == (colours.YELLOW, colours.RED)
    assert {c["what"] for c in back.changes} == {"deadline", "colour"}
    assert get_case(sessions, case_id).process_version_id == version_before(sessions, case_id)
    assert verdict_of(sessions, case_id).intact


def test_revert_after_automatic_reminders_keeps_them(sessions, actor, deployed):
    case_id, old, outcome = moved_case(sessions, actor)
    moved = approval_clock(sessions, case_id)
    day = moved.due_on + timedelta(days=1)
    clock.freeze(at_local(day))
    assert sweeps.advance_colours(sessions).done == 1                # red on the new deadline too
    for _ in range(10):                                              # until the first automatic reminder
        if sweeps.run_escalations(sessions).done:
            break
        day += timedelta(days=1)
        clock.freeze(at_local(day))
    reminded = approval_clock(sessions, case_id)
    assert reminded.escalation_level >= 1
    revert(sessions, SYSTEM, outcome.migration_id)
    clk = approval_clock(sessions, case_id)
    assert (clk.limit_days, clk.due_on, clk.colour) == (15, old.due_on, colours.RED)
    assert (clk.escalation_level, clk.next_escalation_on) == (reminded.escalation_level, reminded.next_escalation_on)
    with sessions() as session:
        after_move = session.get(migration.apply.CaseMigration, outcome.migration_id).after_seq
    kinds = [e.type for e in events_after(sessions, case_id, after_move)]
    assert kinds[-2:] == ["case_migration_reverted", "clock_corrected"]      # red stays red: no colour event
    assert "clock_escalated" in kinds and set(kinds[:-2]) == {"clock_colour_changed", "clock_escalated"}
    assert verdict_of(sessions, case_id).intact


def test_revert_is_refused_once_an_officer_acted_naming_what_happened(sessions, actor, deployed):
    case_id, old, outcome = moved_case(sessions, actor)
    clock.freeze(at_local(approval_clock(sessions, case_id).yellow_on))
    sweeps.advance_colours(sessions)                                 # the scheduler: no obstacle by itself
    with transaction(sessions) as session:
        tasks.claim(session, actor("cn_leader"), only_task(sessions, case_id).id)
    with pytest.raises(Conflict) as refused:
        revert(sessions, actor("designer"), outcome.migration_id)
    exc = refused.value
    assert "许刚" in exc.zh and "签收了「立案审批」" in exc.zh and "不能撤销迁移" in exc.zh
    assert "claimed '立案审批'" in exc.detail and "moved on" in exc.detail
    claimed = [e for e in events_after(sessions, case_id, 0) if e.type == "task_claimed"][-1]
    assert f"第 {claimed.seq} 步" in exc.zh and "2026-" in exc.zh and exc.extra["event"] == claimed.seq
    assert get_case(sessions, case_id).process_version_id != version_before(sessions, case_id)   # still moved
    assert verdict_of(sessions, case_id).intact


def test_only_the_schedulers_own_clock_events_are_let_through():
    from engine.migration.revert import system_clock_event

    def ev(kind, actor_id=None, **data):
        return CaseEvent(type=kind, actor_id=actor_id, data=data)
    assert system_clock_event(ev("clock_colour_changed", **{"from": "green", "to": "yellow"}))
    assert system_clock_event(ev("clock_escalated", step="reminder", manual=False))
    assert not system_clock_event(ev("clock_escalated", 7, step="urge", manual=True))     # a 催办单 by hand
    assert not system_clock_event(ev("clock_escalated", step="urge", manual=True))
    for kind in ("task_claimed", "task_completed", "timer_fired", "attachment_added", "clock_extended",
                 "clock_paused", "clock_corrected", "case_migrated"):
        assert not system_clock_event(ev(kind)), kind
