"""Supervision workspace in a real Chromium: entity list and record, a random plan drawn and approved, the
performance page with its charts and the heatmap on the diagram — at desktop width and at 390 px."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine import cases, tasks
from engine.db import transaction
from engine.entities import registry
from engine.models import HumanTask, User
from engine.org import actor_for
from tests.engine.entities.helpers import uscc
from tests.web.conftest import shot
from tests.web.test_officer_flow import login

pytestmark = pytest.mark.browser

LONG_NAME = "城南街道某某某某餐饮管理有限责任公司第一分公司（人民路一百二十八号临街门店）"


def _actor(session, name):
    return actor_for(session, session.scalar(select(User).where(User.username == name)))


def seed(engine_sessions) -> int:
    """Twelve registered entities in 城南 and one joint inspection of the first that finds a violation."""
    with transaction(engine_sessions) as session:
        leader = _actor(session, "cn_leader")
        for i in range(12):
            registry.register(session, leader, {"kind": "organisation", "name": LONG_NAME if i == 0 else
                                                f"城南示范商户{i:02d}", "id_number": uscc(900 + i),
                                                "address": f"城南街道人民路{i + 1}号"},
                              {"township_id": "chengnan", "industry": "餐饮服务",
                               "risk_level": ("low", "medium", "high")[i % 3], "major_hazard": i == 5})
        officer = _actor(session, "cn_officer1")
        case = cases.start_case(session, officer, "joint_inspection", "chengnan", {
            "entity_name": LONG_NAME, "visit_date": "2026-11-02", "visit_address": "城南街道人民路1号",
            "partners": [{"agency": "agency_market", "items": "食品经营许可、进货查验"},
                         {"agency": "agency_fire", "items": "消防通道、灭火器"}]},
            party={"kind": "organisation", "name": LONG_NAME, "id_number": uscc(900)})
        case_id = case.id
    for agency, short, result in (("agency_fire", "fire", "no_problem"), ("agency_market", "market", "violation")):
        with transaction(engine_sessions) as session:
            task = session.scalar(select(HumanTask).where(HumanTask.case_id == case_id,
                                                          HumanTask.unit_id == agency))
            data = {"co_officer": f"{short}_inspector2", "inspection_record": f"{short} 现场检查记录", "result": result}
            if result == "violation":
                data["violations"] = [{"facts": "销售超过保质期的食品", "legal_basis": "《食品安全法》第三十四条"}]
            tasks.complete(session, _actor(session, f"{short}_inspector1"), task.id, data)
    with transaction(engine_sessions) as session:  # merged: one ordinary case for the market agency opens
        task = session.scalar(select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.task_spec == "Task_merge"))
        tasks.complete(session, _actor(session, "cn_officer1"), task.id,
                       {"merge_summary": "各部门结果已汇总", "party_confirmed": True})
    return case_id


def no_horizontal_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "horizontal scroll"


def _before(engine_sessions) -> tuple[int, dict[str, int]]:
    """What 城南's leader already sees: the browser server is shared, earlier browser tests may have left
    entities (a closed case with a party makes one)."""
    with engine_sessions() as session:
        leader = _actor(session, "cn_leader")
        return registry.search(session, leader)[1], registry.counts(session, leader)


def test_entities_plans_and_performance_pages(page, server, engine_sessions):
    total, colours = _before(engine_sessions)
    seed(engine_sessions)
    login(page, server, "cn_leader")

    page.goto(server + "/entities")
    assert page.locator("h1").inner_text() == "监管对象"
    assert page.locator(".entity-row").count() == total + 12
    assert page.locator(".chip-red .count").inner_text() == str(colours.get("red", 0) + 1)  # 重大隐患
    assert page.locator(".chip-yellow .count").inner_text() == str(colours.get("yellow", 0) + 1)  # 检查发现涉嫌违法
    shot(page, "supervise-entities")
    page.click(".chip-yellow")
    page.wait_for_url(re.compile(r".*colour=yellow.*"))
    assert page.locator(".entity-row").count() == colours.get("yellow", 0) + 1
    # by its whole name: another browser test's party shares the first twelve characters
    page.locator(".entity-row .er-name").get_by_text(LONG_NAME, exact=True).click()
    page.wait_for_url(re.compile(r".*/entities/\d+$"))
    body = page.locator("main").inner_text()
    assert "黄码" in body and "检查发现涉嫌违法行为，正在查处" in body
    assert "县市场监管局 · 涉嫌违法" in body and "县消防救援大队 · 未发现问题" in body
    assert "销售超过保质期的食品" in body and "暂无投诉举报记录" in body
    assert "绿码 → 黄码" in page.locator("#colours").inner_text().replace("\n", " ")
    shot(page, "supervise-entity")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    shot(page, "supervise-entity-390")
    no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1366, "height": 768})

    page.goto(server + "/plans")
    page.fill("input[name=title]", "2026年12月餐饮单位双随机抽查")
    page.fill("input[name=period_from]", "2026-12-01")
    page.fill("input[name=period_to]", "2026-12-31")
    page.fill("input[name=sample_size]", "3")
    page.check("input[name=agency_agency_market]")
    page.fill("input[name=items_agency_market]", "食品经营许可、进货查验")
    page.check("input[name=agency_agency_fire]")
    page.fill("input[name=items_agency_fire]", "消防通道、灭火器")
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/plans/\d+$"))
    plan_url = page.url
    page.fill("input[name=seed]", "城南-2026-12")
    page.click("#draw")
    page.wait_for_selector(".drawn li")
    assert page.locator(".drawn li").count() == 3
    assert "城南-2026-12" in page.locator("main").inner_text()
    assert "县市场监管局：食品经营许可、进货查验" in page.locator("main").inner_text()
    assert page.locator("#approve").count() == 0  # a squad leader plans; the head approves
    shot(page, "supervise-plan-drawn")

    page.context.clear_cookies()
    login(page, server, "cn_head")
    page.goto(plan_url)
    page.click("#approve")
    page.wait_for_selector(".flash")
    assert "已启动 3 个联合检查" in page.locator(".flash").inner_text()
    assert page.locator(".drawn a", has_text="联合检查").count() == 3
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "supervise-plan-approved-390")
    no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1366, "height": 768})

    page.context.clear_cookies()
    login(page, server, "supervisor")
    page.goto(server + "/performance?from=2026-01-01&to=2026-12-31&process=joint_inspection")
    page.wait_for_selector("#chart-deadlines[data-ready=true]")
    page.wait_for_selector("#heat[data-ready=true]")
    assert page.locator("#heat-missing").is_hidden()
    assert page.locator(".heat-badge").count() >= 2  # the inspections (in the sub-process) and the merge
    assert page.locator("#chart-cases svg").count() == 1
    row = page.locator("tr[data-unit=chengnan]").inner_text()
    assert "城南街道综合行政执法队" in row
    shot(page, "supervise-performance")
    with page.expect_download() as download:
        page.click("#export")
    assert download.value.suggested_filename.startswith("performance-2026-01-01-2026-12-31")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#heat[data-ready=true]")
    shot(page, "supervise-performance-390")
    no_horizontal_scroll(page)


def test_register_edit_and_merge_an_entity_in_the_browser(page, server, engine_sessions):
    """A squad leader registers an entity at 390 px, corrects it, then folds a duplicate into it after the
    confirmation; the kept record shows the duplicate in its history."""
    login(page, server, "cn_leader")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/entities")
    page.click("#register-entity")
    page.wait_for_url(re.compile(r".*/entities/new$"))
    page.fill("input[name=id_number]", "91330102MA2H4K7L3X")  # a wrong check character
    page.fill("input[name=name]", "城南浏览器测试餐饮店")
    page.click("button.primary")
    assert "统一社会信用代码" in page.locator(".field-error").first.inner_text()
    assert page.input_value("input[name=name]") == "城南浏览器测试餐饮店"  # kept
    shot(page, "supervise-entity-form-refused-390")
    no_horizontal_scroll(page)
    page.fill("input[name=id_number]", uscc(951))
    page.select_option("select[name=township_id]", "chengnan")
    page.fill("input[name=industry]", "餐饮服务")
    page.fill("input[name=licence_kind_0]", "食品经营许可证")
    page.fill("input[name=licence_number_0]", "JY13301020000951")
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/entities/\d+$"))
    kept_url = page.url
    assert "绿码" in page.locator("h1").inner_text() and "JY13301020000951" in page.locator("main").inner_text()

    page.click("#edit-entity")
    page.fill("input[name=address]", "城南街道人民路128号")
    page.select_option("select[name=credit]", "normal")
    shot(page, "supervise-entity-edit-390")
    no_horizontal_scroll(page)
    page.click("button.primary")
    page.wait_for_url(kept_url)
    assert "黄码" in page.locator("h1").inner_text() and "城南街道人民路128号" in page.locator("main").inner_text()

    page.goto(server + "/entities/new")  # the same shop registered again under another code
    page.fill("input[name=id_number]", uscc(952))
    page.fill("input[name=name]", "城南浏览器测试餐饮店（重复）")
    page.select_option("select[name=township_id]", "chengnan")
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/entities/\d+$"))
    page.click("#merge-entity")
    page.fill("input[name=q]", uscc(951))
    page.click("form.filters button")
    page.click("text=保留此记录")
    page.wait_for_selector(".merge-pair")
    shot(page, "supervise-merge-confirm-390")
    no_horizontal_scroll(page)
    page.fill("textarea[name=reason]", "同一门店以不同代码重复登记")
    page.check("input[name=confirm]")
    page.click("button.danger")
    page.wait_for_url(kept_url)
    assert "已合并" in page.locator(".flash").inner_text()
    history = page.locator("#colours").inner_text()
    assert "城南浏览器测试餐饮店（重复）" in history and "同一门店以不同代码重复登记" in history
    shot(page, "supervise-entity-merged-390")
    no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1366, "height": 768})
