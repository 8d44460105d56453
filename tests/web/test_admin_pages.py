"""The /admin workspace in a real Chromium: an administrator adds a user and grants a role (at 1366 and 390 px);
the new user must set a new password at first sign-in, then works."""
from __future__ import annotations

import re

import pytest

from tests.web.conftest import shot
from tests.web.test_officer_flow import login

pytestmark = pytest.mark.browser


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_admin_adds_a_user_and_grants_a_role(page, server, chromium):
    login(page, server, "admin")
    page.click("nav.main >> text=系统管理")
    page.wait_for_url(re.compile(r".*/admin$"))
    assert page.locator(".adm-list strong", has_text="城南街道综合行政执法队").first.is_visible()
    shot(page, "admin-units")

    page.click(".adm-nav >> text=用户")
    page.fill("#add-user input[name=display_name]", "城南新队员 陈晨")
    page.fill("#add-user input[name=username]", "cn_chen")
    page.select_option("#add-user select[name=unit]", label="城南街道综合行政执法队")
    page.select_option("#add-user select[name=role]", label="执法队员")
    page.click("#add-user button[type=submit]")
    temp = page.locator("#temporary-password").inner_text().strip()
    assert len(temp) == 12
    shot(page, "admin-user-added")

    page.click("text=查看该用户")
    page.select_option("#grant select[name=unit]", label="城南街道综合行政执法队")
    page.select_option("#grant select[name=role]", label="案件审核员")
    page.fill("#grant input[name=valid_from]", "2026-01-01")
    page.click("#grant button[type=submit]")
    page.wait_for_selector("text=已授予角色。")
    roles = page.locator("#roles").inner_text()
    assert "执法队员" in roles and "案件审核员" in roles and "2026-01-01" in roles
    shot(page, "admin-user")

    page.click(".adm-nav >> text=变更记录")
    log = page.locator("main").inner_text()
    assert "新增用户" in log and "授予角色" in log and "cn_chen" in log

    # at 390 px: every admin page without horizontal scrolling
    small = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    mobile = small.new_page()
    mobile.set_default_timeout(60000)
    login(mobile, server, "admin")
    for path, name in (("/admin", "admin-units-390"), ("/admin/users", "admin-users-390"),
                       ("/admin/users/cn_chen", "admin-user-390"), ("/admin/changes", "admin-changes-390")):
        mobile.goto(server + path)
        assert no_horizontal_scroll(mobile), path
        shot(mobile, name)
    small.close()

    # the new user signs in with the temporary password and must choose a new one first
    fresh = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    user_page = fresh.new_page()
    user_page.set_default_timeout(60000)
    user_page.goto(server + "/login")
    user_page.fill("input[name=username]", "cn_chen")
    user_page.fill("input[name=password]", temp)
    user_page.click("button[type=submit]")
    user_page.wait_for_url(re.compile(r".*/account/password$"))
    assert "管理员已重置您的密码" in user_page.content() or "请设置新密码" in user_page.content()
    shot(user_page, "admin-password-390")
    user_page.fill("input[name=current_password]", temp)
    user_page.fill("input[name=new_password]", "Chenchen2026x")
    user_page.fill("input[name=repeat_password]", "Chenchen2026x")
    user_page.click("main button[type=submit]")
    user_page.wait_for_url(re.compile(r".*/inbox.*"))
    fresh.close()


def test_officers_cannot_open_admin(page, server):
    login(page, server, "cn_officer1")
    assert page.locator("nav.main >> text=系统管理").count() == 0
    response = page.goto(server + "/admin")
    assert response.status == 403
