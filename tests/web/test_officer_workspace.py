"""The officers' workspace in a real Chromium: evidence photo → the reviewer's case file, the leader assigns by
name, the 决定书 PDF, a supervisor's 催办单 reaching the officer, the conversion banner, Chinese field errors,
and the phone layout (390 px) — screenshots in both languages."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from engine import cases, tasks
from engine.db import transaction
from engine.models import Clock, HumanTask, User
from engine.org import actor_for
from tests.processes import PERSON
from tests.processes.test_ordinary import (INTAKE, NOTICE, PROPOSAL, SERVICE, STATEMENT, approval, decision,
                                           investigation, report, review)
from tests.processes.test_simple import INTAKE as SIMPLE_INTAKE, record
from tests.web.conftest import shot
from tests.web.test_officer_flow import login, logout

pytestmark = pytest.mark.browser


def who(session, username):
    return actor_for(session, session.scalar(select(User).where(User.username == username)))


def start(engine_sessions, process="ordinary_procedure", data=INTAKE, user="cn_officer1") -> tuple[int, str]:
    with transaction(engine_sessions) as s:
        case = cases.start_case(s, who(s, user), process, "chengnan", data, party=PERSON)
        return case.id, case.number


def open_task(engine_sessions, case_id, spec=None) -> str:
    with engine_sessions() as s:
        q = select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state.in_(("ready", "claimed")))
        rows = [t for t in s.scalars(q) if spec is None or t.task_spec == spec]
        return rows[0].id


def do(engine_sessions, case_id, user, data, spec=None):
    tid = open_task(engine_sessions, case_id, spec)
    with transaction(engine_sessions) as s:
        tasks.complete(s, who(s, user), tid, data)


def photo_bytes() -> bytes:
    out = io.BytesIO()
    img = Image.new("RGB", (1200, 900), (90, 140, 200))
    for x in range(0, 1200, 60):
        for y in range(0, 900, 4):
            img.putpixel((x, y), (250, 250, 250))
    img.save(out, "JPEG")
    return out.getvalue()


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide at {page.viewport_size['width']}px"


def test_evidence_review_assign_and_decision_letter(page, server, engine_sessions, chromium):
    case_id, number = start(engine_sessions)
    do(engine_sessions, case_id, "cn_officer1", PROPOSAL)
    do(engine_sessions, case_id, "cn_leader", approval())

    # the officer photographs the site on the investigation step
    login(page, server, "cn_officer1")
    page.goto(f"{server}/tasks/{open_task(engine_sessions, case_id)}")
    page.click("#claim")
    page.wait_for_selector("form.upload")
    page.set_input_files("form.upload input[name=camera]",
                         files=[{"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
    page.wait_for_selector("ul.files img.thumb")
    shot(page, "w01-task-evidence-zh")
    do(engine_sessions, case_id, "cn_officer1", investigation("cn_officer2"))
    do(engine_sessions, case_id, "cn_officer1", report(fine=2000))
    logout(page)

    # the squad leader gives the review to the reviewer, picked by name
    login(page, server, "cn_leader")
    page.goto(f"{server}/inbox?tab=unit")
    row = page.locator(f"tr[data-case='{number}']")
    row.locator("select[name=assignee]").select_option(label="城南案件审核员 张琳")
    row.locator("form.assign button").click()
    page.wait_for_selector(".flash")
    assert "已交办给 城南案件审核员 张琳" in page.locator(".flash").inner_text()
    shot(page, "w02-inbox-leader-assign-zh")
    logout(page)

    # the reviewer sees the investigation's facts and the photo in the case file beside the form
    login(page, server, "cn_reviewer")
    page.goto(f"{server}/tasks/{open_task(engine_sessions, case_id)}")
    casefile = page.locator(".casefile")
    step = casefile.locator("details.step", has_text="调查取证")
    step.locator("summary").click() if not step.get_attribute("open") else None
    text = casefile.inner_text()
    assert "现场检查笔录" in text and "城南执法队员 吕芳" in text and "2,000 元" in text
    assert casefile.locator("img.thumb").first.is_visible()
    for raw in ("co_officer", "investigators", "fine_amount", "Task_", "Gw_", "{"):
        assert raw not in page.locator("main").inner_text(), raw
    shot(page, "w03-review-casefile-zh")
    page.click("a.lang")
    page.wait_for_selector("html[lang=en]")
    assert "Case file" in page.locator("main").inner_text()
    shot(page, "w03-review-casefile-en")
    page.click("a.lang")
    page.wait_for_selector("html[lang=zh-CN]")
    logout(page)

    # on to the decision: the 决定书 is issued with its number and downloads as a PDF
    do(engine_sessions, case_id, "cn_reviewer", review())
    do(engine_sessions, case_id, "cn_officer1", NOTICE)
    do(engine_sessions, case_id, "cn_officer1", STATEMENT)
    do(engine_sessions, case_id, "cn_head", decision(fine=2000))
    do(engine_sessions, case_id, "cn_officer1", SERVICE)
    login(page, server, "cn_officer1")
    page.goto(f"{server}/cases/{case_id}")
    link = page.locator("ul.docs a.doc", has_text="行政处罚决定书").first
    doc_number = link.locator("xpath=..").locator(".muted").inner_text()
    assert re.fullmatch(r"城南街道综执罚决字〔\d{4}〕第\d+号", doc_number)
    with page.expect_download() as download:
        link.click()
    pdf = download.value.path().read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    for expected in (number, PERSON["name"], "2,000 元", doc_number):
        assert expected in text, expected
    assert "办案期限" in page.locator("dl.facts").inner_text() and "截止" in page.locator("dl.facts").inner_text()
    shot(page, "w04-case-file-zh")

    # the phone: no sideways scrolling, tap targets of at least 40 px
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                 has_touch=True)
    mobile = phone.new_page()
    mobile.set_default_timeout(60000)
    login(mobile, server, "cn_officer1")
    for path, name in (("/inbox", "w05-phone-inbox"), (f"/cases/{case_id}", "w05-phone-case"),
                       (f"/tasks/{open_task(engine_sessions, case_id)}", "w05-phone-task")):
        mobile.goto(server + path)
        mobile.wait_for_load_state("networkidle")
        no_sideways_scroll(mobile)
        small = mobile.evaluate("""() => [...document.querySelectorAll('main button, main a, header a, form.upload label')]
            .filter(e => e.offsetParent && e.getBoundingClientRect().height < 40 && !e.closest('.djs-container') && !e.closest('.bjs-container')
                         && !e.closest('.fjs-container') && !e.closest('dd') && !e.closest('.timeline'))
            .map(e => e.textContent.trim().slice(0, 20))""")
        assert small == [], f"{path}: tap targets under 40 px: {small}"
        shot(mobile, name)
    phone.close()


def test_supervisor_urges_conversion_banner_and_chinese_field_errors(page, server, engine_sessions):
    # a simple case over the caps becomes an ordinary case: banners link both ways
    simple_id, simple_number = start(engine_sessions, "simple_procedure", SIMPLE_INTAKE)
    do(engine_sessions, simple_id, "cn_officer1", record("fine", 5000))
    login(page, server, "cn_officer1")
    page.goto(f"{server}/cases/{simple_id}")
    banner = page.locator(".banner.child")
    assert "转为普通程序" in banner.inner_text()
    shot(page, "w06-converted-banner-zh")
    banner.locator("a.case-link").click()
    page.wait_for_selector(".banner.parent")
    assert simple_number in page.locator(".banner.parent").inner_text()
    child_url = page.url

    # a field error in Chinese at the field (form-js's own validation)
    page.goto(f"{server}/tasks/{open_task(engine_sessions, int(child_url.rsplit('/', 1)[1]))}")
    page.click("#claim")
    page.wait_for_selector("#form[data-ready=true]")
    page.click("#complete")
    page.wait_for_selector(".fjs-form-field-error")
    assert "必填项" in page.locator(".fjs-form-field-error").first.inner_text()
    shot(page, "w07-field-error-zh")
    logout(page)

    # a red task: the supervisor issues a 催办单 on the supervision page; the officer is notified
    case_id, number = start(engine_sessions)
    with transaction(engine_sessions) as s:
        for clk in s.scalars(select(Clock).where(Clock.case_id == case_id)):
            clk.colour = "red"
    login(page, server, "supervisor")
    page.goto(f"{server}/supervision")
    summary = page.locator("tr[data-unit=chengnan] [data-colour=red]").inner_text()
    api = page.request.get(f"{server}/api/v1/supervision/summary").json()
    assert int(summary) == next(r["red"] for r in api if r["unit_id"] == "chengnan")
    row = page.locator("tr[data-clock]", has_text=number).first
    row.locator("input[name=reason]").first.fill("请于三个工作日内立案")
    row.locator("button.urge").click()
    page.wait_for_selector(".flash")
    assert "催办单已发出" in page.locator(".flash").inner_text()
    shot(page, "w08-supervision-zh")
    logout(page)
    login(page, server, "cn_officer1")
    badge = page.locator("#notifications .count")
    assert int(badge.inner_text()) >= 1
    page.click("#notifications")
    assert "请于三个工作日内立案" in page.locator("ul.notifications").inner_text()
    shot(page, "w09-notifications-zh")
    page.click("#read-all")
    page.wait_for_url(re.compile(r".*/notifications"))
    assert page.locator("#notifications .count").count() == 0


CN_MONTHS = ("一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月")


def test_date_picker_in_chinese_and_english(page, server, engine_sessions):
    """form-js's date picker: Chinese month and weekday names, weeks from Monday, dates as the law writes them
    (2026年11月30日) — and the ISO date is what the server receives. English stays English."""
    case_id, _number = start(engine_sessions)
    tid = open_task(engine_sessions, case_id)
    with transaction(engine_sessions) as s:
        tasks.claim(s, who(s, "cn_officer1"), tid)  # the form is editable for its assignee
    login(page, server, "cn_officer1")
    page.goto(f"{server}/tasks/{tid}")
    page.wait_for_selector("#form[data-ready=true]")
    date_input = page.locator("#form input.flatpickr-input").first
    label = page.locator(f"#form label[for='{date_input.get_attribute('id')}']").inner_text()
    assert label.rstrip("*").strip() == "违法行为发生日期", label  # every date field has its label
    date_input.click()
    calendar = page.locator(".flatpickr-calendar.open")
    calendar.wait_for()
    month = calendar.locator(".flatpickr-monthDropdown-months").evaluate("s => s.options[s.selectedIndex].text")
    assert month in CN_MONTHS, month
    weekdays = calendar.locator(".flatpickr-weekday").all_inner_texts()
    assert [w.strip() for w in weekdays][:2] == ["周一", "周二"], weekdays  # a week starts on Monday
    assert date_input.get_attribute("placeholder") == "如：2026年11月30日"
    shot(page, "officer-date-picker-zh")
    calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text="15").first.click()
    assert re.fullmatch(r"\d{4}年\d{1,2}月15日", date_input.input_value()), date_input.input_value()
    # form-js takes the pick into its state on its next render and then writes the field from the state: typing
    # before that render would be overwritten (no person types within milliseconds of a click; a test does)
    holds = "iso => Object.values(document.getElementById('form').zhifaForm._getState().data).includes(iso)"
    picked = date_input.input_value().replace("年", "-").replace("月", "-").replace("日", "").split("-")
    page.wait_for_function(holds, arg=f"{picked[0]}-{int(picked[1]):02d}-15", timeout=5000)
    # typed as an officer would (into the field, clicked): the ISO form is read too, and shown the law's way
    date_input.click()
    date_input.fill("2026-11-30")
    page.keyboard.press("Enter")
    page.locator("h1").first.click()
    assert date_input.input_value() == "2026年11月30日"
    key = date_input.get_attribute("id")
    # what the server receives stays an ISO date
    page.wait_for_function(holds, arg="2026-11-30", timeout=5000)
    page.click("a.lang")  # English: flatpickr's own English names
    page.wait_for_selector("#form[data-ready=true]")
    page.locator("#form input.flatpickr-input").first.click()
    calendar = page.locator(".flatpickr-calendar.open")
    calendar.wait_for()
    month = calendar.locator(".flatpickr-monthDropdown-months").evaluate("s => s.options[s.selectedIndex].text")
    assert month in ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                     "October", "November", "December"), month
    shot(page, "officer-date-picker-en")
    page.click("a.lang")
