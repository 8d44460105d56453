"""Inbox totals are exact up to the cap and "10,000+" (「10,000 条以上」) above it — in the API and on the page.

The cap is lowered to 3 here so that a handful of real tasks crosses it."""
from __future__ import annotations

import re

import pytest

from api.web.views.inbox import pager
from engine import inbox


@pytest.fixture
def login(client):
    def _login(username: str) -> None:
        with client.session_transaction() as s:
            s.clear()
        client.get("/login")
        with client.session_transaction() as s:
            token = s.get("web_csrf")
        r = client.post("/login", data={"username": username, "password": "zhifa-demo", "csrf_token": token})
        assert r.status_code == 302
    return _login


def tab_count(html: str, tab: str) -> str:
    found = re.search(rf'data-tab="{tab}">[^<]*<span class="count">([^<]*)</span>', html)
    assert found, html[:2000]
    return found.group(1)


def test_totals_are_exact_below_the_cap_and_marked_above(client, auth, start, monkeypatch, login):
    for _ in range(5):
        start("cn_officer1", "chengnan")
    h = auth("cn_officer2")
    page = client.get("/api/v1/tasks/claimable?per_page=2", headers=h).json
    assert page["total"] == 5 and page["total_capped"] is False and len(page["items"]) == 2

    monkeypatch.setattr(inbox, "COUNT_CAP", 3)
    page = client.get("/api/v1/tasks/claimable?per_page=2", headers=h).json
    assert page["total"] == 3 and page["total_capped"] is True and len(page["items"]) == 2
    last = client.get("/api/v1/tasks/claimable?per_page=2&page=3", headers=h).json
    assert len(last["items"]) == 1                       # the pages themselves are not capped
    exact = client.get("/api/v1/tasks/claimable?task_name=nothing-like-this", headers=h).json
    assert exact["total"] == 0 and exact["total_capped"] is False

    login("cn_officer2")
    html = client.get("/inbox?tab=claimable").get_data(as_text=True)
    assert tab_count(html, "claimable") == "3 条以上" and tab_count(html, "mine") == "0"
    with client.session_transaction() as s:
        s["lang"] = "en"
    html = client.get("/inbox?tab=claimable").get_data(as_text=True)
    assert tab_count(html, "claimable") == "3+"


def test_pager_shows_ends_and_neighbours():
    assert pager(1, 1) == [1]
    assert pager(1, 5) == [1, 2, 3, 4, 5]
    assert pager(7, 400) == [1, None, 5, 6, 7, 8, 9, None, 400]
    assert pager(400, 400) == [1, None, 398, 399, 400]
