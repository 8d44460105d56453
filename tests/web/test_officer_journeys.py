"""Every step of an ordinary case (legal review, hearing, deliberation, decision, service, execution, closure) and
of a simple case, seen in Chromium by the person who does it, at desk width and at 390 px: the page is Chinese, in
words (no BPMN ids, data keys, JSON or "None"), and nothing scrolls sideways on the phone. Screenshots of each
step land in test-artifacts/journeys/."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine import cases, tasks
from engine.db import transaction
from engine.models import HumanTask
from tests.processes import PERSON
from tests.processes import test_ordinary as o
from tests.processes import test_simple as s_
from tests.web.conftest import ARTIFACTS
from tests.web.test_officer_workspace import who

pytestmark = pytest.mark.browser

ENGLISH = re.compile(r"\b(?:Select|Search|Browse|No results|No files selected|Submit|Cancel|required)\b")
RAW = re.compile(r"\b(?:Task|Gw|BRT|Script|Event|Flow|Lane)_\w+|\{\"|\bNone\b|\bnull\b|\b[a-z]+(?:_[a-z0-9]+)+\b")
WIDTHS = {"desk": 1366, "phone": 390}

ORDINARY = [
    ("Task_FilingProposal", "cn_officer1", o.PROPOSAL),
    ("Task_FilingApproval", "cn_leader", o.approval()),
    ("Task_Investigation", "cn_officer1", o.investigation("cn_officer2")),
    ("Task_InvestigationReport", "cn_officer1", o.report(fine=8000)),
    ("Task_LegalReview", "legal1", o.review("correct", corrected=6000)),
    ("Task_Notice", "cn_officer1", o.NOTICE),
    ("Task_HearingRequest", "cn_officer1", {"hearing_requested": True, "request_received_on": "2026-03-25"}),
    ("Task_Statement", "cn_officer1", o.STATEMENT),
    ("Task_Hearing", "hearing1", o.HEARING),
    ("Task_HearingReview", "legal2", dict(o.review(), reviewed_on="2026-04-09")),
    ("Task_Deliberation", "cn_head", o.DELIBERATION),
    ("Task_Decision", "cn_head", o.decision(fine=6000)),
    ("Task_Service", "cn_officer1", o.SERVICE),
    ("Task_Execution", "cn_officer1", o.execution("paid", "2026-04-20", paid=6000)),
    ("Task_ClosureReport", "cn_officer1", o.CLOSURE_REPORT),
    ("Task_ClosureApproval", "cn_head", o.closure()),
]
SIMPLE = [
    ("Task_OnSiteRecord", "cn_officer1", s_.record("fine", 50)),
    ("Task_OnSpotDecision", "cn_officer1", s_.decision(50)),
    ("Task_Filing", "cn_leader", s_.FILING),
]


class Browser:
    """One signed-in page per (user, width), reused across the steps."""

    def __init__(self, chromium, server):
        self.chromium, self.server, self.pages = chromium, server, {}

    def page(self, user: str, width: int):
        if (user, width) not in self.pages:
            context = self.chromium.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
            pg = context.new_page()
            pg.set_default_timeout(60000)
            pg.goto(self.server + "/login")
            pg.fill("input[name=username]", user)
            pg.fill("input[name=password]", "zhifa-demo")
            pg.click("button[type=submit]")
            pg.wait_for_url(re.compile(r".*/inbox.*"))
            self.pages[(user, width)] = pg
        return self.pages[(user, width)]

    def close(self):
        for pg in self.pages.values():
            pg.context.close()


def look(pg, url: str, name: str) -> str:
    """Open ``url``, check it the way an officer would, save a screenshot; returns the page's text."""
    pg.goto(url)
    if pg.locator("#form").count():
        pg.wait_for_selector("#form[data-ready=true]")
    assert pg.locator("html").get_attribute("lang") == "zh-CN"
    text = pg.locator("main").inner_text()
    raw = sorted({m.group() for m in RAW.finditer(text)})
    assert not raw, f"{name}: raw words on the page: {raw}"
    english = sorted({m.group() for m in ENGLISH.finditer(text)})
    assert not english, f"{name}: English on a Chinese page: {english}"
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= pg.viewport_size["width"], f"{name}: {width}px wide at {pg.viewport_size['width']}px"
    cut = pg.evaluate("""() => { const form = document.getElementById('form'); if (!form) return [];
        const edge = form.getBoundingClientRect().right, out = [];
        form.querySelectorAll('.fjs-input-group, .fjs-input, .fjs-select, .fjs-textarea').forEach(e => {
            const over = e.getBoundingClientRect().right - edge;
            if (over > 1) out.push(`${e.className} +${Math.round(over)}px`); });
        return out; }""")
    assert not cut, f"{name}: form fields cut off at the right: {cut}"
    (ARTIFACTS / "journeys").mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "journeys" / f"{name}.png"), full_page=True)
    return text


def walk(browser, engine_sessions, server, procedure: str, intake: dict, steps, tag: str, party=PERSON) -> int:
    with transaction(engine_sessions) as s:
        case_id = cases.start_case(s, who(s, "cn_officer1"), procedure, "chengnan", intake, party=party).id
    for n, step in enumerate(steps, 1):
        spec, unit, user, data = step if len(step) == 4 else (step[0], None, *step[1:])
        with engine_sessions() as s:
            task = s.scalar(select(HumanTask).where(
                HumanTask.case_id == case_id, HumanTask.task_spec == spec, HumanTask.state.in_(("ready", "claimed")),
                *([HumanTask.unit_id == unit] if unit else [])))
            assert task is not None, f"{spec} is not open"
            tid, title = task.id, task.title
        with transaction(engine_sessions) as s:
            if task.state == "ready":
                tasks.claim(s, who(s, user), tid)
        for label, width in WIDTHS.items():
            name = f"{tag}-{n:02d}-{spec[5:]}{'-' + unit if unit else ''}-{label}"
            text = look(browser.page(user, width), f"{server}/tasks/{tid}", name)
            assert title in text
        with transaction(engine_sessions) as s:
            tasks.complete(s, who(s, user), tid, data)
    for label, width in WIDTHS.items():
        look(browser.page("cn_officer1", width), f"{server}/cases/{case_id}", f"{tag}-case-{label}")
    return case_id


def test_every_step_of_an_ordinary_and_a_simple_case(chromium, server, engine_sessions):
    browser = Browser(chromium, server)
    try:
        case_id = walk(browser, engine_sessions, server, "ordinary_procedure", o.INTAKE, ORDINARY, "ordinary")
        text = look(browser.page("cn_head", 1366), f"{server}/cases/{case_id}", "ordinary-case-head")
        assert "已完成" in text and "决定书文号" in text
        walk(browser, engine_sessions, server, "simple_procedure", s_.INTAKE, SIMPLE, "simple")
        for label, width in WIDTHS.items():
            look(browser.page("cn_leader", width), f"{server}/inbox", f"inbox-leader-{label}")
    finally:
        browser.close()


def test_every_step_of_an_escalated_case_and_a_joint_inspection(chromium, server, engine_sessions):
    from tests.processes import test_escalated as e
    from tests.processes import test_joint_inspection as j
    day = e.DAY
    escalated = [
        ("Task_endorse", "cn_leader", {"endorsement": "agree", "endorse_opinion": "同意提级", "endorsed_on": day}),
        ("Task_decide", "bureau_head", {"escalation_decision": "approve", "escalation_opinion": "同意",
                                        "escalation_decided_on": day, "direct_squad": "bureau_squad1"}),
        ("Task_handover", "cn_officer1", {"handover_evidence": "现场照片12张、询问笔录1份", "handover_receiver": "沈洁",
                                          "handover_on": day}),
        ("Task_assist", "cn_officer2", {"co_officer": "cn_officer3", "assistance_record": "协助询问",
                                        "assisted_on": "2026-03-06"}),
        *[(spec, unit, user, data) for spec, unit, user, data in e.squad_ordinary_path()],
    ]
    inspection = [
        ("Task_inspect", "agency_market", "market_inspector1", {"co_officer": "market_inspector2",
                                                                 "inspection_record": "现场检查记录", "result": "no_problem"}),
        ("Task_inspect", "agency_fire", "fire_inspector1", {"co_officer": "fire_inspector2",
                                                             "inspection_record": "现场检查记录", "result": "no_problem"}),
        ("Task_merge", "chengnan", "cn_officer1", {"merge_summary": "各部门结果已汇总", "party_confirmed": True}),
        ("Task_publish", "chengnan", "cn_officer2", {"publish_channel": "gsxt", "publish_date": "2026-03-05"}),
    ]
    browser = Browser(chromium, server)
    try:
        walk(browser, engine_sessions, server, "escalated_procedure", dict(e.REQUEST), escalated, "escalated",
             party=e.PARTY)
        walk(browser, engine_sessions, server, "joint_inspection", j.plan("agency_market", "agency_fire"),
             inspection, "joint", party=j.PARTY)
    finally:
        browser.close()
