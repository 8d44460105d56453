"""Auditors replay a case over HTTP and see whether the log reproduces it."""
from __future__ import annotations

from sqlalchemy import select

from engine.db import transaction
from engine.models import CaseEvent
from engine.statuses import EventType


def test_auditor_replays_case_and_sees_tampering(client, auth, start, sessions):
    case = start("cn_officer1", "chengnan", procedure="loop_test", data={"done": False})
    task = case["tasks"][0]
    r = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"done": True}},
                    headers=auth("cn_officer1"))
    assert r.status_code == 200, r.json
    r = client.get(f"/api/v1/cases/{case['id']}/replay", headers=auth("auditor"))
    assert r.status_code == 200
    body = r.json
    assert body["chain_intact"] and body["matches"], body["detail"]
    assert [s["type"] for s in body["steps"]] == [EventType.CASE_STARTED, EventType.TASK_COMPLETED]
    assert body["steps"][0]["open_tasks"] == ["Task_work"] and body["steps"][-1]["data"]["count"] == 1

    with transaction(sessions) as session:
        ev = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case["id"],
                                                    CaseEvent.type == EventType.TASK_COMPLETED))
        ev.data = {"data": {"done": False}}
    body = client.get(f"/api/v1/cases/{case['id']}/replay", headers=auth("auditor")).json
    assert not body["chain_intact"] and not body["matches"]


def test_replay_outside_scope_is_404(client, auth, start):
    case = start("cn_officer1", "chengnan", procedure="loop_test", data={"done": False})
    r = client.get(f"/api/v1/cases/{case['id']}/replay", headers=auth("cb_officer1"))
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
