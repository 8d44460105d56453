"""Input bounds and small leaks from issue 9: dates in range, integers strict, assign checks the task first,
a deployment without a process is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import clock
from engine.forms import validate_submission
from engine.errors import ValidationFailed
from engine.models import CalendarDay, ProcessVersion
from tests.api.test_clocks import case_with_clocks  # noqa: F401  (fixture)
from tests.api.test_tasks import task_of

OUT_OF_RANGE = ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31", "2026-W01-1", "2026-001", "20260101"]


@pytest.fixture(autouse=True)
def _reset_clock():
    yield
    clock.reset()


def _calendar_days(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(CalendarDay))


@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_calendar_overrides_refuse_implausible_days(client, auth, sessions, day):
    r = client.put(f"/api/v1/calendar/{day}", json={"workday": False, "note": "x"}, headers=auth("admin"))
    assert r.status_code == 422 and r.mimetype == "application/problem+json", (day, r.json)
    assert _calendar_days(sessions) == 0


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-W01-1"])
def test_finish_by_is_bounded(client, auth, case_with_clocks, day):  # noqa: F811
    cid = client.get(f"/api/v1/cases/{case_with_clocks}/clocks", headers=auth("supervisor")).json[0]["id"]
    r = client.post(f"/api/v1/clocks/{cid}/supervise", json={"finish_by": day, "note": "限期办结"},
                    headers=auth("supervisor"))
    assert r.status_code == 422 and "finish_by" in r.json["errors"], r.json


@pytest.mark.parametrize("days", [1.5, "2", True])
def test_extend_days_must_be_a_whole_number(client, auth, case_with_clocks, days):  # noqa: F811
    cid = client.get(f"/api/v1/cases/{case_with_clocks}/clocks", headers=auth("cn_head")).json[0]["id"]
    r = client.post(f"/api/v1/clocks/{cid}/extend", json={"days": days, "reason": "负责人批准"},
                    headers=auth("cn_head"))
    assert r.status_code == 422 and "days" in r.json["errors"], r.json
    assert client.get(f"/api/v1/clocks/{cid}", headers=auth("cn_head")).json["extension_days"] == 0


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-01", "9999-12-31"])
def test_form_dates_are_bounded(day):
    with pytest.raises(ValidationFailed) as caught:
        validate_submission("case_intake", {"lead_found_on": day})
    assert any("2000-01-01" in m for m in caught.value.errors["lead_found_on"])


def test_assign_checks_the_task_before_the_user(client, auth, start):
    leader = auth("cn_leader")
    for user in ("no_such_user", "cn_officer2"):  # unknown task: 404 whatever the user
        r = client.post("/api/v1/tasks/no-such-task/assign", json={"user": user}, headers=leader)
        assert r.status_code == 404, user
    case = start("cn_officer1", "chengnan")
    task_id = task_of(case)["id"]
    for user in ("no_such_user", "cn_officer2"):  # not a leader there: 403 whatever the user
        r = client.post(f"/api/v1/tasks/{task_id}/assign", json={"user": user}, headers=auth("cn_officer3"))
        assert r.status_code == 403, user
    r = client.post(f"/api/v1/tasks/{task_id}/assign", json={"user": "no_such_user"}, headers=leader)
    assert r.status_code == 422 and "user" in r.json["errors"]


@pytest.mark.parametrize("body", [b"<a/>", b'<?xml version="1.0"?><definitions xmlns="x"/>'])
def test_a_file_without_a_process_is_refused(client, auth, sessions, body):
    r = client.post("/api/v1/processes/deployments?name=x.bpmn", data=body, headers=auth("designer"),
                    content_type="application/xml")
    assert r.status_code == 422 and r.json["file"] == "x.bpmn"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 0
