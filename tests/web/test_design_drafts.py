"""The designer's drafts in a real Chromium: a decision-table edit in dmn-js is saved; saving over a newer draft
shows the 409 banner offering reload or save-as-copy; work the server failed to save survives in the browser and is
offered back after a reload; the editor works at 390 px."""
from __future__ import annotations

import json
import re

import pytest

from tests.web.conftest import shot
from tests.web.test_officer_flow import login

pytestmark = pytest.mark.browser
HEADERS = {"X-Requested-With": "fetch", "Content-Type": "application/json"}
MARK = "（已修订）"


def open_draft(page, server) -> str:
    login(page, server, "designer")
    page.goto(server + "/design")
    page.locator("article.proc[data-key=ordinary_procedure] tr.v-deployed button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/design/drafts/\d+"))
    page.wait_for_selector("#editor[data-ready='1']")
    return page.locator("#editor").get_attribute("data-draft")


def draft(page, server, draft_id) -> dict:
    return page.request.get(server + f"/api/v1/design/drafts/{draft_id}", headers=HEADERS).json()


def save(page) -> None:
    saved = page.locator("#editor").get_attribute("data-saved")
    page.click("#btn-save")
    page.wait_for_selector(f"#editor[data-saved]:not([data-saved='{saved}'])" if saved else "#editor[data-saved]")


def test_decision_table_edit_conflict_and_kept_work(page, server):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    draft_id = open_draft(page, server)

    # dmn-js: change a rule's annotation in the first decision table, save, the server has it
    page.click("[data-tab=dmn]")
    page.wait_for_selector("#editor[data-dmn-view=decisionTable]")
    dmn_file = page.locator("#editor").get_attribute("data-dmn")
    cell = page.locator("#dmn-canvas tbody tr").first.locator("td.annotation [contenteditable]")
    cell.click()
    page.keyboard.press("End")
    page.keyboard.type(MARK)
    page.wait_for_selector("#editor[data-dirty]")
    shot(page, "design-06-decision-table")
    save(page)
    assert MARK in draft(page, server, draft_id)["content"]["dmn"][dmn_file]
    assert page.locator("#editor[data-dirty]").count() == 0

    # someone else saves the draft meanwhile: this page's save answers 409 and offers reload / save as a copy
    current = draft(page, server, draft_id)
    theirs = dict(current["content"], documents={**current["content"]["documents"], "note.html": "<p>另一人的修改</p>"})
    r = page.request.put(server + f"/api/v1/design/drafts/{draft_id}", headers=HEADERS,
                         data=json.dumps({"content": theirs, "base_hash": current["content_hash"]}))
    assert r.status == 200
    page.click("[data-tab=documents]")
    page.fill("#doc-text", "<p>我的修改</p>")
    page.click("#btn-save")
    conflict = page.locator(".banner.conflict")
    conflict.wait_for()
    assert conflict.locator("[data-action=reload]").count() == 1
    shot(page, "design-07-conflict")
    assert draft(page, server, draft_id)["content"]["documents"].get("note.html") == "<p>另一人的修改</p>"  # untouched
    conflict.locator("[data-action=copy]").click()
    page.wait_for_url(re.compile(r".*/design/drafts/(?!%s$)\d+$" % draft_id))
    page.wait_for_selector("#editor[data-ready='1']")
    copy_id = page.locator("#editor").get_attribute("data-draft")
    copy = draft(page, server, copy_id)["content"]
    assert "<p>我的修改</p>" in copy["documents"].values() and MARK in copy["dmn"][dmn_file]

    # the server fails to save: the work stays in this browser and is offered back after a reload
    page.route(re.compile(r".*/api/v1/design/drafts/\d+$"), lambda route: route.fulfill(
        status=500, content_type="application/problem+json", body='{"title": "Internal Server Error", "status": 500}')
        if route.request.method == "PUT" else route.continue_())
    page.click("[data-tab=documents]")
    first_doc = page.locator("#doc-file").input_value()
    page.fill("#doc-text", "<p>服务器出错时的修改</p>")
    page.click("#btn-save")
    page.locator(".banner.kept").wait_for()
    shot(page, "design-08-server-error")
    page.unroute(re.compile(r".*/api/v1/design/drafts/\d+$"))
    assert "服务器出错时的修改" not in json.dumps(draft(page, server, copy_id), ensure_ascii=False)
    page.reload()
    page.wait_for_selector("#editor[data-ready='1']")
    offer = page.locator(".banner.local")
    offer.wait_for()
    offer.locator("[data-action=restore]").click()
    page.wait_for_selector("#editor[data-restored]")
    page.click("[data-tab=documents]")
    page.select_option("#doc-file", first_doc)
    assert page.locator("#doc-text").input_value() == "<p>服务器出错时的修改</p>"
    save(page)
    assert draft(page, server, copy_id)["content"]["documents"][first_doc] == "<p>服务器出错时的修改</p>"
    assert errors == [], errors


def test_editor_at_390_px(chromium, server):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60000)
    open_draft(page, server)
    page.click("g[data-element-id=Task_FilingProposal]")
    page.locator("#bio-properties-panel-zhifa-deadline").wait_for()
    shot(page, "design-09-editor-390")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 392, f"the page scrolls sideways at 390 px ({width} px)"
    for selector in ("#btn-save", "#btn-deploy", "#deploy-note", "[data-tab=forms]"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    page.click("[data-tab=forms]")
    page.wait_for_selector("#editor[data-form]")
    shot(page, "design-10-forms-390")
    context.close()
