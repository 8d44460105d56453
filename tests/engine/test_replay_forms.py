"""Replay re-validates each recorded submission against the form of the bundle version in force at that step —
never against forms/ on disk — and reports a mismatch in words (step, task, form, field label)."""
from __future__ import annotations

import json

from sqlalchemy import select

from engine.db import transaction
from engine.deploy import deploy
from engine.events import GENESIS, event_hash
from engine.integrity import verify_case
from engine.models import Case, CaseEvent, ProcessVersion
from engine.replay import replay
from engine.statuses import EventType
from tests.engine.helpers import complete, only_task, start
from tests.engine.validation.diagrams import process, user_task

XML = process("replay_form", [user_task("Task_fill", "填写情况", formKey="fill"),
                              user_task("Task_check", "复核", formKey="check")])


def form(key: str, *components) -> str:
    return json.dumps({"id": key, "components": list(components)}, ensure_ascii=False)


NOTE = {"type": "textfield", "key": "note", "label": "情况说明", "validate": {"required": True}}
AMOUNT = {"type": "number", "key": "amount", "label": "罚款金额（元）"}
OK = {"type": "checkbox", "key": "ok", "label": "复核通过"}


def deploy_version(sessions, fill: str, check: str = form("check", OK)):
    with transaction(sessions) as session:
        [result] = deploy(session, {"r.bpmn": XML}, {}, forms={"fill": fill, "check": check}, note="test")
        return result.version


def run_case(sessions, actor) -> int:
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "replay_form", "chengnan", {})
    complete(sessions, officer, only_task(sessions, case_id).id, {"note": "店外占道", "amount": 200})
    complete(sessions, officer, only_task(sessions, case_id).id, {"ok": True})
    return case_id


def rewrite(sessions, case_id: int, spec: str, data: dict) -> int:
    """A tamperer rewrites one completion and recomputes every hash (the chain verifies again)."""
    with transaction(sessions) as session:
        evs = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))
        target = next(e for e in evs if e.type == EventType.TASK_COMPLETED and e.task_spec == spec)
        target.data = {"data": data}
        prev = GENESIS
        for e in evs:
            e.prev_hash = prev
            e.hash = event_hash(prev, e.seq, e.type, e.at, e.actor_id, e.task_id, e.task_spec, e.process_version_id,
                                e.data)
            prev = e.hash
        return target.seq


def test_forms_on_disk_do_not_matter_only_the_versions(sessions, actor, tmp_path, monkeypatch):
    deploy_version(sessions, form("fill", NOTE, AMOUNT))
    case_id = run_case(sessions, actor)
    # forms/ on disk now says something else entirely: the replay does not read it
    (tmp_path / "fill.form").write_text(form("fill", {**AMOUNT, "validate": {"required": True, "max": 1}}))
    monkeypatch.setenv("ZHIFA_FORMS_DIR", str(tmp_path))
    with sessions() as session:
        result = replay(session, session.get(Case, case_id))
    assert result.matches and result.reason is None, result.detail


def test_a_submission_that_breaks_its_form_is_reported_in_words(sessions, actor):
    deploy_version(sessions, form("fill", NOTE, AMOUNT))
    case_id = run_case(sessions, actor)
    seq = rewrite(sessions, case_id, "Task_fill", {"amount": "二百"})  # no note, amount not a number
    with sessions() as session:
        case = session.get(Case, case_id)
        result = replay(session, case)
        verdict = verify_case(session, case)
    assert result.chain_intact and not result.matches
    assert (result.reason, result.failed_seq) == ("form", seq)
    mismatch = result.form_mismatch
    assert (mismatch["form"], mismatch["task_spec"], mismatch["version"]) == ("fill", "Task_fill", 1)
    assert set(mismatch["fields"]) == {"note", "amount"}
    assert f"第 {seq} 步「填写情况」" in mismatch["zh"] and "情况说明：必填" in mismatch["zh"]
    assert "罚款金额（元）" in mismatch["zh"] and "required" in mismatch["en"]
    assert (verdict.verdict, verdict.step, verdict.reason) == ("altered", seq, "form")
    assert verdict.detail["form"]["labels"]["note"] == "情况说明"


def test_each_step_is_checked_against_the_version_in_force_at_that_step(sessions, actor):
    """Version 2 makes a field required. Steps recorded under version 1 are checked against version 1's form, even
    after the case moved to version 2 (a migration); checked against version 2 they would fail."""
    deploy_version(sessions, form("fill", NOTE, AMOUNT))
    case_id = run_case(sessions, actor)
    deploy_version(sessions, form("fill", NOTE, AMOUNT), form("check", OK, {**NOTE, "key": "reason"}))
    with transaction(sessions) as session:
        v2 = session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == "replay_form",
                                                            ProcessVersion.version == 2))
        session.get(Case, case_id).process_version_id = v2   # moved on; its events still name version 1
    with sessions() as session:
        result = replay(session, session.get(Case, case_id))
    assert result.matches, result.detail
    # the same log with its last step recorded under version 2 does not fit version 2's form
    with transaction(sessions) as session:
        last = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.task_spec == "Task_check",
                                                      CaseEvent.type == EventType.TASK_COMPLETED))
        last.process_version_id = v2
    with sessions() as session:
        result = replay(session, session.get(Case, case_id))
    assert result.reason == "form" and result.form_mismatch["version"] == 2
    assert set(result.form_mismatch["fields"]) == {"reason"}
