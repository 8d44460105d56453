"""Deploying process versions: validation errors name file and element, nothing is stored on error."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.db import transaction
from engine.deploy import deploy, latest, list_versions
from engine.errors import InvalidProcess, NotFound
from engine.models import Case, ProcessVersion
from tests.conftest import DATA
from tests.engine.helpers import complete, get_case, only_task, start

LOOP = (DATA / "loop.bpmn").read_bytes()


def count_versions(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ProcessVersion))


def do_deploy(sessions, files, dmn=None):
    with transaction(sessions) as session:
        return deploy(session, files, dmn)


def test_redeploy_unchanged_is_noop_and_change_makes_new_version(sessions):
    first = do_deploy(sessions, {"loop.bpmn": LOOP})
    again = do_deploy(sessions, {"loop.bpmn": LOOP})
    assert [(r.key, r.version, r.created) for r in first] == [("loop_test", 1, True)]
    assert [(r.key, r.version, r.created) for r in again] == [("loop_test", 1, False)]
    changed = LOOP.replace(b"count = count + 1", b"count = count + 2")
    assert [(r.version, r.created) for r in do_deploy(sessions, {"loop.bpmn": changed})] == [(2, True)]
    assert count_versions(sessions) == 2


def test_running_case_stays_on_its_version(sessions, actor):
    do_deploy(sessions, {"loop.bpmn": LOOP})
    officer = actor("cn_officer1")
    old_case = start(sessions, officer, "loop_test", "chengnan", {"done": False})
    do_deploy(sessions, {"loop.bpmn": LOOP.replace(b"count = count + 1", b"count = count + 10")})
    new_case = start(sessions, officer, "loop_test", "chengnan", {"done": False})
    complete(sessions, officer, only_task(sessions, old_case).id, {"done": True})
    complete(sessions, officer, only_task(sessions, new_case).id, {"done": True})
    assert get_case(sessions, old_case).data["count"] == 1
    assert get_case(sessions, new_case).data["count"] == 10
    with sessions() as session:
        assert session.get(Case, old_case).process_version_id != session.get(Case, new_case).process_version_id


@pytest.mark.parametrize("mutate, element, message", [
    (lambda x: x.replace(b'targetRef="Script_inc"', b'targetRef="Nowhere"'), "Task_work", "Nowhere"),
    (lambda x: x.replace(b"count = count + 1", b"import os"), "Script_inc", "'import' is not allowed"),
    (lambda x: x.replace(b"count = count + 1", b"x = ().__class__"), "Script_inc", "__class__"),
    (lambda x: x.replace(b"done == True", b"done ==="), "f_done", "syntax error"),  # the flow carries it
])
def test_invalid_bpmn_names_file_and_element_and_stores_nothing(sessions, mutate, element, message):
    with pytest.raises(InvalidProcess) as err:
        do_deploy(sessions, {"good.bpmn": (DATA / "parallel_loop.bpmn").read_bytes(), "bad.bpmn": mutate(LOOP)})
    assert err.value.file == "bad.bpmn"
    if element:
        assert err.value.element == element
    assert message in str(err.value)
    assert count_versions(sessions) == 0


def test_malformed_xml_is_rejected(sessions):
    with pytest.raises(InvalidProcess) as err:
        do_deploy(sessions, {"broken.bpmn": LOOP[:200]})
    assert err.value.file == "broken.bpmn"
    assert count_versions(sessions) == 0


def test_unknown_procedure_is_not_found_and_stores_nothing(sessions, actor):
    with pytest.raises(NotFound, match="no deployed procedure"):
        start(sessions, actor("cn_officer1"), "no_such_procedure", "chengnan", {})
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert list_versions(session) == []
        with pytest.raises(NotFound):
            latest(session, "no_such_procedure")
