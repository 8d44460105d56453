"""Tasks over HTTP: inboxes with filters/sort/pagination, detail with form, claim/unclaim/assign/complete."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from engine import clock, inbox
from engine.db import transaction
from engine.models import Case, HumanTask


def task_of(case) -> dict:
    [task] = case["tasks"]
    return task


def test_claimable_mine_claim_unclaim(client, auth, start):
    case = start("cn_officer1", "chengnan")
    tid = task_of(case)["id"]
    h = auth("cn_officer2")
    claimable = client.get("/api/v1/tasks/claimable", headers=h).json
    assert [t["id"] for t in claimable["items"]] == [tid] and claimable["total"] == 1
    assert claimable["items"][0]["case_number"] == case["number"]
    assert claimable["items"][0]["context"] == {"summary": "s"}
    r = client.post(f"/api/v1/tasks/{tid}/claim", headers=h)
    assert r.status_code == 200 and r.json["state"] == "claimed" and r.json["assignee"] == "cn_officer2"
    assert client.get("/api/v1/tasks/claimable", headers=h).json["total"] == 0
    assert [t["id"] for t in client.get("/api/v1/tasks/mine", headers=h).json["items"]] == [tid]
    assert client.post(f"/api/v1/tasks/{tid}/claim", headers=h).status_code == 200  # idempotent for the owner
    other = client.post(f"/api/v1/tasks/{tid}/claim", headers=auth("cn_officer1"))
    assert other.status_code == 409 and "已由他人签收" in other.json["detail"]
    other = client.post(f"/api/v1/tasks/{tid}/claim", headers={**auth("cn_officer1"), "Accept-Language": "en"})
    assert other.status_code == 409 and "claimed by someone else" in other.json["detail"]
    assert client.post(f"/api/v1/tasks/{tid}/unclaim", headers=auth("cn_officer1")).status_code == 403
    r = client.post(f"/api/v1/tasks/{tid}/unclaim", headers=h)
    assert r.status_code == 200 and r.json["state"] == "ready" and r.json["assignee"] is None
    assert client.post(f"/api/v1/tasks/{tid}/unclaim", headers=h).status_code == 409


def test_detail_includes_form(client, auth, start):
    tid = task_of(start("cn_officer1", "chengnan"))["id"]
    detail = client.get(f"/api/v1/tasks/{tid}", headers=auth("cn_officer1")).json
    assert detail["form"]["id"] == "api_check" and detail["form_key"] == "api_check"
    assert detail["case_data"]["summary"] == "s" and detail["case_version"] == 1
    assert client.get("/api/v1/tasks/no-such-task", headers=auth("cn_officer1")).status_code == 404


def test_complete_validates_then_returns_next_tasks(client, auth, start, sessions):
    case = start("cn_officer1", "chengnan")
    tid = task_of(case)["id"]
    h = auth("cn_officer1")
    bad = client.post(f"/api/v1/tasks/{tid}/complete", json={"data": {"decision": "maybe", "note": "x" * 51}},
                      headers=h)
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"decision", "note"}
    assert client.post(f"/api/v1/tasks/{tid}/complete", json={"data": []}, headers=h).status_code == 422
    with sessions() as session:  # nothing changed
        assert session.get(Case, case["id"]).version == 1
        assert session.get(HumanTask, tid).state == "ready"
    stale = client.post(f"/api/v1/tasks/{tid}/complete", json={"data": {"decision": "violation"},
                                                               "expected_case_version": 0}, headers=h)
    assert stale.status_code == 409
    r = client.post(f"/api/v1/tasks/{tid}/complete", json={"data": {"decision": "violation"}}, headers=h)
    assert r.status_code == 200 and r.json["case_state"] == "running"
    [nxt] = r.json["next_tasks"]
    assert (nxt["task_spec"], nxt["role"], nxt["may_work"]) == ("Task_approve", "squad_leader", False)
    again = client.post(f"/api/v1/tasks/{tid}/complete", json={"data": {"decision": "ok"}}, headers=h)
    assert again.status_code == 409
    assert client.post(f"/api/v1/tasks/{nxt['id']}/complete", json={}, headers=h).status_code == 403
    done = client.post(f"/api/v1/tasks/{nxt['id']}/complete", json={}, headers=auth("cn_leader"))
    assert done.status_code == 200 and done.json == {"case_id": case["id"], "case_state": "completed",
                                                     "next_tasks": []}


def test_assign_by_squad_leader(client, auth, start):
    tid = task_of(start("cn_officer1", "chengnan"))["id"]
    lead = auth("cn_leader")
    assert client.post(f"/api/v1/tasks/{tid}/assign", json={"user": "cn_officer3"},
                       headers=auth("cn_officer1")).status_code == 403
    for user in ("ghost", "cb_officer1", "cn_reviewer"):
        r = client.post(f"/api/v1/tasks/{tid}/assign", json={"user": user}, headers=lead)
        assert r.status_code == 422 and list(r.json["errors"]) == ["user"], user
    assert client.post(f"/api/v1/tasks/{tid}/assign", json={}, headers=lead).status_code == 422
    r = client.post(f"/api/v1/tasks/{tid}/assign", json={"user": "cn_officer3"}, headers=lead)
    assert r.status_code == 200 and r.json["assignee"] == "cn_officer3"
    assert [t["id"] for t in client.get("/api/v1/tasks/mine", headers=auth("cn_officer3")).json["items"]] == [tid]
    assert client.post(f"/api/v1/tasks/{tid}/unclaim", headers=lead).status_code == 200  # leader may release


def test_inbox_filters_sort_and_pagination(client, auth, start, sessions, monkeypatch):
    # colours from due dates alone (the deadlines package installs clock-based colours; tested there)
    monkeypatch.setattr(inbox, "colour_condition", inbox._default_colour)
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    ids = []
    for i in range(5):
        party = {"kind": "person", "name": "城南商贸2号", "id_number": "11010519491231002X"} if i == 2 else None
        ids.append(task_of(start("cn_officer1", "chengnan", party=party))["id"])
        clock.advance(timedelta(minutes=1))
    loop = start("cn_officer1", "chengnan", procedure="loop_test", data={"done": False})
    with transaction(sessions) as session:  # give due dates: task i due in (5 - i) days
        for i, tid in enumerate(ids):
            session.get(HumanTask, tid).due_at = clock.now() + timedelta(days=5 - i)
    h = auth("cn_officer2")
    everything = client.get("/api/v1/tasks/claimable", headers=h).json
    assert everything["total"] == 6
    by_due = [t["id"] for t in everything["items"]]
    assert by_due[:5] == list(reversed(ids)) and by_due[5] == task_of(loop)["id"]  # nulls last
    newest = client.get("/api/v1/tasks/claimable?sort=created_at&order=desc&per_page=2", headers=h).json
    assert [t["id"] for t in newest["items"]] == [task_of(loop)["id"], ids[4]] and newest["total"] == 6
    assert client.get("/api/v1/tasks/claimable?procedure=loop_test", headers=h).json["total"] == 1
    assert client.get("/api/v1/tasks/claimable?task_name=Check", headers=h).json["total"] == 5
    assert client.get("/api/v1/tasks/claimable?task_name=Task_work", headers=h).json["total"] == 1
    soon = client.get("/api/v1/tasks/claimable", query_string={
        "due_before": (clock.now() + timedelta(days=2, hours=1)).isoformat()}, headers=h).json
    assert [t["id"] for t in soon["items"]] == [ids[4], ids[3]]
    assert [t["id"] for t in client.get("/api/v1/tasks/claimable?q=商贸2", headers=h).json["items"]] == [ids[2]]
    number = everything["items"][0]["case_number"]
    assert client.get("/api/v1/tasks/claimable", query_string={"q": number}, headers=h).json["total"] == 1
    clock.advance(timedelta(days=1, hours=1))  # ids[4] is now overdue, ids[3] due within 3 days
    assert [t["id"] for t in client.get("/api/v1/tasks/claimable?colour=red", headers=h).json["items"]] == [ids[4]]
    green = client.get("/api/v1/tasks/claimable?colour=green", headers=h).json["items"]
    assert {t["id"] for t in green} == {ids[0], task_of(loop)["id"]}
    assert client.get("/api/v1/tasks/claimable?colour=yellow", headers=h).json["total"] == 3
    for qs in ("sort=title", "order=up", "colour=purple", "due_before=soon", "per_page=0"):
        assert client.get(f"/api/v1/tasks/claimable?{qs}", headers=h).status_code == 422, qs


def test_unit_queue(client, auth, start):
    a = task_of(start("cn_officer1", "chengnan"))["id"]
    b = task_of(start("cb_officer1", "chengbei"))["id"]
    client.post(f"/api/v1/tasks/{a}/claim", headers=auth("cn_officer2"))
    lead = client.get("/api/v1/tasks/unit", headers=auth("cn_leader")).json
    assert [t["id"] for t in lead["items"]] == [a] and lead["items"][0]["state"] == "claimed"
    assert [t["id"] for t in client.get("/api/v1/tasks/unit", headers=auth("cn_head")).json["items"]] == [a]
    sup = client.get("/api/v1/tasks/unit", headers=auth("supervisor")).json
    assert {t["id"] for t in sup["items"]} == {a, b}
    assert client.get("/api/v1/tasks/unit?unit=chengbei", headers=auth("supervisor")).json["total"] == 1
    assert client.get("/api/v1/tasks/unit", headers=auth("cn_officer1")).status_code == 403


def test_two_claims_at_once_one_wins(app, auth, start):
    tid = task_of(start("cn_officer1", "chengnan"))["id"]
    headers = [auth("cn_officer1"), auth("cn_officer2")]
    barrier = threading.Barrier(2)
    results = [None, None]

    def claim(i):
        client = app.test_client()
        barrier.wait()
        results[i] = client.post(f"/api/v1/tasks/{tid}/claim", headers=headers[i])

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200, 409]
    winner = next(r for r in results if r.status_code == 200).json["assignee"]
    loser = next(r for r in results if r.status_code == 409)
    assert loser.mimetype == "application/problem+json" and winner in ("cn_officer1", "cn_officer2")


def test_two_completions_at_once_one_wins(app, auth, start, sessions):
    case = start("cn_officer1", "chengnan")
    tid = task_of(case)["id"]
    headers = [auth("cn_officer1"), auth("cn_officer2")]
    barrier = threading.Barrier(2)
    results = [None, None]

    def complete(i):
        client = app.test_client()
        barrier.wait()
        results[i] = client.post(f"/api/v1/tasks/{tid}/complete", json={"data": {"decision": "ok"}},
                                 headers=headers[i])

    threads = [threading.Thread(target=complete, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200, 409]
    with sessions() as session:
        assert session.get(Case, case["id"]).state == "completed"
        assert len(session.scalars(select(HumanTask).where(HumanTask.case_id == case["id"])).all()) == 1
