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
