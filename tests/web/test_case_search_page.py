"""The /cases page over the test client: Chinese, names not keys, filters, 422 on bad dates, badges for auditors."""
from __future__ import annotations

import re

import pytest

from engine.integrity import sweep
from tests.api.conftest import app, auth, client, start, test_processes, token  # noqa: F401  (fixtures)
from tests.api.test_case_search import LI, WANG


@pytest.fixture
def web_login(client):
    def _login(username: str):
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        r = client.post("/login", data={"username": username, "password": "zhifa-demo", "csrf_token": token})
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return _login


def test_search_page_lists_names_and_filters(client, web_login, start, sessions):
    wang = start("cn_officer1", "chengnan", party=WANG)
    start("cn_officer1", "chengnan", party=LI)
    web_login("cn_officer1")
    html = client.get("/cases").get_data(as_text=True)
    assert "案件" in html and "当事人姓名或证件号码" in html and "共 2 件案件" in html
    assert "城南街道" in html and "王小明" in html and "李四" in html
    assert "chengnan" not in re.sub(r'value="[^"]*"', "", html)   # unit ids only inside option values
    assert "完整性" not in html                                        # no integrity column for officers
    html = client.get("/cases", query_string={"party": "王小"}).get_data(as_text=True)
    assert wang["number"] in html and "李四" not in html
    bad = client.get("/cases", query_string={"opened_from": "2026-13-01"})
    assert bad.status_code == 422 and "日期格式应为" in bad.get_data(as_text=True)
    backwards = client.get("/cases", query_string={"opened_from": "2026-03-10", "opened_to": "2026-03-01"})
    assert backwards.status_code == 422 and "日期范围无效" in backwards.get_data(as_text=True)


def test_auditor_sees_integrity_badges(client, web_login, start, sessions):
    start("cn_officer1", "chengnan", party=WANG)
    sweep(sessions, limit=10, min_age_seconds=0)
    web_login("auditor")
    html = client.get("/cases").get_data(as_text=True)
    assert "完整性" in html and 'class="verdict intact"' in html
    html = client.get("/cases", query_string={"integrity": "altered"}).get_data(as_text=True)
    assert "没有符合条件的案件" in html


def test_case_page_warns_auditors_of_data_altered_in_sql(client, web_login, start, sessions, backend):
    from sqlalchemy import text
    case = start("cn_officer1", "chengnan", party=WANG, data={"summary": "占道经营"})
    with sessions() as session:
        if backend == "postgresql":
            session.execute(text("UPDATE cases SET data = jsonb_set(data, '{summary}', '\"无违法\"') WHERE id = :i"),
                            {"i": case["id"]})
        else:
            session.execute(text("UPDATE cases SET data = json_set(data, '$.summary', '无违法') WHERE id = :i"),
                            {"i": case["id"]})
        session.commit()
    web_login("cn_officer1")
    assert "integrity-banner" not in client.get(f"/cases/{case['id']}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', client.get(
        "/cases").get_data(as_text=True)).group(1)})
    web_login("auditor")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert 'data-verdict="altered"' in html and 'data-step="1"' in html
    assert "第 1 步被篡改" in html and "以事件记录为准" in html
    assert "无违法" in html and "占道经营" in html                     # stored vs per the log
    # what the auditor saw is recorded: the search finds it as altered
    listed = client.get("/cases", query_string={"integrity": "altered"}).get_data(as_text=True)
    assert case["number"] in listed


def test_history_page_words_and_access_log(client, web_login, start, sessions, auth):
    import json
    case = start("cn_officer1", "chengnan", party=WANG, data={"summary": "占道经营"})
    task = case["tasks"][0]["id"]
    h = auth("cn_officer1")
    assert client.post(f"/api/v1/tasks/{task}/claim", headers=h).status_code == 200
    assert client.post(f"/api/v1/tasks/{task}/complete", json={"data": {"decision": "violation", "note": "属实"}},
                       headers=h).status_code == 200
    web_login("auditor")
    html = client.get(f"/cases/{case['id']}/history").get_data(as_text=True)
    steps = json.loads(re.search(r'<script type="application/json" id="steps">(.*?)</script>', html, re.S).group(1))
    labels = [s["label"] for s in steps]
    assert labels == ["案件发起", "环节到达", "认领", "办结", "流转判断", "环节到达"], labels
    done = next(s for s in steps if s["element"] == "Check the site" and s["changes"])
    assert done["who"] and done["role"] == "执法队员" and done["unit"] == "城南街道综合行政执法队"
    assert {"label": "Decision", "before": "", "after": "Violation"} in done["changes"]
    assert "Task_check" in done["completed"] and done["active"] == []
    assert steps[-1]["active"] == ["Task_approve"] and {"Task_check", "Gw"} <= set(steps[-1]["completed"])
    assert ["Gw", "Task_approve"] in steps[-1]["taken"] and steps[-1]["open"][0]["title"] == "Approve the finding"
    gateway = next(s for s in steps if s["decision"])
    assert "走向" in gateway["decision"]
    assert "查看办理历史" not in html
    # the view is in the access log an administrator reads
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)})
    web_login("admin")
    log = client.get("/audit/access-log").get_data(as_text=True)
    assert "查看办理历史" in log and case["number"] in log


def test_capped_count_and_next_pages_by_cursor(client, web_login, start, monkeypatch):
    """Past the counted total the page goes on by keyset: 「N 条以上」, then 下一页 links to the last case."""
    import html as html_lib
    from api.web.views import search
    from engine import caselist
    monkeypatch.setattr(search, "PER_PAGE", 1)
    monkeypatch.setattr(caselist, "COUNT_CAP", 1)
    numbers = [start("cn_officer1", "chengnan", party=WANG)["number"] for _ in range(3)][::-1]   # newest first
    web_login("cn_officer1")
    html = client.get("/cases").get_data(as_text=True)
    assert "1 条以上，请缩小检索范围" in html and numbers[0] in html
    seen = [numbers[0]]
    while (link := re.search(r'<a href="([^"]+)" rel="next">', html)):
        html = client.get(html_lib.unescape(link.group(1))).get_data(as_text=True)
        assert "第一页" in html and f"第 {len(seen) + 1} 页" in html
        seen += [n for n in numbers if n in html and n not in seen]
        assert len(seen) <= 3
    assert seen == numbers
