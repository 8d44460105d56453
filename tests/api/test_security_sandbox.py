"""The sandbox over HTTP: an escaping script is refused at deployment (422, nothing deployed); one that is
only caught at run time, or that runs away, makes starting a case a 422 with nothing stored."""
from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select

from engine.models import Case, ProcessVersion

TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:process id="hostile" name="hostile" isExecutable="true">
    <bpmn:laneSet id="LS"><bpmn:lane id="L" name="officer"><bpmn:flowNodeRef>Task_work</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="S" /><bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Script_x" />
    <bpmn:scriptTask id="Script_x" name="x"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Script_x" targetRef="Task_work" />
    <bpmn:userTask id="Task_work" name="Work" />
    <bpmn:sequenceFlow id="f3" sourceRef="Task_work" targetRef="E" /><bpmn:endEvent id="E" />
  </bpmn:process>
</bpmn:definitions>"""

ISSUE_CHAIN = ('match "":\n    case str(format=fmt):\n        pass\n'
               'x = fmt("{0.__class__.__base__.__subclasses__}", "")')


def _count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def _deploy(client, auth, script: str):
    body = TEMPLATE.format(script=escape(script)).encode()
    return client.post("/api/v1/processes/deployments?name=hostile.bpmn", data=body, headers=auth("designer"),
                       content_type="application/xml")


@pytest.mark.parametrize("script", [ISSUE_CHAIN, "x = ().__class__.__bases__", "import os",
                                    "while True:\n    pass", "x = 'x' * 10**12", "x = f'{y:>999999999}'"])
def test_escapes_are_refused_at_deployment(client, auth, sessions, script):
    r = _deploy(client, auth, script)
    assert r.status_code == 422 and r.mimetype == "application/problem+json", r.json
    assert r.json["element"] == "Script_x" and r.json["file"] == "hostile.bpmn"
    assert _count(sessions, ProcessVersion) == 0


@pytest.mark.parametrize("script,words", [
    ('x = "{0.__class__}".format(1)', "format"),
    ("n = 0\nwhile n >= 0:\n    n += 1", "步数"),
    ("keep = []\nfor i in range(1000):\n    keep.append('x' * 900000)", "内存"),
])
def test_run_time_refusals_make_starting_a_case_422(client, auth, sessions, script, words):
    assert _deploy(client, auth, script).status_code == 201
    r = client.post("/api/v1/cases", json={"procedure": "hostile", "unit": "chengnan", "data": {}},
                    headers=auth("cn_officer1"))
    assert r.status_code == 422 and r.mimetype == "application/problem+json", r.json
    assert words in r.json["detail"]
    assert _count(sessions, Case) == 0
