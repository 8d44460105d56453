"""GET /api/v1/cases: every filter, sorting, scope, bounded counts, integrity filter for overseers."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from engine import caselist, clock
from engine.config import ROOT
from engine.db import transaction
from engine.deadlines import sweeps
from engine.deploy import deploy
from engine.integrity import sweep as integrity_sweep
from tests.api.conftest import API_DATA

WANG = {"kind": "person", "name": "王小明", "id_number": "11010519491231002X"}
LI = {"kind": "person", "name": "李四", "id_number": "110105198001010016"}
SHOP = {"kind": "organisation", "name": "城南便利店有限公司", "id_number": "91330102MA2H4K7L3F"}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [c["id"] for c in response.json["items"]]


@pytest.fixture
def deadline_process(sessions, test_processes):
    with transaction(sessions) as session:
        deploy(session, {"audit_deadline.bpmn": (API_DATA / "audit_deadline.bpmn").read_bytes(),
                         # closing a case with a party recomputes the party's colour (engine/entities)
                         "entity_colour.bpmn": (ROOT / "processes" / "entity_colour.bpmn").read_bytes()},
               {"entity_colour.dmn": (ROOT / "processes" / "entity_colour.dmn").read_bytes()})


@pytest.fixture
def population(client, auth, start, deadline_process):
    """Four chengnan cases on different days (one closed, one with an overdue clock) and one chengbei case."""
    clock.freeze(datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
    wang = start("cn_officer1", "chengnan", party=WANG)
    clock.advance(timedelta(days=10))
    li = start("cn_officer1", "chengnan", party=LI)
    task = li["tasks"][0]["id"]
    h = auth("cn_officer1")
    assert client.post(f"/api/v1/tasks/{task}/claim", headers=h).status_code == 200
    done = client.post(f"/api/v1/tasks/{task}/complete", json={"data": {"decision": "ok"}}, headers=h)
    assert done.status_code == 200 and done.json["case_state"] == "completed", done.json
    clock.advance(timedelta(days=10))
    late = start("cn_officer2", "chengnan", procedure="audit_deadline", party=SHOP)
    clock.advance(timedelta(days=1))
    fresh = start("cn_officer2", "chengnan", procedure="audit_deadline")
    cb = start("cb_officer1", "chengbei", party=WANG)
    return {"wang": wang["id"], "li": li["id"], "late": late["id"], "fresh": fresh["id"], "cb": cb["id"]}


def test_every_filter(client, auth, population, sessions):
    p = population
    h = auth("cn_officer1")
    get = lambda **q: ids(client.get("/api/v1/cases", query_string=q, headers=h))  # noqa: E731
    assert get() == [p["fresh"], p["late"], p["li"], p["wang"]]           # newest first, scope: no chengbei
    assert get(party="小明王") == [] and get(party="王小明") == [p["wang"]]
    assert get(party="小明") == [] and get(party="王小") == [p["wang"]]      # 1–2 characters: the name's start
    assert get(party="便利店") == [p["late"]]                                # 3 or more: anywhere in the name
    assert get(party="11010519491231002x") == [p["wang"]]                   # ID number, exact, any case
    assert get(party="91330102MA2H4K7L3F") == [p["late"]]                    # USCC
    assert get(party="1101051949") == []                                     # a part of an ID number is not a name
    with sessions() as session:
        from engine.models import Case
        number = session.get(Case, p["li"]).number
    assert get(number=number) == [p["li"]]
    assert get(number=number[-4:]) == [c for c in [p["fresh"], p["late"], p["li"], p["wang"]]
                                       if c == p["li"] or number[-4:] in _number(sessions, c)]
    assert get(procedure="audit_deadline") == [p["fresh"], p["late"]]
    assert get(unit="chengnan", state="completed") == [p["li"]]
    assert get(state="running") == [p["fresh"], p["late"], p["wang"]]
    assert get(opened_from="2026-03-10T00:00:00+08:00", opened_to="2026-03-20T00:00:00+08:00") == [p["li"]]
    assert get(closed_from="2026-03-01T00:00:00Z") == [p["li"]]
    assert get(closed_to="2026-03-05T00:00:00Z") == []
    assert get(sort="opened_at", order="asc") == [p["wang"], p["li"], p["late"], p["fresh"]]
    assert get(sort="closed_at") == [p["li"]]                                # closed cases only
    # deadline colours come from the clocks: 3 working days from Sun 2026-03-22 → due Wed 03-25 (red from
    # Thu 03-26); the fresh case's clock from Mon 03-23 → due Thu 03-26 (yellow that day)
    clock.freeze(datetime(2026, 3, 26, 2, 0, tzinfo=timezone.utc))
    sweeps.run_all(sessions)
    assert get(colour="red") == [p["late"]]
    assert get(colour="yellow") == [p["fresh"]]
    assert get(colour="green") == [p["li"], p["wang"]]
    assert get(overdue="true") == [p["late"]]
    assert get(overdue="false") == [p["fresh"], p["li"], p["wang"]]
    listed = client.get("/api/v1/cases", query_string={"party": "便利店"}, headers=h).json["items"][0]
    assert listed["colour"] == "red" and listed["parties"] == ["城南便利店有限公司"]
    assert listed["integrity"] is None                                        # officers see no badge


def _number(sessions, case_id):
    from engine.models import Case
    with sessions() as session:
        return session.get(Case, case_id).number


def test_scope_and_overseers(client, auth, population):
    p = population
    assert ids(client.get("/api/v1/cases", query_string={"party": "王小明"}, headers=auth("cb_officer1"))) == [p["cb"]]
    assert set(ids(client.get("/api/v1/cases", query_string={"party": "王小明"}, headers=auth("auditor")))) == {
        p["wang"], p["cb"]}
    assert client.get("/api/v1/cases", query_string={"integrity": "altered"},
                      headers=auth("cn_officer1")).status_code == 403


def test_integrity_filter_after_sweep(client, auth, population, sessions, backend):
    from sqlalchemy import text
    p = population
    with sessions() as session:
        if backend == "postgresql":
            session.execute(text("UPDATE cases SET data = jsonb_set(data, '{summary}', '\"改过\"') WHERE id = :i"),
                            {"i": p["wang"]})
        else:
            session.execute(text("UPDATE cases SET data = json_set(data, '$.summary', '改过') WHERE id = :i"),
                            {"i": p["wang"]})
        session.commit()
    h = auth("auditor")
    assert ids(client.get("/api/v1/cases?integrity=unchecked&per_page=100", headers=h))
    counts = integrity_sweep(sessions, limit=100, min_age_seconds=0)
    assert counts["altered"] == 1 and counts["intact"] == 4 and counts["unreplayable"] == 0
    altered = client.get("/api/v1/cases?integrity=altered", headers=h).json
    assert [c["id"] for c in altered["items"]] == [p["wang"]]
    badge = altered["items"][0]["integrity"]
    assert badge["verdict"] == "altered" and badge["reason"] == "data" and badge["step"] == 1
    assert "第 1 步被篡改" in badge["summary"] and "summary" in badge["summary"]
    assert len(ids(client.get("/api/v1/cases?integrity=intact", headers=h))) == 4
    assert ids(client.get("/api/v1/cases?integrity=unchecked", headers=h)) == []
    sup = client.get("/api/v1/cases?integrity=altered", headers=auth("supervisor")).json
    assert sup["total"] == 1 and sup["items"][0]["integrity"]["verdict"] == "altered"


def test_bad_input_is_422_in_chinese(client, auth):
    h = auth("cn_officer1")
    for qs in ("sort=weird", "order=up", "integrity=maybe", "overdue=perhaps", "closed_from=yesterday",
               "number=" + "x" * 121):
        r = client.get(f"/api/v1/cases?{qs}", headers=h)
        assert r.status_code == 422 and r.json["errors"], qs
    r = client.get("/api/v1/cases", query_string={"opened_from": "2026-03-10T00:00:00Z",
                                                  "opened_to": "2026-03-01T00:00:00Z"}, headers=h)
    assert r.status_code == 422 and r.json["detail"].startswith("日期范围无效") and "opened_to" in r.json["errors"]
    r = client.get("/api/v1/cases?per_page=100&page=101", headers=h)
    assert r.status_code == 422 and "缩小检索范围" in r.json["detail"]


def test_count_is_bounded(sessions, client, auth, start, monkeypatch):
    monkeypatch.setattr(caselist, "COUNT_CAP", 2)
    for _ in range(3):
        start("cn_officer1", "chengnan")
    page = client.get("/api/v1/cases?per_page=1", headers=auth("cn_officer1")).json
    assert page["total"] == 2 and page["total_capped"] is True and len(page["items"]) == 1
    page = client.get("/api/v1/cases?per_page=1&state=completed", headers=auth("cn_officer1")).json
    assert page["total"] == 0 and page["total_capped"] is False


def test_keyset_pages_follow_the_cursor(client, auth, population):
    """next_cursor → after: the same rows as numbered pages, in every sort, to the last page (cursor null)."""
    p = population
    h = auth("cn_officer1")

    def walk(**q):
        seen, after = [], None
        while True:
            query = dict(q, per_page=1, **({"after": after} if after else {}))
            page = client.get("/api/v1/cases", query_string=query, headers=h).json
            seen += [c["id"] for c in page["items"]]
            after = page["next_cursor"]
            if after is None:
                return seen
            assert len(seen) < 10, seen
    assert walk() == [p["fresh"], p["late"], p["li"], p["wang"]]
    assert walk(order="asc") == [p["wang"], p["li"], p["late"], p["fresh"]]
    assert walk(state="running") == [p["fresh"], p["late"], p["wang"]]
    assert walk(sort="closed_at") == [p["li"]]
    by_number = ids(client.get("/api/v1/cases", query_string={"sort": "number", "order": "asc"}, headers=h))
    assert walk(sort="number", order="asc") == by_number
    cursor = client.get("/api/v1/cases?per_page=1", headers=h).json["next_cursor"]
    import base64
    forged = [base64.urlsafe_b64encode(json.dumps(raw).encode()).decode() for raw in (
        ["opened_at", "2026-03-01T00:00:00", 10**30], ["number", "a\x00b", 1], ["opened_at", 5, 1], {"a": 1})]
    for bad in ("garbage!", cursor + "x", cursor[:-3], *forged):
        r = client.get("/api/v1/cases", query_string={"after": bad}, headers=h)
        assert r.status_code == 422 and "翻页位置无效" in r.json["detail"], bad
    r = client.get("/api/v1/cases", query_string={"after": cursor, "sort": "number"}, headers=h)
    assert r.status_code == 422                                        # a cursor belongs to its sort


def test_a_unit_sees_another_units_case_it_has_a_task_in(client, auth, population, sessions):
    """Scope = the unit's cases + cases of other units with a task in the unit (searched as separate parts)."""
    from engine.models import HumanTask
    p = population
    h = auth("cb_officer1")
    assert ids(client.get("/api/v1/cases", headers=h)) == [p["cb"]]
    with transaction(sessions) as session:
        session.add(HumanTask(id="helped-task-0001", case_id=p["li"], process_key="x", task_spec="Task_help",
                              title="协助", role="officer", unit_id="chengbei", state="completed", context={},
                              created_at=clock.now(), other_unit=True))   # as runtime marks a task on another
                                                                          # unit's case
    assert ids(client.get("/api/v1/cases", headers=h)) == [p["cb"], p["li"]]
    assert ids(client.get("/api/v1/cases", query_string={"state": "completed"}, headers=h)) == [p["li"]]
    page = client.get("/api/v1/cases", query_string={"per_page": 1}, headers=h).json
    assert page["total"] == 2 and [c["id"] for c in page["items"]] == [p["cb"]]
    after = client.get("/api/v1/cases", query_string={"per_page": 1, "after": page["next_cursor"]}, headers=h).json
    assert [c["id"] for c in after["items"]] == [p["li"]] and after["next_cursor"] is None
