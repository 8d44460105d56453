"""Background runs: stored, executed chunk by chunk with progress, one per plan at a time; a run whose executor
stopped (a restart) is shown as interrupted and taken over by the scheduler's job from where it stopped."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine import clock, migration
from engine.db import transaction
from engine.errors import Conflict
from engine.migration import runs
from engine.models import CaseMigration, Membership, MigrationRun, User
from engine.org import SYSTEM
from tests.engine.helpers import get_case
from tests.engine.migration.test_migration import at_approval, deploy_edited, longer_approval, plan

FAST = runs.RunSettings(chunk=2, stale=60)


def start(sessions, plan_id, case_ids, who=SYSTEM) -> int:
    with transaction(sessions) as session:
        return runs.start(session, who, session.get(migration.plan.MigrationPlan, plan_id), case_ids).id


def load(sessions, run_id) -> MigrationRun:
    with sessions() as session:
        return session.get(MigrationRun, run_id)


def test_a_run_moves_its_cases_in_chunks_and_names_itself_on_each_move(sessions, actor, deployed):
    cases = [at_approval(sessions, actor) for _ in range(3)]
    deploy_edited(sessions, longer_approval)
    plan_id = plan(sessions)
    run_id = start(sessions, plan_id, cases + [999999], actor("designer"))
    with transaction(sessions) as session, pytest.raises(Conflict, match="still going"):
        runs.start(session, SYSTEM, session.get(migration.plan.MigrationPlan, plan_id), None)
    queued = load(sessions, run_id)
    assert (queued.state, queued.total, queued.position, queued.created_by_name) == ("queued", 4, 0, "designer")
    assert runs.execute(sessions, run_id, settings=FAST) == runs.DONE
    done = load(sessions, run_id)
    assert (done.state, done.position, done.moved, done.refused, done.failed) == ("done", 4, 3, 1, 0)
    assert done.started_at and done.finished_at and done.lease is None
    assert done.problems[0]["case_id"] == 999999 and done.problems[0]["reasons"][0]["zh"]
    with sessions() as session:
        assert [m.case_id for m, _n, _t in runs.moved_by(session, run_id)] == cases
    assert runs.execute(sessions, run_id, settings=FAST) is None        # nothing left to claim
    start(sessions, plan_id, cases)                                     # the next run may start now


def test_an_interrupted_run_is_taken_over_and_counts_what_it_had_moved(sessions, actor, deployed):
    cases = [at_approval(sessions, actor) for _ in range(3)]
    deploy_edited(sessions, longer_approval)
    plan_id = plan(sessions)
    run_id = start(sessions, plan_id, cases, actor("designer"))
    # an executor claimed it, moved the first case, then its process died before writing its progress
    assert runs._claim(sessions, run_id, "dead-executor", FAST)
    with sessions() as session:
        started = session.get(MigrationRun, run_id).started_at
    migration.run_plan(sessions, actor("designer"), plan_id, cases[:1])
    assert runs.due(sessions, FAST) == [] and runs.state_of(load(sessions, run_id), FAST) == "running"
    clock.advance(timedelta(seconds=61))                                # its heartbeat goes stale
    assert runs.state_of(load(sessions, run_id), FAST) == "interrupted"
    assert runs.due(sessions, FAST) == [run_id]
    with sessions() as session:
        runs.resume(session, actor("designer"), session.get(MigrationRun, run_id))   # allowed: interrupted
    runs.RunJob(sessions)()                                             # the scheduler's job takes it over
    done = load(sessions, run_id)
    assert (done.state, done.moved, done.refused, done.resumed) == ("done", 3, 0, 1), done.problems
    assert done.started_at == started
    with sessions() as session:
        assert sorted(session.scalars(select(CaseMigration.case_id).where(CaseMigration.run_id == run_id))) == cases
    # the dead executor comes back: its lease is gone, it writes nothing
    assert not runs._progress(sessions, run_id, "dead-executor", 3, {}, [])
    with sessions() as session:
        target = session.get(migration.plan.MigrationPlan, plan_id).to_version_id
    assert {get_case(sessions, c).process_version_id for c in cases} == {target}


def test_a_run_whose_starter_lost_the_role_stops_with_the_reason(sessions, actor, deployed, org_restore):
    case_id = at_approval(sessions, actor)
    deploy_edited(sessions, longer_approval)
    run_id = start(sessions, plan(sessions), [case_id], actor("designer"))
    with transaction(sessions) as session:
        uid = session.scalar(select(User.id).where(User.username == "designer"))
        session.execute(update(Membership).where(Membership.user_id == uid).values(role="officer"))
    assert runs.execute(sessions, run_id, settings=FAST) == runs.STOPPED
    stopped = load(sessions, run_id)
    assert stopped.state == "failed" and "流程设计人员" in stopped.error["zh"] and stopped.error["en"]
    assert stopped.moved == 0
