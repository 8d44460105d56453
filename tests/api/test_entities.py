"""Entities, plans, performance and 复议/诉讼 over HTTP: success and failure paths, scope, read-only auditors."""
from __future__ import annotations

from datetime import datetime, timezone
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from engine import clock
from engine.config import ROOT
from engine.db import transaction
from engine.models import Case, EntityProfile, Party
from tests.engine.entities.helpers import seed_entities, uscc
from tests.engine.performance.dataset import seed as seed_dataset

ORG = {"kind": "organisation", "name": "城南示范餐饮店", "id_number": uscc(7), "address": "城南街道人民路8号"}
PLAN = {"unit": "chengnan", "title": "2026年6月双随机抽查", "period_from": "2026-06-01", "period_to": "2026-06-30",
        "items": [{"agency": "agency_market", "items": "食品经营许可"}, {"agency": "agency_fire", "items": "消防通道"}],
        "sample_size": 3}


@pytest.fixture
def real_forms(monkeypatch):
    monkeypatch.setenv("ZHIFA_FORMS_DIR", str(ROOT / "forms"))  # plans start joint inspections (form ji_plan)
    clock.freeze(datetime(2026, 5, 20, 2, tzinfo=timezone.utc))


def register(client, auth, party=ORG, **profile):
    return client.post("/api/v1/entities", json={"party": party, "profile": dict(
        {"township_id": "chengnan", "industry": "餐饮服务", "risk_level": "high",
         "licences": [{"kind": "食品经营许可证", "number": "JY13301020000001", "valid_until": "2028-05-01"}]},
        **profile)}, headers=auth("cn_officer1"))


def count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_register_list_record_update_and_scope(client, auth, sessions, deployed, real_forms):
    r = register(client, auth)
    assert r.status_code == 201, r.json
    entity = r.json
    assert (entity["colour"], entity["colour_reason"]) == ("green", "24个月内无行政处罚且信用良好")
    assert entity["licences"][0]["valid_until"] == "2028-05-01" and entity["next_inspection_on"] == "2026-05-20"
    again = register(client, auth, industry="小餐饮")  # same USCC: the same entity, updated
    assert again.status_code == 201 and again.json["id"] == entity["id"] and again.json["industry"] == "小餐饮"
    assert count(sessions, Party) == 1

    bad = register(client, auth, party=dict(ORG, id_number="91330102MA2H4K7L3X"))
    assert bad.status_code == 422 and "party.id_number" in bad.json["errors"]
    bad = register(client, auth, township_id="agency_market", risk_level="extreme")
    assert bad.status_code == 422 and set(bad.json["errors"]) >= {"profile.risk_level"}
    assert count(sessions, Party) == 1

    listing = client.get("/api/v1/entities?colour=green", headers=auth("cn_leader")).json
    assert listing["total"] == 1 and listing["counts"] == {"green": 1, "yellow": 0, "red": 0}
    assert client.get("/api/v1/entities?colour=red", headers=auth("cn_leader")).json["total"] == 0
    assert client.get("/api/v1/entities?colour=purple", headers=auth("cn_leader")).status_code == 422
    assert client.get("/api/v1/entities", headers=auth("cb_officer1")).json["total"] == 0
    assert client.get(f"/api/v1/entities/{entity['id']}", headers=auth("cb_officer1")).status_code == 404
    assert client.get(f"/api/v1/entities/{entity['id']}", headers=auth("supervisor")).status_code == 200

    r = client.patch(f"/api/v1/entities/{entity['id']}", json={"major_hazard": True}, headers=auth("cn_officer1"))
    assert r.status_code == 200 and (r.json["colour"], r.json["colour_reason"]) == ("red", "存在重大安全隐患")
    assert r.json["next_inspection_on"] == "2026-05-20"  # never inspected: due now
    assert client.patch(f"/api/v1/entities/{entity['id']}", json={"credit": "bad"},
                        headers=auth("cn_officer1")).status_code == 422
    assert client.patch(f"/api/v1/entities/{entity['id']}", json={"credit": "poor"},
                        headers=auth("auditor")).status_code == 403
    rec = client.get(f"/api/v1/entities/{entity['id']}", headers=auth("cn_leader")).json
    assert [(c["colour"], c["trigger"]) for c in rec["colours"]] == [("red", "profile"), ("green", "profile")]
    assert rec["inspections"] == [] and rec["cases"] == [] and rec["complaints"] == []


def test_merge_moves_cases_and_keeps_the_duplicate(client, auth, sessions, deployed, real_forms):
    keep = register(client, auth).json
    dup = register(client, auth, party=dict(ORG, name="城南示范餐饮店（旧名）", id_number=uscc(8))).json
    started = client.post("/api/v1/cases", headers=auth("cn_officer1"), json={
        "procedure": "joint_inspection", "unit": "chengnan", "party": dict(ORG, id_number=uscc(8)),
        "data": {"entity_name": "旧名", "visit_date": "2026-05-21",
                 "partners": [{"agency": "agency_market", "items": "许可"}]}})
    assert started.status_code == 201, started.json
    r = client.post(f"/api/v1/entities/{dup['id']}/merge", json={"target_id": keep["id"], "reason": ""},
                    headers=auth("cn_leader"))
    assert r.status_code == 422
    assert client.post(f"/api/v1/entities/{dup['id']}/merge", json={"target_id": keep["id"], "reason": "同一主体"},
                       headers=auth("cn_officer1")).status_code == 403
    r = client.post(f"/api/v1/entities/{dup['id']}/merge", json={"target_id": keep["id"], "reason": "同一主体，旧证照"},
                    headers=auth("cn_leader"))
    assert r.status_code == 200 and r.json["moved_cases"] == [started.json["id"]]
    rec = client.get(f"/api/v1/entities/{keep['id']}", headers=auth("cn_leader")).json
    assert [i["case"]["id"] for i in rec["inspections"]] == [started.json["id"]]
    assert rec["colours"][0]["trigger"] == "merge"
    with sessions() as s:
        assert s.get(EntityProfile, dup["id"]).merged_into_id == keep["id"]
    assert client.get("/api/v1/entities", headers=auth("cn_leader")).json["total"] == 1
    assert client.post(f"/api/v1/entities/{dup['id']}/merge", json={"target_id": keep["id"], "reason": "again"},
                       headers=auth("cn_leader")).status_code == 409


def test_plan_lifecycle_over_http(client, auth, sessions, deployed, real_forms):
    with transaction(sessions) as s:
        seed_entities(s, 12, township_of=lambda i: "chengnan")
    bad = client.post("/api/v1/plans", json=dict(PLAN, period_to="2026-05-01", sample_size=0),
                      headers=auth("cn_leader"))
    assert bad.status_code == 422 and {"sample_size"} <= set(bad.json["errors"])
    bad = client.post("/api/v1/plans", json=dict(PLAN, items=[{"agency": "chengbei", "items": "x"}]),
                      headers=auth("cn_leader"))
    assert bad.status_code == 422 and "items.0.agency" in bad.json["errors"]
    assert client.post("/api/v1/plans", json=dict(PLAN, unit="chengbei"), headers=auth("cn_leader")).status_code == 404
    r = client.post("/api/v1/plans", json=PLAN, headers=auth("cn_leader"))
    assert r.status_code == 201 and r.json["state"] == "draft"
    plan_id = r.json["id"]
    r = client.post(f"/api/v1/plans/{plan_id}/draw", json={"seed": "公开抽签-001"}, headers=auth("cn_leader"))
    assert r.status_code == 200 and r.json["seed"] == "公开抽签-001" and len(r.json["entries"]) == 3
    assert client.post(f"/api/v1/plans/{plan_id}/draw", json={}, headers=auth("cn_leader")).status_code == 409
    assert client.post(f"/api/v1/plans/{plan_id}/approve", headers=auth("cn_officer1")).status_code == 403
    assert client.post(f"/api/v1/plans/{plan_id}/approve", headers=auth("auditor")).status_code == 403
    assert client.get(f"/api/v1/plans/{plan_id}", headers=auth("cb_leader")).status_code == 404
    assert client.get(f"/api/v1/plans/{plan_id}", headers=auth("market_inspector1")).status_code == 200
    before = count(sessions, Case)
    r = client.post(f"/api/v1/plans/{plan_id}/approve", headers=auth("cn_head"))
    assert r.status_code == 200 and r.json["state"] == "approved" and r.json["published_at"]
    assert all(e["case_id"] for e in r.json["entries"]) and count(sessions, Case) == before + 3
    assert [p["id"] for p in client.get("/api/v1/plans", headers=auth("cn_officer2")).json] == [plan_id]
    public = client.get(f"/public/plans/{plan_id}")  # 一公开: no sign-in, the seed and what was drawn
    assert public.status_code == 200 and "公开抽签-001" in public.text and public.text.count("检查中") == 3
    assert "market_inspector" not in public.text and f"/public/plans/{plan_id}" in client.get("/public/plans").text
    draft = client.post("/api/v1/plans", json=PLAN, headers=auth("cn_leader")).json["id"]
    assert client.get(f"/public/plans/{draft}").status_code == 404  # not published: not there


def test_performance_figures_heatmap_and_export(client, auth, sessions, deployed):
    clock.freeze(datetime(2026, 7, 10, 2, tzinfo=timezone.utc))
    with transaction(sessions) as s:
        seed_dataset(s)
    q = "from=2026-01-01&to=2026-06-30"
    r = client.get(f"/api/v1/performance?{q}&unit=chengnan", headers=auth("supervisor"))
    assert r.status_code == 200, r.json
    cn = r.json["units"][0]
    assert (cn["clocks"]["red"], cn["clocks"]["overdue_days"], cn["reviews"]["reversal_rate"]) == (2, 160, 0.5)
    everyone = client.get(f"/api/v1/performance?{q}", headers=auth("supervisor")).json["units"]
    assert {"chengnan", "chengbei", "agency_market", "bureau_squad1"} <= {u["unit"] for u in everyone}
    assert [u["unit"] for u in client.get(f"/api/v1/performance?{q}", headers=auth("cn_leader")).json["units"]] == [
        "chengnan"]
    assert client.get(f"/api/v1/performance?{q}&unit=chengbei", headers=auth("cn_leader")).status_code == 404
    assert client.get("/api/v1/performance?from=2026-06-30&to=2026-01-01",
                      headers=auth("supervisor")).status_code == 422
    assert client.get("/api/v1/performance?from=2026-13-01&to=2026-01-01",
                      headers=auth("supervisor")).status_code == 422
    heat = client.get(f"/api/v1/performance/heatmap?{q}&unit=chengnan&process=ordinary_procedure",
                      headers=auth("supervisor")).json
    assert {e["element"]: e["tasks"] for e in heat["elements"]}["Task_FilingProposal"] == 3
    x = client.get(f"/api/v1/performance/export.xlsx?{q}&unit=chengnan&unit=chengbei", headers=auth("supervisor"))
    assert x.status_code == 200 and x.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(BytesIO(x.data))
    assert wb.sheetnames == ["履职评估", "期限（按类别）", "办结案件（按程序和结果）", "环节用时"]
    rows = list(wb["履职评估"].iter_rows(values_only=True))
    assert rows[1][0] == "城南街道综合行政执法队" and rows[1][2] == "66.7%" and rows[1][3] == 2 and rows[1][4] == 160


def test_reviews_are_recorded_on_closed_cases_only(client, auth, sessions, deployed):
    clock.freeze(datetime(2026, 7, 10, 2, tzinfo=timezone.utc))
    with transaction(sessions) as s:
        ids = seed_dataset(s)
        running = s.scalar(select(Case.id).where(Case.state == "running"))
    body = {"kind": "litigation", "result": "modified", "decided_on": "2026-07-01", "note": "变更罚款数额"}
    r = client.post(f"/api/v1/cases/{ids['c1']}/reviews", json=body, headers=auth("cn_head"))
    assert r.status_code == 201 and r.json["result"] == "modified"
    assert client.post(f"/api/v1/cases/{running}/reviews", json=body, headers=auth("cn_head")).status_code == 409
    assert client.post(f"/api/v1/cases/{ids['c1']}/reviews", json=dict(body, result="won"),
                       headers=auth("cn_head")).status_code == 422
    assert client.post(f"/api/v1/cases/{ids['c1']}/reviews", json=dict(body, decided_on="2026-01-01"),
                       headers=auth("cn_head")).status_code == 422
    assert client.post(f"/api/v1/cases/{ids['c1']}/reviews", json=body, headers=auth("cn_officer1")).status_code == 403
    assert client.post(f"/api/v1/cases/{ids['c1']}/reviews", json=body, headers=auth("jk_leader")).status_code == 404


def test_an_officer_says_which_same_named_entity_a_complaint_is_about(client, auth, sessions, deployed, real_forms):
    from engine.intake import demo, leads
    with transaction(sessions) as s:
        demo.seed(s)
    first = register(client, auth, party=dict(ORG, id_number=uscc(31))).json["id"]
    second = register(client, auth, party=dict(ORG, id_number=uscc(32), name="城南示范餐饮店 ")).json["id"]
    with transaction(sessions) as s:
        lead_id = leads.create(s, "hotline_12345", {"text": "油烟扰民", "place": "城南路12号",
                                                    "party": {"name": "城南示范餐饮店"}}).id
    rec = client.get(f"/api/v1/entities/{first}", headers=auth("cn_leader")).json
    assert [c["id"] for c in rec["to_confirm"]] == [lead_id] and rec["complaints"] == []
    url = f"/api/v1/entities/{second}/complaints/{lead_id}"
    assert client.post(url, json={"about": True}, headers=auth("auditor")).status_code == 403
    assert client.post(url, json={"about": "maybe"}, headers=auth("cn_leader")).status_code == 422
    assert client.post(f"/api/v1/entities/{second}/complaints/999999", json={"about": True},
                       headers=auth("cn_leader")).status_code == 404
    assert client.post(url, json={"about": True}, headers=auth("cn_leader")).status_code == 200
    rec = client.get(f"/api/v1/entities/{second}", headers=auth("cn_leader")).json
    assert [(c["id"], c["matched"]) for c in rec["complaints"]] == [(lead_id, "confirmed")]
    assert rec["entity"]["colour"] == "green"  # one complaint is not "repeated complaints"
    assert client.get(f"/api/v1/entities/{first}", headers=auth("cn_leader")).json["to_confirm"] == []
