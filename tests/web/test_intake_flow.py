"""Intake in the browser: the dispatcher registers leads, a township leader opens a case or returns a lead,
the dispatcher re-routes it; every page at desktop width and at 390 px (screenshots in test-artifacts/)."""
import re

import pytest

from tests.web.conftest import shot
from tests.web.test_officer_flow import login, logout

pytestmark = pytest.mark.browser


def _register(page, server, text, place, channel="hotline_12345"):
    page.goto(server + "/intake")
    page.click("details summary")
    page.select_option("select[name=channel]", channel)
    page.fill("textarea[name=text]", text)
    page.fill("input[name=place]", place)
    page.fill("input[name=reporter_name]", "李女士")
    page.click("form.lead-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/intake/leads/\d+"))
    return int(page.url.rsplit("/", 1)[1])


WIDE = """() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right >
    window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _no_horizontal_scroll(page):
    """Nothing in the page's content is wider than the phone (the shared header is the officers' workspace's)."""
    assert page.evaluate(WIDE) == [], page.url


def test_dispatcher_and_township_leader_from_lead_to_case(page, server):
    login(page, server, "dispatcher")
    page.goto(server + "/intake")
    assert "待派单" in page.inner_text("h1")
    stall = _register(page, server, "市民来电：城南路12号门口有人占道经营卖水果，堵住人行道", "城南路12号")
    body = page.inner_text("main")
    assert "已派单" in body or "核查中" in body
    assert "城南街道综合行政执法队" in body and "自动派单" in body and "李女士" in body
    shot(page, "intake-lead-dispatched")

    fumes = _register(page, server, "南湖路一家烧烤店油烟很大，熏得楼上住户不能开窗", "南湖路8号", "complaint")
    unknown = _register(page, server, "有人在路口摆摊占道经营卖菜", "花园路口", "grid")
    assert "地点无法识别" in page.inner_text("main")
    page.goto(server + "/intake")
    assert page.locator(f"a[href$='/intake/leads/{unknown}']").count() == 1
    shot(page, "intake-dispatcher-queue")
    logout(page)

    login(page, server, "cn_leader")
    page.goto(server + "/intake")
    assert "本单位收到的线索" in page.inner_text("h1")
    assert page.locator(f"a[href$='/intake/leads/{stall}']").count() == 1
    assert page.locator(f"a[href$='/intake/leads/{unknown}']").count() == 0
    shot(page, "intake-unit-inbox")
    page.goto(f"{server}/intake/leads/{stall}")
    assert "李女士" not in page.inner_text("main"), "the reporter is for the dispatcher only"
    assert "剩余 15 个工作日" in page.inner_text("main")
    page.select_option("select[name=procedure]", "simple_procedure")
    page.click("form.act:has(select[name=procedure]) button")
    page.wait_for_url(re.compile(rf".*/intake/leads/{stall}"))
    assert "已由线索立案" in page.inner_text("main")
    case_link = page.locator("a[href*='/cases/']").first
    assert "城南街道综执罚" in case_link.inner_text()
    shot(page, "intake-lead-accepted")

    page.goto(f"{server}/intake/leads/{fumes}")
    page.fill("form[action$='/return'] input[name=reason]", "该店实际位于城北街道滨河路，非本街道辖区")
    page.click("form[action$='/return'] button")
    page.wait_for_url(re.compile(rf".*/intake/leads/{fumes}"))
    assert "已退回指挥中心" in page.inner_text("main")
    logout(page)

    login(page, server, "dispatcher")
    page.goto(server + "/intake")
    card = page.locator("article.lead-card", has=page.locator(f"a[href$='/intake/leads/{fumes}']"))
    assert "非本街道辖区" in card.inner_text() and "曾退单" in card.inner_text()
    card.locator("select[name=unit]").select_option("chengbei")
    card.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/intake/leads/{fumes}"))
    body = page.inner_text("main")
    assert "城北街道综合行政执法队" in body and "退单" in body
    shot(page, "intake-lead-rerouted")

    page.goto(server + "/supervision")
    stats = page.inner_text("#leads")
    assert "城南街道综合行政执法队" in stats and "城北街道综合行政执法队" in stats
    shot(page, "intake-supervision")

    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in (("/intake", "intake-queue-390"), (f"/intake/leads/{fumes}", "intake-lead-390"),
                       ("/supervision", "intake-supervision-390")):
        page.goto(server + path)
        _no_horizontal_scroll(page)
        shot(page, name)
    logout(page)

    login(page, server, "cb_leader")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/intake/leads/{fumes}")
    _no_horizontal_scroll(page)
    assert page.locator("form[action$='/return']").count() == 1
    shot(page, "intake-township-lead-390")


def test_catalogue_page_for_administrators(page, server):
    login(page, server, "admin")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/intake/catalogue")
    assert "执法事项目录" in page.inner_text("h1")
    assert page.locator("input[type=file][name=file]").count() == 1
    page.click("details:has-text('市容环卫') summary")
    assert "城市市容和环境卫生管理条例" in page.inner_text("main")
    _no_horizontal_scroll(page)
    shot(page, "intake-catalogue-390")
