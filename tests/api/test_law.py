"""Statutory rules through the HTTP API: a refusal is 422 problem+json whose detail and field message are Chinese
and name the article; nothing is stored (issue 10)."""
from __future__ import annotations

import pytest

from engine.config import ROOT
from engine.models import Case, HumanTask
from tests.processes import PERSON


@pytest.fixture
def law_client(client, monkeypatch):
    """The API over the real procedures and their real forms."""
    monkeypatch.setenv("ZHIFA_FORMS_DIR", str(ROOT / "forms"))
    return client

INTAKE = {"cause": "乱扔垃圾", "place": "城南街道人民路", "lead_found_on": "2026-03-02"}
RECORD = {"credentials_shown": True, "rights_informed": True, "facts": "当事人随意丢弃垃圾", "legal_basis": "条例",
          "penalty_kind": "fine", "fine_amount": 50}
DECISION = {"party_name": "王小明", "violation": "随意丢弃垃圾",
            "decision_basis": "条例第三十四条", "decided_fine": 3000, "payment_method": "bank",
            "payment_deadline": "2026-03-17", "remedy": "60日内申请行政复议", "agency_name": "城南街道办事处",
            "decided_on": "2026-03-02", "decided_place": "人民路", "officer_signature": "何平"}


def _complete(client, auth, case_id, data, user="cn_officer1"):
    tasks = client.get(f"/api/v1/cases/{case_id}", headers=auth(user)).json["tasks"]
    return tasks[0]["id"], client.post(f"/api/v1/tasks/{tasks[0]['id']}/complete", json={"data": data},
                                       headers=auth(user))


def test_over_the_cap_decision_is_refused_with_the_article(law_client, auth, deployed, sessions):
    client = law_client
    r = client.post("/api/v1/cases", json={"procedure": "simple_procedure", "unit": "chengnan", "data": INTAKE,
                                           "party": PERSON}, headers=auth("cn_officer1"))
    assert r.status_code == 201, r.json
    case_id = r.json["id"]
    _tid, r = _complete(client, auth, case_id, dict(RECORD, party_kind="organisation"))
    assert r.status_code == 422 and "party_kind" in r.json["errors"]  # the kind is the registered party's
    _tid, r = _complete(client, auth, case_id, dict(RECORD, credentials_shown=False))
    assert r.status_code == 422 and r.headers["Content-Type"].startswith("application/problem+json")
    assert "行政处罚法第五十二条" in r.json["detail"] and "第五十二条" in r.json["errors"]["credentials_shown"][0]
    _tid, r = _complete(client, auth, case_id, RECORD)
    assert r.status_code == 200, r.json
    with sessions() as s:
        version = s.get(Case, case_id).version
    tid, r = _complete(client, auth, case_id, DECISION)  # 3000 元 against a person
    assert r.status_code == 422 and r.json["status"] == 422
    assert "行政处罚法第五十一条" in r.json["detail"]
    assert "行政处罚法第五十一条" in r.json["errors"]["decided_fine"][0]
    with sessions() as s:  # nothing stored
        assert s.get(Case, case_id).version == version and s.get(HumanTask, tid).state == "ready"
    _tid, r = _complete(client, auth, case_id, dict(DECISION, decided_fine=200))
    assert r.status_code == 200, r.json


def test_a_clock_in_a_year_not_marked_complete_is_flagged_estimated_and_the_page_says_so(law_client, auth,
                                                                                        deployed, sessions):
    from datetime import datetime, timezone

    from engine import clock
    from engine.db import transaction
    from engine.deadlines.calendar import mark_year
    from api.web.guard import CSRF_KEY
    client = law_client
    clock.freeze(datetime(2026, 12, 21, 2, 0, tzinfo=timezone.utc))
    intake = {"source": "patrol", "cause": "占道经营", "facts": "巡查发现", "lead_found_on": "2026-12-18",
              "place": "人民路"}
    r = client.post("/api/v1/cases", json={"procedure": "ordinary_procedure", "unit": "chengnan", "data": intake,
                                           "party": PERSON}, headers=auth("cn_officer1"))
    assert r.status_code == 201, r.json
    case_id, task_id = r.json["id"], r.json["tasks"][0]["id"]
    [filing] = [c for c in client.get(f"/api/v1/cases/{case_id}/clocks", headers=auth("cn_officer1")).json
                if c["kind"] == "task"]
    # Fri Dec 18 + 15 working days reaches into 2027, which chinesecalendar 1.11 does not know; Jan 1 is off
    assert filing["estimated"] is True and filing["due_on"] == "2027-01-11"
    with client.session_transaction() as sess:
        sess[CSRF_KEY] = "t"
    assert client.post("/login", data={"username": "cn_officer1", "password": "zhifa-demo", "csrf_token": "t"}
                       ).status_code == 302
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "该年度工作日历尚未经管理员确认" in page
    with transaction(sessions) as s:
        mark_year(s, 2027, True, "国办发明电")
        from engine.deadlines.clocks import recompute_running
        recompute_running(s)
    [filing] = [c for c in client.get(f"/api/v1/cases/{case_id}/clocks", headers=auth("cn_officer1")).json
                if c["kind"] == "task"]
    assert filing["estimated"] is False
    assert "该年度工作日历尚未经管理员确认" not in client.get(f"/tasks/{task_id}").get_data(as_text=True)
