"""Engine refusals through HTTP speak the client's language: Chinese by default and for ``zh-CN``, English for
``en``. A Chinese-language client never receives an English-only ``detail`` or field message."""
from __future__ import annotations

import re

import pytest

CJK = re.compile(r"[\u4e00-\u9fff]")


def _both(client, method, url, headers, **kw):
    zh = client.open(url, method=method, headers={**headers, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}, **kw)
    en = client.open(url, method=method, headers={**headers, "Accept-Language": "en-GB,en;q=0.9"}, **kw)
    return zh, en


def _check(zh, en, status):
    assert zh.status_code == en.status_code == status, (zh.json, en.json)
    assert zh.mimetype == en.mimetype == "application/problem+json"
    assert CJK.search(zh.json["detail"]), f"a Chinese client got {zh.json['detail']!r}"
    assert not CJK.search(en.json["detail"]), f"an English client got {en.json['detail']!r}"
    for field, messages in (zh.json.get("errors") or {}).items():
        assert all(CJK.search(m) for m in messages), (field, messages)
    for field, messages in (en.json.get("errors") or {}).items():
        assert not any(CJK.search(m) for m in messages), (field, messages)
    return zh.json, en.json


@pytest.fixture
def case(start):
    return start("cn_officer1", "chengnan")


def test_task_refusals_in_both_languages(client, auth, case):
    tid = case["tasks"][0]["id"]
    zh, en = _check(*_both(client, "GET", "/api/v1/tasks/no-such-task", auth("cn_officer1")), 404)
    assert zh["detail"] == "任务不存在或不在您的办理范围内" and en["detail"] == "task no-such-task not found"
    # the reviewer may see the task but not do it: the role and unit are named in words
    zh, en = _check(*_both(client, "POST", f"/api/v1/tasks/{tid}/claim", auth("cn_reviewer")), 403)
    assert "执法队员" in zh["detail"] and "城南" in zh["detail"] and "officer" in en["detail"]
    # only a squad leader assigns
    _check(*_both(client, "POST", f"/api/v1/tasks/{tid}/assign", auth("cn_officer2"), json={"user": "cn_officer3"}),
           403)
    # an assignee without the task's role: the field message is Chinese too
    zh, en = _check(*_both(client, "POST", f"/api/v1/tasks/{tid}/assign", auth("cn_leader"),
                           json={"user": "cn_reviewer"}), 422)
    assert zh["errors"]["user"] == ["不是城南街道综合行政执法队的执法队员"]
    assert client.post(f"/api/v1/tasks/{tid}/claim", headers=auth("cn_officer2")).status_code == 200
    _check(*_both(client, "POST", f"/api/v1/tasks/{tid}/claim", auth("cn_officer1")), 409)
    _check(*_both(client, "POST", f"/api/v1/tasks/{tid}/unclaim", auth("cn_officer1")), 403)
    # a stale case version
    zh, _en = _check(*_both(client, "POST", f"/api/v1/tasks/{tid}/complete", auth("cn_officer2"),
                            json={"data": {"ok": True}, "expected_case_version": 0}), 409)
    assert case["number"] in zh["detail"] and "刷新" in zh["detail"]


def test_case_clock_and_notification_refusals(client, auth, case):
    zh, en = _check(*_both(client, "GET", "/api/v1/cases/2147483000", auth("cn_officer1")), 404)
    assert zh["detail"] == "案件不存在或不在您的办理范围内"
    _check(*_both(client, "GET", "/api/v1/clocks/2147483000", auth("cn_officer1")), 404)
    _check(*_both(client, "POST", "/api/v1/notifications/2147483000/read", auth("cn_officer1")), 404)
    _check(*_both(client, "GET", "/api/v1/tasks/unit", auth("cn_officer1")), 403)
    _check(*_both(client, "PUT", "/api/v1/calendar/2026-10-08", auth("cn_officer1"),
                  json={"workday": True}), 403)


def test_party_and_form_field_messages(client, auth, test_processes):
    body = {"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s"},
            "party": {"kind": "person", "name": "张三", "id_number": "110101199003070000"}}
    zh, en = _check(*_both(client, "POST", "/api/v1/cases", auth("cn_officer1"), json=body), 422)
    assert zh["errors"]["party.id_number"] == ["不是有效的18位居民身份证号码，请核对校验位"]
    assert en["errors"]["party.id_number"] == ["not a valid 18-digit resident identity number"]
    body = {"procedure": "api_review", "unit": "chengnan", "data": {}}
    zh, en = _check(*_both(client, "POST", "/api/v1/cases", auth("cn_officer1"), json=body), 422)
    assert zh["detail"].startswith("有 1 项填写不正确") and en["detail"].startswith("1 invalid field")
    _check(*_both(client, "POST", "/api/v1/cases", auth("cn_reviewer"),
                  json={"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s"}}), 403)
    _check(*_both(client, "POST", "/api/v1/cases", auth("cn_officer1"),
                  json={"procedure": "no_such_procedure", "unit": "chengnan", "data": {}}), 404)


def test_request_schema_refusals_in_both_languages(client, auth, case):
    tid = case["tasks"][0]["id"]
    zh, en = _check(*_both(client, "POST", f"/api/v1/tasks/{tid}/assign", auth("cn_leader"), json={}), 422)
    assert zh["detail"] == "请求中有字段不正确" and zh["errors"]["user"] == ["必填"]
    assert en["detail"] == "the request has invalid fields" and en["errors"]["user"] == ["Missing data for required field."]
    zh, _en = _check(*_both(client, "POST", f"/api/v1/tasks/{tid}/assign", auth("cn_leader"),
                            json={"user": "cn_officer3", "colour": "red"}), 422)
    assert zh["errors"]["colour"] == ["未知字段"]
