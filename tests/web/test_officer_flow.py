"""The officer's day in a real Chromium: sign in, claim, fix a rejected form, complete, follow the case;
another township does not see it; the language switches."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine import cases
from engine.db import transaction
from engine.models import User
from engine.org import actor_for
from tests.web.conftest import shot

pytestmark = pytest.mark.browser

LONG_PARTY = "杭州市城南街道某某某某餐饮管理有限责任公司第一分公司（城南路一百二十八号临街门店）"


def resident_id(prefix17: str) -> str:
    weights, checks = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), "10X98765432"
    return prefix17 + checks[sum(int(d) * w for d, w in zip(prefix17, weights)) % 11]


def start_case(engine_sessions, username="cn_officer2") -> tuple[int, str]:
    with transaction(engine_sessions) as session:
        user = session.scalar(select(User).where(User.username == username))
        case = cases.start_case(session, actor_for(session, user), "web_test", "chengnan", {"source": "12345热线"},
                                party={"kind": "person", "name": LONG_PARTY,
                                       "id_number": resident_id("33010219800101123")})
        return case.id, case.number


def login(page, server, username):
    page.goto(server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "zhifa-demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/inbox.*"))


def logout(page):
    page.click("header form button")
    page.wait_for_url(re.compile(r".*/login.*"))


def test_officer_claims_fixes_completes_and_follows_the_case(page, server, engine_sessions):
    case_id, number = start_case(engine_sessions)
    login(page, server, "cn_officer1")
    shot(page, "01-inbox-mine")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("nav.tabs a.on").inner_text().startswith("我的待办")

    page.click("nav.tabs a[data-tab=claimable]")
    row = page.locator(f"tr[data-case='{number}']")
    row.wait_for()
    assert "现场检查笔录" in row.inner_text() and LONG_PARTY[:10] in row.inner_text()
    box = row.bounding_box()
    assert box["height"] < 60, "a long party name must not break the row layout"
    shot(page, "02-inbox-claimable")

    row.locator("td.c-task a").click()
    page.wait_for_selector("#form[data-ready=true]")
    assert page.locator("#complete").count() == 0  # not claimed yet: read-only
    page.click("#claim")
    page.wait_for_selector("#complete")
    page.wait_for_selector("#form[data-ready=true]")
    shot(page, "03-task-claimed")

    # An invalid amount is refused next to its field (form-js applies the same rules as the server).
    page.fill("[id$=F_place]", "城南路128号")
    page.fill("[id$=F_fine]", "500")
    _choose(page, "F_outcome", "罚款")
    page.fill("[id$=F_facts]", "店外占道经营，现场责令改正。")
    page.click("#complete")
    fine_field = page.locator(".fjs-form-field:has([id$=F_fine])")
    fine_field.locator(".fjs-form-field-error").wait_for()
    shot(page, "04-task-client-error")

    # The second officer is picked by name from the unit's certified officers (not typed as an account);
    # server errors at a field are covered by tests/api/test_web_officer.py (a legal refusal at its field).
    page.fill("[id$=F_fine]", "150")
    co_field = page.locator(".fjs-form-field:has([id$=F_co])")
    assert "必填项" in co_field.inner_text()  # form-js's own message, in Chinese
    _choose(page, "F_co", "城南执法队员 施杰")
    shot(page, "05-task-co-officer-by-name")
    page.click("#complete")
    page.wait_for_url(re.compile(r".*/inbox.*"))  # next step is the squad leader's
    assert page.locator(f"tr[data-case='{number}']").count() == 0

    shot(page, "06-inbox-after-complete")
    case_url = f"{server}/cases/{case_id}"
    page.goto(case_url)
    page.wait_for_selector("#diagram[data-ready=true]")
    assert page.locator("g.djs-element.el-done[data-element-id=Task_inspect]").count() == 1
    assert page.locator("g.djs-element.el-current[data-element-id=Task_approve]").count() == 1
    assert page.locator("g.djs-element.el-todo[data-element-id=EndEvent_1]").count() == 1
    assert "城南路128号" in page.locator(".casefile").inner_text()  # the case file, under the form's labels
    assert "城南执法队员 施杰" in page.locator(".casefile").inner_text()  # the second officer by name
    assert page.locator(".timeline li.task_completed").count() == 1
    shot(page, "07-case")

    # Another township's officer sees neither the task nor the case.
    logout(page)
    login(page, server, "cb_officer1")
    for tab in ("mine", "claimable"):
        page.goto(server + f"/inbox?tab={tab}")
        assert number not in page.content()
    response = page.goto(case_url)
    assert response.status == 404
    shot(page, "08-other-township-case")

    # Language switch: English, then back to Chinese.
    page.goto(server + "/inbox")
    page.click("a.lang")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav.tabs a.on").inner_text().startswith("My tasks")
    shot(page, "09-inbox-english")
    page.click("a.lang")
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def _choose(page, field_id: str, label: str) -> None:
    """form-js renders select fields as its own dropdown (an input that opens a list)."""
    page.locator(f".fjs-form-field:has([id$={field_id}]) .fjs-input-group").first.click()
    page.locator(f".fjs-dropdownlist-item:has-text('{label}')").first.click()
