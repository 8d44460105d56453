"""Cases over HTTP: start (start form validated), list with filters and pagination, detail, history, verify."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text

from engine import clock
from engine.models import Case, CaseEvent

PERSON = {"kind": "person", "name": "王小明", "id_number": "11010519491231002X"}


def count_cases(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Case))


def test_start_returns_201_with_detail(start):
    case = start("cn_officer1", "chengnan", party=PERSON)
    assert case["procedure"] == "api_review" and case["unit"] == "chengnan" and case["state"] == "running"
    assert case["number"].startswith("城南街道综执罚〔") and case["version"] == 1
    assert case["process"]["key"] == "api_review" and case["process"]["version"] == 1
    assert case["parties"][0]["name"] == "王小明" and case["title"] == "王小明"
    assert case["data"]["summary"] == "s" and case["data"]["handling_unit"] == "chengnan"
    [task] = case["tasks"]
    assert (task["task_spec"], task["role"], task["state"], task["may_work"]) == ("Task_check", "officer", "ready", True)


def test_start_failures_change_nothing(client, auth, test_processes, sessions):
    h = auth("cn_officer1")
    cases = [
        ({"procedure": "api_review", "unit": "chengnan", "data": {}}, 422, {"summary"}),
        ({"procedure": "api_review", "unit": "chengnan"}, 422, {"summary"}),
        ({"procedure": "api_review"}, 422, {"unit"}),
        ({"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s"},
          "party": {"kind": "person", "name": "x", "id_number": "123"}}, 422, {"party.id_number"}),
        ({"procedure": "nope", "unit": "chengnan", "data": {}}, 404, None),
        ({"procedure": "api_review", "unit": "chengbei", "data": {"summary": "s"}}, 404, None),
        ({"procedure": "api_review", "unit": "no_such_unit", "data": {"summary": "s"}}, 404, None),
    ]
    for body, status, fields in cases:
        r = client.post("/api/v1/cases", json=body, headers=h)
        assert r.status_code == status, (body, r.json)
        assert r.mimetype == "application/problem+json"
        if fields:
            assert set(r.json["errors"]) == fields, r.json
    r = client.post("/api/v1/cases", data="not json", content_type="application/json", headers=h)
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    assert count_cases(sessions) == 0


def test_reviewer_in_unit_may_see_but_not_start(client, auth, test_processes):
    r = client.post("/api/v1/cases", json={"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s"}},
                    headers=auth("cn_reviewer"))
    assert r.status_code == 403 and "执法队员" in r.json["detail"]  # Chinese first
    r = client.post("/api/v1/cases", json={"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s"}},
                    headers={**auth("cn_reviewer"), "Accept-Language": "en"})
    assert r.status_code == 403 and "officer" in r.json["detail"]


def test_list_filters_and_pagination(client, auth, start):
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    first = start("cn_officer1", "chengnan", party=PERSON)
    clock.advance(timedelta(days=10))
    for _ in range(3):
        start("cn_officer2", "chengnan")
    start("cb_officer1", "chengbei", procedure="loop_test", data={"done": False})
    h = auth("cn_officer1")
    page = client.get("/api/v1/cases?per_page=2", headers=h).json
    assert page["total"] == 4 and len(page["items"]) == 2 and page["page"] == 1
    assert page["items"][0]["opened_at"] >= page["items"][1]["opened_at"]
    page3 = client.get("/api/v1/cases?per_page=2&page=3", headers=h).json
    assert page3["total"] == 4 and page3["items"] == []
    by_party = client.get("/api/v1/cases", query_string={"party": "王小"}, headers=h).json  # short text: a name's start
    assert [c["id"] for c in by_party["items"]] == [first["id"]]
    early = client.get("/api/v1/cases", query_string={"opened_to": "2026-03-05T00:00:00+08:00"}, headers=h).json
    assert [c["id"] for c in early["items"]] == [first["id"]]
    late = client.get("/api/v1/cases", query_string={"opened_from": "2026-03-05T00:00:00Z"}, headers=h).json
    assert late["total"] == 3
    assert client.get("/api/v1/cases?procedure=loop_test", headers=h).json["total"] == 0
    assert client.get("/api/v1/cases?state=completed", headers=h).json["total"] == 0
    assert client.get("/api/v1/cases?unit=chengnan", headers=h).json["total"] == 4
    sup = auth("supervisor")
    assert client.get("/api/v1/cases", headers=sup).json["total"] == 5
    assert client.get("/api/v1/cases?unit=chengbei&procedure=loop_test", headers=sup).json["total"] == 1


def test_list_rejects_bad_filters(client, auth):
    for qs in ("page=0", "per_page=101", "state=weird", "opened_from=yesterday", "colour=blue"):
        r = client.get(f"/api/v1/cases?{qs}", headers=auth("cn_officer1"))
        assert r.status_code == 422 and r.json["errors"], qs


def test_detail_history_and_verify(client, auth, start, sessions, backend):
    case = start("cn_officer1", "chengnan")
    h = auth("cn_officer1")
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=h).json
    assert detail == case
    evs = client.get(f"/api/v1/cases/{case['id']}/events", headers=h).json
    assert [e["type"] for e in evs] == ["case_started", "task_ready"]
    assert evs[0]["actor"] == "cn_officer1" and evs[0]["data"]["data"] == {"summary": "s"}
    ok = client.get(f"/api/v1/cases/{case['id']}/events/verify", headers=h).json
    assert ok == {"intact": True, "first_altered_seq": None, "events": 2}
    with sessions() as session:
        if backend == "postgresql":
            session.execute(text("UPDATE case_events SET data = CAST(:d AS JSONB) WHERE seq = 2"), {"d": '{"x": 1}'})
        else:
            session.execute(text("UPDATE case_events SET data = :d WHERE seq = 2"), {"d": '{"x": 1}'})
        session.commit()
    bad = client.get(f"/api/v1/cases/{case['id']}/events/verify", headers=h).json
    assert bad == {"intact": False, "first_altered_seq": 2, "events": 2}
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CaseEvent)) == 2


def test_unknown_and_foreign_cases_are_404(client, auth, start):
    case = start("cn_officer1", "chengnan")
    for path in (f"/api/v1/cases/{case['id']}", f"/api/v1/cases/{case['id']}/events",
                 f"/api/v1/cases/{case['id']}/events/verify"):
        assert client.get(path, headers=auth("cb_officer1")).status_code == 404
    assert client.get("/api/v1/cases/999999", headers=auth("cn_officer1")).status_code == 404
