"""A version is a bundle: BPMN + DMN + forms + document templates, hashed, immutable; a case keeps its version's
forms for life; an identical bundle is a no-op; every deployment records who, when, note and hash."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine import bundles
from engine.db import transaction
from engine.deploy import deploy, latest
from engine.errors import InvalidProcess, ValidationFailed
from engine.models import ProcessVersion
from engine.retire import retire_procedure, retire_version
from tests.engine.helpers import complete, only_task, start
from tests.engine.validation.diagrams import process, user_task

XML = process("bundle_test", [user_task("Task_fill", "填写", formKey="fill", deadline="5wd", deadlineLabel="填写期限")])


def form(label: str, extra_required: bool = False) -> str:
    comps = [{"type": "textfield", "key": "note", "label": label}]
    if extra_required:
        comps.append({"type": "textfield", "key": "extra", "label": "补充", "validate": {"required": True}})
    return json.dumps({"id": "fill", "components": comps}, ensure_ascii=False)


def do(sessions, forms, note=None, documents=None, xml=XML, by="designer"):
    with transaction(sessions) as session:
        return deploy(session, {"b.bpmn": xml}, {}, deployed_by=by, forms=forms, documents=documents or {}, note=note)


def test_identical_bundle_is_noop_and_any_part_makes_a_new_version(sessions):
    [first] = do(sessions, {"fill": form("备注"), "unused": form("x")}, note="初版")
    [again] = do(sessions, {"fill": form("备注"), "unused": form("changed")}, note="ignored")
    assert (first.version, first.created, again.version, again.created) == (1, True, 1, False)
    assert first.content_hash == again.content_hash  # forms the procedure does not use are not in its bundle
    [by_form] = do(sessions, {"fill": form("情况说明")}, note="改字段名称")
    [by_doc] = do(sessions, {"fill": form("情况说明")}, documents={"notice.html": "<p>告知书</p>"})
    assert (by_form.version, by_doc.version) == (2, 3)
    with sessions() as session:
        rows = session.scalars(select(ProcessVersion).order_by(ProcessVersion.version)).all()
        assert [(r.version, r.deployed_by, r.note) for r in rows] == [(1, "designer", "初版"), (2, "designer", "改字段名称"),
                                                                      (3, "designer", None)]
        assert rows[0].content_hash == bundles.content_hash(rows[0].bundle)
        assert set(rows[0].bundle["forms"]) == {"fill"} and rows[2].bundle["documents"] == {"notice.html": "<p>告知书</p>"}


def test_case_keeps_its_versions_form_for_life(sessions, actor):
    officer = actor("cn_officer1")
    do(sessions, {"fill": form("备注")})
    old_case = start(sessions, officer, "bundle_test", "chengnan", {})
    do(sessions, {"fill": form("情况说明", extra_required=True)})
    new_case = start(sessions, officer, "bundle_test", "chengnan", {})
    complete(sessions, officer, only_task(sessions, old_case).id, {"note": "旧表单"})  # the old form has no 'extra'
    with pytest.raises(ValidationFailed) as err:
        complete(sessions, officer, only_task(sessions, new_case).id, {"note": "新表单"})
    assert "extra" in err.value.errors
    with sessions() as session:
        v1, v2 = session.scalars(select(ProcessVersion).order_by(ProcessVersion.version)).all()
        assert bundles.form_of(v1, "fill")["components"][0]["label"] == "备注"
        assert bundles.form_of(v2, "fill")["components"][0]["label"] == "情况说明"


def test_invalid_bundle_reports_every_problem_and_stores_nothing(sessions):
    bad = process("bundle_test", [user_task("T1", formKey="missing", deadline="later"), '<bpmn:serviceTask id="S" />'])
    with pytest.raises(InvalidProcess) as err:
        do(sessions, {}, xml=bad)
    assert {p["code"] for p in err.value.problems if p["severity"] == "error"} == {
        "missing-form", "deadline-syntax", "unsupported-element"}
    assert all(p["file"] == "b.bpmn" and p["zh"] and p["en"] for p in err.value.problems)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 0


def test_retired_version_takes_no_new_cases_running_ones_continue(sessions, actor):
    officer = actor("cn_officer1")
    do(sessions, {"fill": form("备注")})
    do(sessions, {"fill": form("情况说明")})
    running = start(sessions, officer, "bundle_test", "chengnan", {})
    with transaction(sessions) as session:
        retire_version(session, "bundle_test", 2, "designer", "字段有误")
        assert latest(session, "bundle_test").version == 1
    on_v1 = start(sessions, officer, "bundle_test", "chengnan", {})
    complete(sessions, officer, only_task(sessions, running).id, {"note": "继续办理"})
    with transaction(sessions) as session:
        retire_procedure(session, "bundle_test", "designer", "程序废止")
    with pytest.raises(ValidationFailed, match="已停用"):
        start(sessions, officer, "bundle_test", "chengnan", {})
    complete(sessions, officer, only_task(sessions, on_v1).id, {"note": "照常办结"})
    [again] = do(sessions, {"fill": form("情况说明")})  # deploying a retired bundle again reactivates it
    assert (again.version, again.created, again.reactivated) == (2, False, True)
