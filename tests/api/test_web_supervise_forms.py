"""Supervision forms over HTTP (no browser): register and edit an entity, merge a duplicate after a
confirmation, record a 复议/诉讼 outcome — refusals come back as the form with the messages, nothing written."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from engine import clock
from engine.models import CaseParty, CaseReview, ColourChange, EntityMerge, EntityProfile, Party
from tests.api.test_web_officer import text, web  # noqa: F401  (fixture)
from tests.engine.entities.helpers import uscc

ORG = {"kind": "organisation", "name": "城南示范餐饮店", "id_number": uscc(71), "address": "城南街道人民路8号",
       "phone": "", "township_id": "chengnan", "industry": "餐饮服务", "risk_level": "medium", "credit": "good",
       "licence_rows": "2", "licence_kind_0": "食品经营许可证", "licence_number_0": "JY13301020000071",
       "licence_until_0": "2028-05-01"}


def count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def party_id(sessions, number) -> int:
    with sessions() as s:
        return s.scalar(select(Party.id).where(Party.id_number == number))


@pytest.fixture(autouse=True)
def today():
    clock.freeze(datetime(2026, 5, 20, 2, tzinfo=timezone.utc))


def test_register_edit_and_refusals_keep_the_form(client, web, sessions):
    token = web("cn_officer1")
    page = client.get("/entities/new")
    assert page.status_code == 200 and "登记监管对象" in page.text
    bad = client.post("/entities/new", data=dict(ORG, id_number="91330102MA2H4K7L3X", csrf_token=token))
    assert bad.status_code == 422 and "城南示范餐饮店" in bad.text  # the form comes back, filled in
    assert "统一社会信用代码" in text(bad.text) and count(sessions, Party) == 0
    r = client.post("/entities/new", data=dict(ORG, csrf_token=token))
    assert r.status_code == 302, text(r.text)
    pid = party_id(sessions, ORG["id_number"])
    assert r.headers["Location"].endswith(f"/entities/{pid}")
    shown = text(client.get(f"/entities/{pid}").text)
    assert "绿码" in shown and "JY13301020000071" in shown and "编辑" in shown

    edit = client.get(f"/entities/{pid}/edit")
    assert edit.status_code == 200 and "JY13301020000071" in edit.text
    bad = client.post(f"/entities/{pid}/edit", data=dict(ORG, risk_level="extreme", name="新名称", csrf_token=token))
    assert bad.status_code == 422 and "新名称" in bad.text
    r = client.post(f"/entities/{pid}/edit", data=dict(ORG, name="城南示范餐饮店（人民路店）", major_hazard="1",
                                                     csrf_token=token))
    assert r.status_code == 302
    with sessions() as s:
        profile = s.get(EntityProfile, pid)
        assert (profile.party.name, profile.colour, profile.colour_reason) == (
            "城南示范餐饮店（人民路店）", "red", "存在重大安全隐患")
        assert profile.licences == [{"kind": "食品经营许可证", "number": "JY13301020000071",
                                     "valid_until": "2028-05-01"}]
    assert client.post(f"/entities/{pid}/edit", data=dict(ORG)).status_code == 400  # no form token


def test_merge_needs_a_confirmation_and_keeps_the_duplicate(client, web, sessions):
    token = web("cn_leader")
    for n, name in ((72, "城南示范超市"), (73, "城南示范超市（重复登记）")):
        assert client.post("/entities/new", data=dict(ORG, id_number=uscc(n), name=name, licence_rows="0",
                                                      csrf_token=token)).status_code == 302
    keep, dup = party_id(sessions, uscc(72)), party_id(sessions, uscc(73))
    found = client.get(f"/entities/{dup}/merge?q=城南示范超市")
    assert found.status_code == 200 and f"target_id={keep}" in found.text and f"target_id={dup}" not in found.text
    confirm = client.get(f"/entities/{dup}/merge?target_id={keep}")
    assert "保留的记录" in confirm.text and "不能在此撤销" in confirm.text
    refused = client.post(f"/entities/{dup}/merge", data={"target_id": keep, "reason": "同一企业重复登记",
                                                         "csrf_token": token})
    assert refused.status_code == 422 and count(sessions, EntityMerge) == 0
    no_reason = client.post(f"/entities/{dup}/merge", data={"target_id": keep, "reason": " ", "confirm": "1",
                                                           "csrf_token": token})
    assert no_reason.status_code == 422 and count(sessions, EntityMerge) == 0
    done = client.post(f"/entities/{dup}/merge", data={"target_id": keep, "reason": "同一企业重复登记",
                                                      "confirm": "1", "csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/entities/{keep}")
    with sessions() as s:
        assert s.get(EntityProfile, dup).merged_into_id == keep
    kept = text(client.get(f"/entities/{keep}").text)
    assert "城南示范超市（重复登记）" in kept and "同一企业重复登记" in kept  # the history keeps what it was
    assert "合并" in text(client.get(f"/entities/{dup}").text)
    assert client.get(f"/entities/{dup}/edit").status_code == 200  # readable …
    assert client.post(f"/entities/{dup}/edit", data=dict(ORG, csrf_token=token)).status_code == 409  # … not editable
    web("cn_officer1")
    assert client.get(f"/entities/{keep}/merge").status_code == 403  # officers do not merge
    web("jk_leader")
    assert client.get(f"/entities/{keep}/merge").status_code == 404  # outside the township's scope


def test_review_outcome_form_recolours_the_party(client, web, sessions, actor):
    from tests.engine.entities.test_recolour import NUMBER, penalised
    case_id = penalised(sessions, actor)  # yellow after one ordinary-procedure penalty; today 2026-08-03
    pid = party_id(sessions, NUMBER)
    token = web("cn_head")
    assert 'id="case-reviews"' in client.get(f"/cases/{case_id}").text
    page = client.get(f"/cases/{case_id}/reviews")
    assert page.status_code == 200 and "登记复议/诉讼结果" in page.text and "黄码" in page.text
    bad = client.post(f"/cases/{case_id}/reviews", data={"kind": "reconsideration", "result": "reversed",
                                                         "decided_on": "2026-08-04", "csrf_token": token})
    assert bad.status_code == 422 and "日期不能晚于今天" in bad.text and count(sessions, CaseReview) == 0
    r = client.post(f"/cases/{case_id}/reviews", data={"kind": "reconsideration", "result": "reversed",
                                                       "decided_on": "2026-08-01", "note": "杭复决字〔2026〕12号",
                                                       "csrf_token": token})
    assert r.status_code == 302 and count(sessions, CaseReview) == 1
    shown = text(client.get(f"/cases/{case_id}/reviews").text)
    assert "行政复议：撤销" in shown and "绿码" in shown
    entity = text(client.get(f"/entities/{pid}").text)
    assert "经行政复议撤销（2026-08-01），不再计入处罚次数" in entity and "复议/诉讼结果" in entity
    token = web("cn_officer1")
    assert "登记结果" not in client.get(f"/cases/{case_id}/reviews").text  # officers read, heads record
    assert client.post(f"/cases/{case_id}/reviews", data={"kind": "litigation", "result": "upheld",
                                                          "decided_on": "2026-08-02", "csrf_token": token}
                       ).status_code == 403
