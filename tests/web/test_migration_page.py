"""迁移运行中的案件 in a real Chromium: from the procedure list to the dry-run table, move one case, revert it;
the page reads in Chinese without raw ids and works at 390 px."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine import bundles, deploy
from engine.db import transaction
from engine.models import Case, Clock, ProcessVersion
from tests.web.conftest import shot
from tests.web.test_design_editor import start_ordinary
from tests.web.test_officer_flow import login

pytestmark = pytest.mark.browser
TASK = "Task_FilingProposal"


def _deadline(engine_sessions, case_id) -> tuple[int, int]:
    with engine_sessions() as session:
        case = session.get(Case, case_id)
        clk = session.scalar(select(Clock).where(Clock.case_id == case_id, Clock.spec == TASK))
        return session.get(ProcessVersion, case.process_version_id).version, clk.limit_days


def _deploy_longer_deadline(engine_sessions, days: int) -> int:
    with transaction(engine_sessions) as session:
        latest = deploy.latest(session, "ordinary_procedure")
        sources = bundles.as_sources(latest.bundle)
        name = latest.file_name
        xml = sources.bpmn[name]
        start = xml.index(f'id="{TASK}"')
        head, tail = xml[:start], xml[start:]
        tail = re.sub(r'(name="deadline" value=")\d+wd', rf"\g<1>{days}wd", tail, count=1)
        sources.bpmn[name] = head + tail
        results = deploy.deploy_sources(session, sources, deployed_by="designer", note=f"立案呈批期限改为{days}个工作日",
                                        only="ordinary_procedure")
        return results[0].version


def test_designer_moves_a_running_case_and_reverts_it(page, server, engine_sessions):
    case_id = start_ordinary(engine_sessions)
    old_version, old_days = _deadline(engine_sessions, case_id)
    new_version = _deploy_longer_deadline(engine_sessions, old_days + 3)
    with engine_sessions() as session:
        number = session.get(Case, case_id).number
    login(page, server, "designer")
    page.goto(server + "/design")
    row = page.locator("article.proc[data-key=ordinary_procedure] tr", has=page.locator(
        f"td:text-is('v{old_version}')"))
    row.locator("a.migrate-link").click()
    page.wait_for_url(re.compile(r".*/migrate.*"))
    assert page.locator("select[name=to]").input_value() == str(new_version)
    assert "立案呈批" in page.locator("ul.element-changes").inner_text()
    assert "办理期限" in page.locator("ul.element-changes").inner_text()
    page.fill("textarea[name=reason]", "立案期限更正，在办案件按新期限办理")
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/design/migrations/\d+"))
    mine = page.locator("table.dry-run tr", has=page.locator(f"a:text-is('{number}')"))
    assert "可以迁移" in mine.inner_text() and "立案呈批" in mine.inner_text()
    text = page.locator("main").inner_text()
    assert TASK not in text and "ordinary_procedure" not in text     # no raw ids on the page
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "migration-01-dry-run-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.set_viewport_size({"width": 1366, "height": 768})
    shot(page, "migration-02-dry-run")
    mine.locator("input[type=checkbox]").check()
    page.click("button.move-selected")
    # the move runs in the background: the run's page shows its progress, reloading itself until it is done
    page.wait_for_url(re.compile(r".*/design/migration-runs/\d+"))
    page.wait_for_selector("section.migration-run[data-state=done]", timeout=30_000)
    status = page.locator(".run-status").inner_text()
    assert "已完成" in status and "已处理 1 / 1 件（100%）" in status
    assert [page.locator(f"li.{c} strong").inner_text() for c in ("c-moved", "c-refused", "c-failed")] == ["1", "0", "0"]
    facts = page.locator("dl.plan-facts").inner_text()
    assert "流程设计员" in facts                        # who started it, by name
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", facts)
    assert _deadline(engine_sessions, case_id) == (new_version, old_days + 3)
    moved = page.locator("table.run-moved tr", has=page.locator(f"a:text-is('{number}')"))
    assert "期限" in moved.inner_text()
    text = page.locator("main").inner_text()
    assert TASK not in text and "ordinary_procedure" not in text and "{" not in text
    shot(page, "migration-03-run-done")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "migration-04-run-done-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator("a.lang").click()                     # English, complete
    page.wait_for_selector("html[lang=en]")
    status = page.locator(".run-status").inner_text()
    assert "Done" in status and "1 of 1 cases dealt with (100%)" in status and "Moved cases" in status
    assert "Started by" in page.locator("dl.plan-facts").inner_text()
    assert not re.search(r"[\u4e00-\u9fff]", page.locator(".run-status").inner_text())
    shot(page, "migration-04b-run-done-en")
    page.locator("a.lang").click()
    page.wait_for_selector("html[lang=zh-CN]")
    moved.locator("button.revert").click()
    page.wait_for_selector(".flash")
    assert "已撤销" in page.locator(".flash").first.inner_text()
    assert _deadline(engine_sessions, case_id) == (old_version, old_days)
    # the plan's page lists the run
    assert "已迁移 1 / 1 件" in page.locator("ul.run-list").inner_text()

    # a run cut short by a restart (its executor stopped writing long ago) shows as interrupted and continues
    run_id = _interrupted_run(engine_sessions, page.url, case_id)
    page.goto(f"{server}/design/migration-runs/{run_id}")
    assert page.locator("section.migration-run").get_attribute("data-state") == "interrupted"
    assert "已中断" in page.locator(".run-status").inner_text()
    shot(page, "migration-05-run-interrupted")
    page.click("button.resume")
    page.wait_for_selector("section.migration-run[data-state=done]", timeout=30_000)
    assert "中断后继续" in page.locator("dl.plan-facts").inner_text()
    assert _deadline(engine_sessions, case_id) == (new_version, old_days + 3)


def _interrupted_run(engine_sessions, plan_url: str, case_id: int) -> int:
    from datetime import timedelta
    from engine import clock
    from engine.models import MigrationRun, User
    plan_id = int(re.search(r"/design/migrations/(\d+)", plan_url).group(1))
    with transaction(engine_sessions) as session:
        designer = session.scalar(select(User).where(User.username == "designer"))
        long_ago = clock.now() - timedelta(minutes=5)
        run = MigrationRun(plan_id=plan_id, state="running", case_ids=[case_id], position=0, total=1, moved=0,
                           refused=0, failed=0, problems=[], resumed=0, lease="a-stopped-worker",
                           heartbeat_at=long_ago, created_by=designer.id, created_by_name="designer",
                           created_at=long_ago, started_at=long_ago)
        session.add(run)
        session.flush()
        return run.id
