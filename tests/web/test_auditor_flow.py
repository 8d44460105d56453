"""The auditor's day in a real Chromium: find a case by party name, step through its history on the diagram,
see a case altered by a direct SQL update flagged with the step, download the PDF and the ZIP (which verify)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from engine import cases, integrity, tasks
from engine.archive.verify import verify_archive
from engine.db import transaction
from engine.models import HumanTask, User
from engine.org import actor_for
from tests.web.conftest import shot
from tests.web.test_officer_flow import login, logout, resident_id

pytestmark = pytest.mark.browser

PARTY = "赵晓燕"
RECORD = {"credentials_shown": True, "rights_informed": True, "facts": "当事人在人行道随意丢弃垃圾", "legal_basis": "《城市市容和环境卫生管理条例》",
          "statement_summary": "当事人承认", "penalty_kind": "fine", "fine_amount": 150}


def decision(method):
    extra = {"cash_collected_on": "2026-11-29"} if method == "cash" else {}
    return extra | {"party_name": PARTY, "violation": "随意丢弃垃圾",
            "decision_basis": "《城市市容和环境卫生管理条例》第三十四条", "decided_fine": 150, "payment_method": method,
            "payment_deadline": "2026-12-15", "remedy": "60日内申请行政复议或6个月内提起行政诉讼",
            "agency_name": "城南街道办事处", "decided_on": "2026-11-29", "decided_place": "人民路",
            "officer_signature": "何平"}


def _actor(session, username):
    return actor_for(session, session.scalar(select(User).where(User.username == username)))


def _do(engine_sessions, case_id, spec, username, data):
    with transaction(engine_sessions) as session:
        me = _actor(session, username)
        task = session.scalar(select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.task_spec == spec,
                                                      HumanTask.state.in_(("ready", "claimed"))))
        tasks.claim(session, me, task.id)
        tasks.complete(session, me, task.id, data)


def prepare(engine_sessions) -> tuple[int, str, int, str]:
    with transaction(engine_sessions) as session:
        case = cases.start_case(session, _actor(session, "cn_officer1"), "simple_procedure", "chengnan",
                                {"cause": "乱扔垃圾", "place": "城南街道人民路", "lead_found_on": "2026-11-28"},
                                party={"kind": "person", "name": PARTY, "id_number": resident_id("33010219850315242")})
        traced, traced_number = case.id, case.number
    _do(engine_sessions, traced, "Task_OnSiteRecord", "cn_officer1", RECORD)
    _do(engine_sessions, traced, "Task_OnSpotDecision", "cn_officer1", decision("cash"))   # refused: > 100 元 cash
    _do(engine_sessions, traced, "Task_OnSpotDecision", "cn_officer1", decision("bank"))
    with transaction(engine_sessions) as session:
        other = cases.start_case(session, _actor(session, "cn_officer2"), "web_test", "chengnan",
                                 {"source": "12345热线"}, party={"kind": "person", "name": "钱多多",
                                                                "id_number": resident_id("33010219800101124")})
        altered, altered_number = other.id, other.number
    with engine_sessions() as session:   # someone edits the stored data directly in the database
        session.execute(text("UPDATE cases SET data = json_set(data, '$.source', '群众来信') WHERE id = :i"),
                        {"i": altered})
        session.commit()
    integrity.sweep(engine_sessions, limit=500, min_age_seconds=0)
    return traced, traced_number, altered, altered_number


def test_auditor_searches_steps_through_history_sees_alteration_and_exports(page, server, engine_sessions,
                                                                              tmp_path):
    traced, number, altered, altered_number = prepare(engine_sessions)
    login(page, server, "auditor")
    page.click("nav.main a[href='/cases']")
    page.fill("input[name=party]", PARTY[:2])
    page.click("form.search button[type=submit]")
    row = page.locator(f"tr[data-case='{number}']")
    row.wait_for()
    assert PARTY in row.inner_text() and "简易程序" in row.inner_text() and "完整" in row.inner_text()
    assert page.locator("tr[data-case]").count() == 1
    shot(page, "audit-01-search")

    # the altered case is found by the sweep's verdict
    page.goto(server + "/cases?integrity=altered")
    flagged = page.locator(f"tr[data-case='{altered_number}']")
    flagged.wait_for()
    assert "被篡改" in flagged.inner_text() and "第 1 步" in flagged.inner_text()

    page.goto(server + f"/cases/{traced}")
    banner = page.locator(".integrity-banner")
    assert banner.get_attribute("data-verdict") == "intact"
    page.click("text=流程图上的办理历史")
    page.wait_for_selector("#diagram[data-ready=true]")
    steps = page.locator("#step-list button")
    total = steps.count()
    # the second decision: cash was refused, so this is the decision task's second visit
    second = [i for i in range(total) if "办结：当场作出行政处罚决定" in steps.nth(i).inner_text()][1]
    steps.nth(second).click()
    page.wait_for_function("document.body.dataset.step")
    detail = page.locator("#step-detail").inner_text()
    assert "当场作出行政处罚决定" in detail and "执法队员" in detail
    changes = page.locator("#step-changes").inner_text()
    assert "缴纳方式" in changes and "当场收缴（≤100元）" in changes and "指定银行/电子缴纳" in changes, changes
    assert page.locator(".djs-element.el-done").count() >= 3
    assert page.locator(".visits").count() >= 1                      # the decision task was visited twice
    # two steps later (after the gateway's decision) the filing task is active
    page.click("#next")
    assert "当场收缴是否合规" in page.locator("#step-decision").inner_text()
    page.click("#next")
    assert page.locator("#slider").input_value() == str(second + 3)
    shot(page, "audit-02-history-mid-step")
    assert page.locator(".djs-element.el-current").count() == 1      # the filing task, active
    page.click("#prev")
    page.click("#prev")
    assert page.locator(".djs-element.flow-done").count() >= 2
    assert "squad_leader" not in page.locator("#diagram").inner_text()   # lanes show role names
    shot(page, "audit-03-history-data-diff")
    # a decision table in words: the rule that matched, with the table's labels, and the values it matched on
    rule_step = [i for i in range(total) if "简易程序适用判定" in steps.nth(i).inner_text()][0]
    steps.nth(rule_step).click()
    said = page.locator("#step-decision").inner_text()
    assert "条规则：" in said and "处罚种类" in said and "输入值：" in said and "罚款金额" in said, said
    shot(page, "audit-03b-history-decision-rule")

    # downloads
    with page.expect_download() as pdf_info:
        page.goto(server + f"/cases/{traced}")
        page.click("text=电子卷宗（PDF）")
    pdf_path = tmp_path / "case.pdf"
    pdf_info.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    with page.expect_download() as zip_info:
        page.click("text=可验证卷宗（ZIP）")
    zip_path = tmp_path / "case.zip"
    zip_info.value.save_as(zip_path)
    report = verify_archive(zip_path)
    assert report.ok, [str(p) for p in report.problems]
    assert report.case_number == number

    # the altered case: the page warns with the step and what differs
    page.goto(server + f"/cases/{altered}")
    banner = page.locator(".integrity-banner")
    assert banner.get_attribute("data-verdict") == "altered" and banner.get_attribute("data-step") == "1"
    assert "第 1 步被篡改" in banner.inner_text() and "群众来信" in banner.inner_text()
    assert "12345热线" in banner.inner_text()
    shot(page, "audit-04-altered-case")

    # phone width: no horizontal scroll on the search and the history
    page.set_viewport_size({"width": 390, "height": 844})
    for url, name in ((f"/cases?party={PARTY}", "audit-05-search-390"), (f"/cases/{traced}/history", "audit-06-history-390")):
        page.goto(server + url)
        if "history" in url:
            page.wait_for_selector("#diagram[data-ready=true]")
        width = page.evaluate("document.querySelector('main').scrollWidth")   # (the shared header is the officers')
        wide = page.evaluate("""[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 391)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
        assert width <= 390, (url, width, wide)
        shot(page, name)
    logout(page)
