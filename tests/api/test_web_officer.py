"""Officer pages over HTTP (no browser): the case file speaks in words, a legal refusal lands at the field with
the step kept by the officer, supervision counts equal the API's, assign by name, notifications."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from engine.config import ROOT
from engine.models import HumanTask
from tests.processes import PERSON, CaseRun
from tests.processes.test_ordinary import NOTICE, STATEMENT, decision, filed, report, review


@pytest.fixture
def web(client, monkeypatch, deployed):
    monkeypatch.setenv("ZHIFA_FORMS_DIR", str(ROOT / "forms"))

    def login(username):
        with client.session_transaction() as s:
            s.clear()
        client.get("/login")
        with client.session_transaction() as s:
            token = s.get("web_csrf")
        r = client.post("/login", data={"username": username, "password": "zhifa-demo", "csrf_token": token})
        assert r.status_code == 302
        client.get("/inbox")  # a page issues the form token of the new session
        with client.session_transaction() as s:
            return s["web_csrf"]
    return login


def text(html: str) -> str:
    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def to_decision(sessions, actor) -> CaseRun:
    run = filed(sessions, actor)
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=2000))
    run.do("Task_CaseReview", "cn_reviewer", review())
    run.do("Task_Notice", "cn_officer1", NOTICE)
    run.do("Task_Statement", "cn_officer1", STATEMENT)
    return run


def test_case_page_in_words_and_refusal_at_the_field(client, web, sessions, actor):
    run = to_decision(sessions, actor)
    csrf = web("cn_head")
    page = text(client.get(f"/cases/{run.case_id}").get_data(as_text=True))
    assert "城南中队长 许刚 办理「立案审批」：批准立案" in page
    assert "拟罚款金额（元） 2,000 元" in page and "协办执法人员" in page and "城南执法队员 吕芳" in page
    for raw in ("fine_amount", "investigators", "Task_", "Gw_", "task_completed", "clock_started", "{\"", "None"):
        assert raw not in page, raw
    assert "办案期限" in page and "截止" in page

    task = run.task("Task_Decision")
    assert client.post(f"/tasks/{task.id}/claim", data={"csrf_token": csrf}).status_code == 302
    r = client.post(f"/tasks/{task.id}/complete", json={"data": decision(fine=5000)},
                    headers={"X-CSRF-Token": csrf, "X-Requested-With": "fetch"})
    assert r.status_code == 200
    again = run.task("Task_Decision")
    assert again.id != task.id and r.json["redirect"] == f"/tasks/{again.id}"
    assert (again.state, again.assignee_id) == ("claimed", actor("cn_head").user_id)  # the step stays theirs
    html = client.get(r.json["redirect"]).get_data(as_text=True)
    refused = json.loads(re.search(r'<script type="application/json" id="refused">(.*?)</script>', html, re.S).group(1))
    assert list(refused) == ["decided_fine"] and "不得因当事人陈述申辩加重处罚" in refused["decided_fine"][0]
    data = json.loads(re.search(r'id="form-data">(.*?)</script>', html, re.S).group(1))
    assert data["decided_fine"] == 5000  # prefilled with what was refused, to correct


def test_decision_number_is_generated_not_typed(client, web, sessions, actor, documents_on):
    run = to_decision(sessions, actor)
    web("cn_head")
    task = run.task("Task_Decision")
    html = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    form = json.loads(re.search(r'id="form-schema">(.*?)</script>', html, re.S).group(1))
    assert "decision_number" not in [c.get("key") for c in form["components"]]  # nothing to type
    assert "系统自动制发《行政处罚决定书》并编号" in form["components"][0]["text"]
    run.do("Task_Decision", "cn_head", decision(fine=2000))
    page = text(client.get(f"/cases/{run.case_id}").get_data(as_text=True))
    number = re.search(r"城南街道综执罚决字〔\d{4}〕第\d+号", page).group()
    assert f"决定书文号 {number}" in page


def test_english_case_file(client, web, sessions, actor):
    run = filed(sessions, actor)
    web("cn_officer1")
    client.get("/lang/en")
    page = text(client.get(f"/cases/{run.case_id}").get_data(as_text=True))
    assert "Case file" in page and "completed “立案审批”" in page


def test_leader_assigns_by_name_only_role_holders(client, web, sessions, actor):
    run = filed(sessions, actor)
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=2000))
    task = run.task("Task_CaseReview")
    csrf = web("cn_leader")
    page = client.get("/inbox?tab=unit").get_data(as_text=True)
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page)
    assert [name for _id, name in options] == ["城南案件审核员 张琳"]
    r = client.post(f"/tasks/{task.id}/assign", data={"csrf_token": csrf, "assignee": options[0][0],
                                                     "next": "/inbox?tab=unit"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/inbox?tab=unit")
    reviewer = actor("cn_reviewer").user_id
    with sessions() as s:
        assert s.get(HumanTask, task.id).assignee_id == reviewer
    # an officer is not offered and cannot be given a review by a crafted post
    officer = str(actor("cn_officer3").user_id)
    bad = client.post(f"/tasks/{task.id}/assign", data={"csrf_token": csrf, "assignee": officer})
    assert bad.status_code == 422


def test_supervision_counts_equal_the_api_and_urging_notifies(client, web, sessions, actor, auth):
    run = filed(sessions, actor)
    csrf = web("supervisor")
    page = client.get("/supervision").get_data(as_text=True)
    api = client.get("/api/v1/supervision/summary", headers=auth("supervisor")).json
    for row in api:
        cells = re.search(rf'data-unit="{row["unit_id"]}">(.*?)</tr>', page, re.S).group(1)
        shown = dict(re.findall(r'data-colour="(\w+)">(\d+)<', cells))
        assert shown == {c: str(row[c]) for c in ("red", "yellow", "green")}
    clock_ids = re.findall(r'data-clock="(\d+)"', page)
    if not clock_ids:
        pytest.skip("no red or yellow clock in this run")
    r = client.post(f"/supervision/clocks/{clock_ids[0]}/urge", data={"csrf_token": csrf, "reason": "请尽快办理"})
    assert r.status_code == 302
    web("cn_officer1")
    page = client.get("/notifications").get_data(as_text=True)
    assert "请尽快办理" in page
    assert run.case_id
