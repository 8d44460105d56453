"""The designer's day in a real Chromium: open the ordinary procedure, change a task's deadline in the properties
panel, see the problem of a bad value on the element, fix it, change a form field's label in the form editor,
deploy with a note. A case started afterwards has the new deadline and label; one started before keeps the old
ones; the diff names exactly the changed task and form field. Screenshots go to the README."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine import bundles, cases
from engine.db import transaction
from engine.models import Case, Clock, HumanTask, ProcessVersion, User
from engine.org import actor_for
from tests.web.conftest import shot
from tests.web.test_officer_flow import login

pytestmark = pytest.mark.browser
TASK, FORM, FIELD = "Task_FilingProposal", "filing_proposal", "filing_recommendation"
NEW_LABEL = "承办人立案意见（修订）"


def start_ordinary(engine_sessions) -> int:
    with transaction(engine_sessions) as session:
        user = session.scalar(select(User).where(User.username == "cn_officer1"))
        case = cases.start_case(session, actor_for(session, user), "ordinary_procedure", "chengnan",
                                {"source": "patrol", "cause": "占道经营", "facts": "城南路1号占道经营",
                                 "lead_found_on": "2026-11-20", "place": "城南路1号"})
        return case.id


def facts(engine_sessions, case_id) -> tuple[int, str, str]:
    """(deadline days of the first task's clock, the field label of its form, version) for a case."""
    with engine_sessions() as session:
        case = session.get(Case, case_id)
        version = session.get(ProcessVersion, case.process_version_id)
        clock = session.scalar(select(Clock).where(Clock.case_id == case_id, Clock.spec == TASK))
        form = bundles.form_of(version, FORM)
        label = next(c["label"] for c in form["components"] if c.get("key") == FIELD)
        return clock.limit_days, label, version.version


def task_labels_on_page(page, server, engine_sessions, case_id) -> list[str]:
    """The field labels the officer sees on the case's 立案呈批 task form (form-js renders the case's bundle form)."""
    with engine_sessions() as session:
        task_id = session.scalar(select(HumanTask.id).where(HumanTask.case_id == case_id, HumanTask.task_spec == TASK))
    page.goto(server + f"/tasks/{task_id}")
    page.wait_for_selector("#form[data-ready=true]")
    return [t.strip().rstrip("*").strip() for t in page.locator("#form .fjs-form-field-label").all_inner_texts()]


def test_designer_changes_deadline_and_label_and_deploys(page, server, engine_sessions, chromium):
    before = start_ordinary(engine_sessions)
    old_days, old_label, old_version = facts(engine_sessions, before)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(f"{msg.text} {msg.location}") if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    login(page, server, "designer")
    page.goto(server + "/design")
    shot(page, "design-01-procedures")
    proc = page.locator("article.proc[data-key=ordinary_procedure]")
    proc.locator("tr.v-deployed button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/design/drafts/\d+"))
    page.wait_for_selector("#editor[data-ready='1']")

    page.click(f"g[data-element-id={TASK}]")
    deadline = page.locator("#bio-properties-panel-zhifa-deadline")
    deadline.wait_for()
    assert deadline.input_value() == f"{old_days}wd"
    deadline.fill("twenty days")
    badge = page.locator(f".problem-badge.error[data-element={TASK}]")
    badge.wait_for()
    assert "deadline" in badge.get_attribute("title")
    shot(page, "design-02-problem-on-element")
    deadline.fill(f"{old_days + 5}wd")
    badge.wait_for(state="detached")

    # The form editor: the field's label is a CodeMirror (FEEL-capable) field in form-js's "General" group, which
    # the page opens when a field is selected.
    page.click("[data-tab=forms]")
    page.select_option("#form-key", FORM)
    page.wait_for_selector(f"#editor[data-form={FORM}]")
    assert "立案呈批" in page.locator("#form-key option:checked").inner_text()  # forms are named after their steps
    form = page.frame_locator("#form-frame")
    form.locator(f"[data-id=Field_{FIELD}]").click()
    form.locator(f".fjs-properties-panel[data-field=Field_{FIELD}]").wait_for()
    label = form.locator("[data-group-id=group-general] #bio-properties-panel-label")
    assert label.inner_text() == old_label
    label.fill(NEW_LABEL)
    form.locator(f"[data-id=Field_{FIELD}] .fjs-form-field-label:has-text('{NEW_LABEL}')").wait_for()
    shot(page, "design-03-form-label")
    page.fill("#deploy-note", "立案呈批期限延长至20个工作日；字段改名")
    page.click("#btn-deploy")
    page.wait_for_selector("#editor[data-deployed]")
    assert page.locator("#editor").get_attribute("data-deployed") == str(old_version + 1)
    assert errors == [], errors

    after = start_ordinary(engine_sessions)
    assert facts(engine_sessions, after) == (old_days + 5, NEW_LABEL, old_version + 1)
    assert facts(engine_sessions, before) == (old_days, old_label, old_version)
    # what the officer sees: the new case's task form has the new label, the old case's keeps the old one
    officer = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    login(officer, server, "cn_officer1")
    new_labels = task_labels_on_page(officer, server, engine_sessions, after)
    assert NEW_LABEL in new_labels and old_label not in new_labels, new_labels
    shot(officer, "design-05-new-case-label")
    old_labels = task_labels_on_page(officer, server, engine_sessions, before)
    assert old_label in old_labels and NEW_LABEL not in old_labels, old_labels
    officer.context.close()

    page.goto(server + f"/design/ordinary_procedure/diff?from={old_version}&to={old_version + 1}")
    page.wait_for_selector("#diff-canvas[data-ready='1']")
    elements = page.locator("#element-changes > li")
    assert elements.count() == 1 and "立案呈批" in elements.inner_text() and "期限" in elements.inner_text()
    assert "deadline" not in elements.inner_text()  # property names in words
    fields = page.locator("#field-changes > li")
    assert fields.count() == 1 and NEW_LABEL in fields.inner_text() and old_label in fields.inner_text()
    assert page.locator(f"g[data-element-id={TASK}].diff-changed").count() == 1
    shot(page, "design-04-diff")


def test_design_pages_are_404_for_others(page, server):
    login(page, server, "cn_officer1")
    assert page.goto(server + "/design").status == 404
    assert page.locator("nav.main a[href='/design']").count() == 0
