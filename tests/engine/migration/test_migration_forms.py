"""Keep-mode moves (open tasks keep their form): replay checks a kept task's submission against the form of the
version it was kept on — the pin follows from the move's own hash-chained event, online and offline alike."""
from __future__ import annotations

from sqlalchemy import select, update

from engine import integrity, migration
from engine.db import transaction
from engine.models import Case, CaseEvent, HumanTask, ProcessVersion
from engine.org import SYSTEM
from engine.replay import replay
from engine.statuses import EventType
from tests.engine.helpers import complete, only_task, start
from tests.engine.test_replay_forms import AMOUNT, NOTE, OK, deploy_version, form, rewrite

PLACE = {"type": "textfield", "key": "place", "label": "检查地点", "validate": {"required": True}}


def keep_mode_move(sessions, actor, follow=False):
    """A case waiting at 填写情况 (form v1: note, amount) moves to v2, whose form also requires 检查地点."""
    deploy_version(sessions, form("fill", NOTE, AMOUNT))
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "replay_form", "chengnan", {})
    deploy_version(sessions, form("fill", NOTE, AMOUNT, PLACE))
    with transaction(sessions) as session:
        plan = migration.create_plan(session, SYSTEM, "replay_form", 1, 2, {}, follow, "表单更正", by_name="designer")
        plan_id = plan.id
    [outcome] = migration.run_plan(sessions, SYSTEM, plan_id, [case_id])
    assert outcome.outcome == migration.MIGRATED, outcome.reasons
    return case_id, officer


def version_id(sessions, number) -> int:
    with sessions() as session:
        return session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == "replay_form",
                                                              ProcessVersion.version == number))


def check(sessions, case_id):
    with sessions() as session:
        case = session.get(Case, case_id)
        return replay(session, case), integrity.verify_case(session, case)


def test_a_task_kept_on_its_old_form_replays_against_that_form(sessions, actor):
    case_id, officer = keep_mode_move(sessions, actor)
    task = only_task(sessions, case_id)
    assert task.form_version_id == version_id(sessions, 1)      # the row's pin
    complete(sessions, officer, task.id, {"note": "店外占道", "amount": 200})   # valid on v1, lacks v2's 检查地点
    complete(sessions, officer, only_task(sessions, case_id).id, {"ok": True})   # created after the move: v2
    result, verdict = check(sessions, case_id)
    assert result.matches and result.reason is None, result.detail
    assert verdict.intact, verdict
    # a tampered kept submission is still judged against the kept form (version 1), in words
    seq = rewrite(sessions, case_id, "Task_fill", {"amount": "二百"})
    result, verdict = check(sessions, case_id)
    assert (result.reason, result.failed_seq) == ("form", seq)
    assert result.form_mismatch["version"] == 1 and set(result.form_mismatch["fields"]) == {"note", "amount"}
    assert (verdict.verdict, verdict.step) == (integrity.ALTERED, seq)


def test_a_task_following_the_target_is_judged_on_the_target_form(sessions, actor):
    case_id, officer = keep_mode_move(sessions, actor, follow=True)
    task = only_task(sessions, case_id)
    assert task.form_version_id is None
    complete(sessions, officer, task.id, {"note": "店外占道", "amount": 200, "place": "人民路"})
    result, _ = check(sessions, case_id)
    assert result.matches, result.detail
    # without 检查地点 the submission fits version 1's form, but the task followed version 2's: refused
    seq = rewrite(sessions, case_id, "Task_fill", {"note": "店外占道", "amount": 200})
    result, _ = check(sessions, case_id)
    assert (result.reason, result.failed_seq) == ("form", seq) and result.form_mismatch["version"] == 2


def test_a_reverted_keep_mode_move_drops_the_pin(sessions, actor):
    case_id, officer = keep_mode_move(sessions, actor)
    with sessions() as session:
        moved = session.scalar(select(migration.apply.CaseMigration).where(
            migration.apply.CaseMigration.case_id == case_id))
    with transaction(sessions) as session:
        migration.revert_case(session, SYSTEM, moved.id)
    task = only_task(sessions, case_id)
    assert task.form_version_id is None
    complete(sessions, officer, task.id, {"note": "店外占道", "amount": 200})
    complete(sessions, officer, only_task(sessions, case_id).id, {"ok": True})
    result, _ = check(sessions, case_id)
    assert result.matches, result.detail
