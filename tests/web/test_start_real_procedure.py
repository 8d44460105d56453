"""Starting a case of the real simple procedure (简易程序) from the start page, then landing on its first task."""
from __future__ import annotations

import re

import pytest

from tests.web.conftest import shot
from tests.web.test_officer_flow import LONG_PARTY, login, resident_id

pytestmark = pytest.mark.browser


def test_start_page_starts_the_simple_procedure(page, server):
    login(page, server, "cn_officer2")
    page.goto(server + "/start")
    page.click("a[data-procedure=simple_procedure]")
    page.wait_for_selector("#form[data-ready=true]")
    page.fill("#title", "占道经营")
    page.fill("#party [name=name]", LONG_PARTY)
    page.fill("#party [name=id_number]", "123")  # wrong check digit: the party error shows at its input
    page.fill("[id$=Field_cause]", "占道经营")
    page.fill("[id$=Field_place]", "城南路128号")
    date = page.locator("input[id$=Field_lead_found_on-date]")
    date.fill("11/20/2026")
    date.press("Enter")
    page.click("#start")
    page.locator("#party .field-error").wait_for()
    assert "不是有效的18位居民身份证号码" in page.locator("#party").inner_text()  # in the UI's language
    shot(page, "10-start-party-error")

    page.fill("#party [name=id_number]", resident_id("33010219800101123"))
    page.click("#start")
    page.wait_for_url(re.compile(r".*/tasks/.*"))
    assert "出示证件" in page.locator("h1").inner_text()
    assert LONG_PARTY in page.locator("aside.summary").inner_text()
    page.wait_for_selector("#form[data-ready=true]")
    shot(page, "11-simple-first-task")
    page.click("aside.summary dd a")
    page.wait_for_selector("#diagram[data-ready=true]")
    assert page.locator("g.djs-element.el-current[data-element-id=Task_OnSiteRecord]").count() == 1
    shot(page, "12-simple-case")
