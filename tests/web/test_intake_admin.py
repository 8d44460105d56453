"""Intake administration and lead photos in the browser, at 390 px: channel keys (issue once, revoke), editing
one matter, the gazetteer, a lead registered with a photo (screenshots in test-artifacts/)."""
import io
import re

import pytest
from PIL import Image

from tests.web.conftest import shot
from tests.web.test_intake_flow import _no_horizontal_scroll
from tests.web.test_officer_flow import login, logout

pytestmark = pytest.mark.browser


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (180, 60, 40)).save(out, "JPEG")
    return out.getvalue()


def test_admin_manages_channel_keys_matters_and_places_on_a_phone(page, server):
    login(page, server, "admin")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/intake/channels")
    assert "线索渠道" in page.inner_text("h1")
    card = page.locator("article[data-channel=grid]")
    card.locator("form[action$='/key'] button").click()
    key = page.locator("section.new-key input.key").input_value()
    assert key.startswith("zl_grid_") and "只显示这一次" in page.inner_text("section.new-key")
    _no_horizontal_scroll(page)
    shot(page, "intake-channels-key-390")
    page.goto(server + "/intake/channels")
    assert page.locator("section.new-key").count() == 0
    page.locator("article[data-channel=grid] form[action$='/revoke'] button").click()
    page.wait_for_url(re.compile(r".*/intake/channels$"))
    assert "无密钥" in page.locator("article[data-channel=grid]").inner_text()

    page.goto(server + "/intake/catalogue")
    page.click("details:has-text('市容环卫') summary")
    page.locator("a[href$='/intake/catalogue/matters/SR002']").click()
    page.wait_for_url(re.compile(r".*/matters/SR002$"))
    assert "编辑执法事项" in page.inner_text("h1")
    _no_horizontal_scroll(page)
    shot(page, "intake-matter-edit-390")
    keywords = page.locator("textarea[name=keywords]")
    keywords.fill(keywords.input_value() + "、门前摆卖")
    page.fill("input[name=note]", "增加关键词")
    page.click("form.matter-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/intake/catalogue$"))
    assert "已保存" in page.inner_text("main")

    page.goto(server + "/intake/places")
    assert "地名表" in page.inner_text("h1")
    page.click("details[data-unit=chengnan] summary")
    assert "城南路" in page.inner_text("details[data-unit=chengnan]")
    _no_horizontal_scroll(page)
    shot(page, "intake-places-390")
    logout(page)


def test_dispatcher_registers_a_lead_with_a_photo_the_unit_sees_it(page, server):
    login(page, server, "dispatcher")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/intake")
    page.click("details summary")
    page.fill("textarea[name=text]", "市民反映：文庙街有人占道经营摆摊卖水果，附现场照片")
    page.fill("input[name=place]", "文庙街3号")
    page.set_input_files("input[name=photos]", files=[{"name": "现场.jpg", "mimeType": "image/jpeg",
                                                       "buffer": _jpeg()}])
    page.click("form.lead-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/intake/leads/\d+"))
    lead_url = page.url
    panel = page.locator("section.lead-files")
    assert "现场.jpg" in panel.inner_text() and panel.locator("img.thumb").count() == 1
    _no_horizontal_scroll(page)
    shot(page, "intake-lead-photo-390")
    logout(page)
    login(page, server, "cn_officer1")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(lead_url)
    assert page.locator("section.lead-files img.thumb").count() == 1
    assert page.locator("section.lead-files form.upload").count() == 1, "the receiving unit may add photos"
    logout(page)
