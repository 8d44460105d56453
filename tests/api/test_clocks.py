"""Deadline endpoints: case clocks, pause/resume/extend permissions, supervision board, calendar, inbox."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine import clock
from engine.db import transaction
from engine.deadlines import config, sweeps
from engine.deploy import deploy
from engine.models import HumanTask
from tests.engine.deadlines.conftest import local

DL_DATA = Path(__file__).parent.parent / "engine" / "deadlines" / "data"
XRW = {"X-Requested-With": "test"}


@pytest.fixture(autouse=True)
def default_deadline_settings():
    config.configure(config.DeadlineSettings())
    yield
    config.configure(None)


@pytest.fixture
def case_with_clocks(sessions, client, auth):
    """A deadline_test case filed on 2026-09-29: case clock 90d and statement clock 5wd."""
    with transaction(sessions) as s:
        deploy(s, {"deadlines.bpmn": (DL_DATA / "deadlines.bpmn").read_bytes()})
    clock.freeze(local(2026, 9, 29))
    r = client.post("/api/v1/cases", json={"procedure": "deadline_test", "unit": "chengnan", "data": {}},
                    headers=auth("cn_officer1"))
    assert r.status_code == 201, r.json
    case_id = r.json["id"]
    with sessions() as s:
        task_id = s.scalar(select(HumanTask.id).where(HumanTask.case_id == case_id))
    r = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"filed_on": "2026-09-29"}},
                    headers=auth("cn_officer1"))
    assert r.status_code == 200, r.json
    return case_id


def clocks(client, auth, case_id, who="cn_officer1") -> dict:
    r = client.get(f"/api/v1/cases/{case_id}/clocks", headers=auth(who))
    assert r.status_code == 200, r.json
    return {c["spec"]: c for c in r.json}


def test_case_clocks_listing(client, auth, case_with_clocks):
    got = clocks(client, auth, case_with_clocks)
    statement = got["Task_statement"]
    assert (statement["limit"], statement["limit_unit"], statement["due_on"]) == (5, "wd", "2026-10-12")
    assert statement["remaining_workdays"] == 5 and statement["colour"] == "green"
    assert statement["due_at"] == "2026-10-12T16:00:00+00:00"     # midnight after the due day, Beijing time
    assert got["deadline_test"]["due_on"] == "2026-12-28" and got["deadline_test"]["kind"] == "case"
    assert client.get(f"/api/v1/cases/{case_with_clocks}/clocks", headers=auth("cb_officer1")).status_code == 404
    assert client.get(f"/api/v1/cases/{case_with_clocks}/clocks").status_code == 401


def test_pause_resume_extend_permissions_and_problems(client, auth, case_with_clocks):
    cid = clocks(client, auth, case_with_clocks)["Task_statement"]["id"]
    r = client.post(f"/api/v1/clocks/{cid}/pause", json={"reason": "中止调查"}, headers=auth("cn_officer1"))
    assert r.status_code == 403 and r.headers["Content-Type"] == "application/problem+json"
    r = client.post(f"/api/v1/clocks/{cid}/pause", json={}, headers=auth("cn_leader"))
    assert r.status_code == 422 and "reason" in r.json["errors"]
    r = client.post(f"/api/v1/clocks/{cid}/pause", json={"reason": "检测"}, headers=auth("cn_leader"))
    assert r.status_code == 200 and r.json["state"] == "paused"
    assert client.post(f"/api/v1/clocks/{cid}/pause", json={"reason": "x"}, headers=auth("cn_leader")).status_code == 409
    clock.freeze(local(2026, 10, 12))
    r = client.post(f"/api/v1/clocks/{cid}/resume", headers=auth("cn_leader"))
    assert r.status_code == 200 and r.json["due_on"] == "2026-10-19" and r.json["paused_days"] == 5
    r = client.post(f"/api/v1/clocks/{cid}/extend", json={"days": 2, "reason": "批准"}, headers=auth("cn_leader"))
    assert r.status_code == 403
    r = client.post(f"/api/v1/clocks/{cid}/extend", json={"days": 0, "reason": "批准"}, headers=auth("cn_head"))
    assert r.status_code == 422
    r = client.post(f"/api/v1/clocks/{cid}/extend", json={"days": 2, "reason": "负责人批准"}, headers=auth("cn_head"))
    assert r.status_code == 200 and r.json["due_on"] == "2026-10-21" and r.json["extension_days"] == 2
    r = client.post(f"/api/v1/clocks/{cid}/extend", json={"days": 2, "reason": "x"}, headers=auth("auditor"))
    assert r.status_code == 403
    assert client.post("/api/v1/clocks/999999/resume", headers=auth("cn_leader")).status_code == 404


def test_board_summary_inbox_and_manual_supervision(sessions, client, auth, case_with_clocks):
    clock.freeze(local(2026, 10, 13, 9, 0))
    sweeps.run_all(sessions)
    r = client.get("/api/v1/supervision/clocks?colour=red", headers=auth("supervisor"))
    assert r.status_code == 200 and [c["spec"] for c in r.json] == ["Task_statement"]
    assert r.json[0]["remaining_workdays"] == -1
    assert client.get("/api/v1/supervision/clocks?colour=red", headers=auth("cb_leader")).json == []
    assert client.get("/api/v1/supervision/clocks?unit=chengbei", headers=auth("cn_leader")).status_code == 404
    summary = client.get("/api/v1/supervision/summary", headers=auth("supervisor")).json
    assert summary == [{"unit_id": "chengnan", "green": 1, "yellow": 0, "red": 1}]

    r = client.get("/api/v1/tasks/claimable?colour=red", headers=auth("cn_officer1"))
    assert [t["task_spec"] for t in r.json["items"]] == ["Task_statement"]
    assert client.get("/api/v1/tasks/claimable?colour=green", headers=auth("cn_officer1")).json["items"] == []

    inbox = client.get("/api/v1/notifications", headers=auth("cn_deputy")).json
    assert inbox["unread"] == 1 and inbox["items"][0]["kind"] == "overdue"
    assert "【超期警示】" in inbox["items"][0]["title"]
    cid = inbox["items"][0]["clock_id"]
    r = client.post(f"/api/v1/clocks/{cid}/supervise", json={"finish_by": "2026-10-16", "note": "限期办结"},
                    headers=auth("cn_leader"))
    assert r.status_code == 403
    r = client.post(f"/api/v1/clocks/{cid}/supervise", json={"finish_by": "2026-10-16", "note": "限期办结"},
                    headers=auth("supervisor"))
    assert r.status_code == 200 and r.json["step"] == "supervise" and r.json["finish_by"] == "2026-10-16"
    inbox = client.get("/api/v1/notifications?unread=true", headers=auth("cn_deputy")).json
    assert inbox["unread"] == 2 and [n["kind"] for n in inbox["items"]] == ["supervise", "overdue"]
    nid = inbox["items"][0]["id"]
    assert client.post(f"/api/v1/notifications/{nid}/read", headers=auth("cn_head")).status_code == 404
    r = client.post(f"/api/v1/notifications/{nid}/read", headers=auth("cn_deputy"))
    assert r.status_code == 200 and r.json["read_at"] is not None
    r = client.post("/api/v1/notifications/read-all", headers=auth("cn_deputy"))
    assert r.json == {"marked": 1}
    assert client.get("/api/v1/notifications", headers=auth("cn_deputy")).json["unread"] == 0


def test_calendar_override_recomputes_running_clocks(client, auth, case_with_clocks):
    r = client.put("/api/v1/calendar/2026-10-09", json={"workday": False, "note": "测试：临时休息"},
                   headers=auth("cn_head"))
    assert r.status_code == 403
    r = client.put("/api/v1/calendar/2026-10-09", json={"workday": False, "note": "测试：临时休息"},
                   headers=auth("admin"))
    assert r.status_code == 200 and r.json["recomputed_clocks"] == 2
    assert clocks(client, auth, case_with_clocks)["Task_statement"]["due_on"] == "2026-10-13"
    assert client.get("/api/v1/calendar?year=2026", headers=auth("cn_officer1")).json[0]["day"] == "2026-10-09"
    assert client.put("/api/v1/calendar/2026-13-01", json={"workday": True}, headers=auth("admin")).status_code == 422
    assert client.delete("/api/v1/calendar/2026-10-09", headers=auth("admin")).status_code == 200
    assert clocks(client, auth, case_with_clocks)["Task_statement"]["due_on"] == "2026-10-12"
    assert client.delete("/api/v1/calendar/2026-10-09", headers=auth("admin")).status_code == 404


def test_task_listings_carry_the_task_clock(client, auth, case_with_clocks):
    r = client.get("/api/v1/tasks/claimable", headers=auth("cn_officer1"))
    assert r.status_code == 200, r.json
    [row] = [t for t in r.json["items"] if t["case_id"] == case_with_clocks]
    assert row["task_spec"] == "Task_statement"
    assert (row["clock"]["due_on"], row["clock"]["colour"], row["clock"]["limit"]) == ("2026-10-12", "green", 5)


def test_a_year_counts_as_configured_only_once_an_administrator_marks_it_complete(client, auth, sessions):
    from engine.models import CalendarYear
    years = {y["year"]: y for y in client.get("/api/v1/calendar/years", headers=auth("cn_officer1")).json}
    assert years[2026]["complete"] is True and years[2026]["source"] == "package"
    assert 2027 not in years
    assert client.put("/api/v1/calendar/2027-02-10", json={"workday": False, "note": "春节"},
                      headers=auth("admin")).status_code == 200
    years = {y["year"]: y for y in client.get("/api/v1/calendar/years", headers=auth("admin")).json}
    assert years[2027] == dict(years[2027], complete=False, overrides=1, source="administrator")
    r = client.put("/api/v1/calendar/years/2027", json={"complete": True, "note": "国办发明电"},
                   headers=auth("cn_head"))
    assert r.status_code == 403
    r = client.put("/api/v1/calendar/years/2027", json={"complete": "maybe"}, headers=auth("admin"))
    assert r.status_code == 422
    r = client.put("/api/v1/calendar/years/2027", json={"complete": True, "note": "国办发明电"},
                   headers=auth("admin"))
    assert r.status_code == 200 and r.json["complete"] is True
    with sessions() as s:
        assert s.get(CalendarYear, 2027).complete is True
    years = {y["year"]: y for y in client.get("/api/v1/calendar/years", headers=auth("admin")).json}
    assert years[2027]["complete"] is True and years[2027]["note"] == "国办发明电"


def test_fixed_date_holidays_cannot_be_made_working_days(client, auth):
    r = client.put("/api/v1/calendar/2027-10-02", json={"workday": True, "note": "误操作"}, headers=auth("admin"))
    assert r.status_code == 422 and r.headers["Content-Type"].startswith("application/problem+json")
    assert "全国年节及纪念日放假办法第二条" in r.json["detail"]
    assert "全国年节及纪念日放假办法第二条" in r.json["errors"]["workday"][0]
    assert client.get("/api/v1/calendar?year=2027", headers=auth("admin")).json == []
