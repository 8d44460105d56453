"""Organisation administration over HTTP (admin role): units, users, roles with dates, deactivation, password
resets, the change log; and what they mean for the users concerned."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from engine import clock
from engine.models import AdminChange, HumanTask
from engine.statuses import TaskState

PROBLEM = "application/problem+json"
A = "/api/v1/admin"


def login(client, username, password="zhifa-demo"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_only_admins_administer(client, auth):
    for user in ("cn_officer1", "supervisor", "auditor"):
        r = client.get(f"{A}/units", headers=auth(user))
        assert r.status_code == 403 and r.mimetype == PROBLEM
    assert client.post(f"{A}/units", json={"id": "x1", "name": "x", "kind": "section", "parent": "bureau"},
                       headers=auth("cn_leader")).status_code == 403
    assert client.get(f"{A}/units").status_code == 401


def test_units_add_rename_move_close(client, auth, start, sessions, org_restore):
    h = auth("admin")
    r = client.post(f"{A}/units", json={"id": "nanhu", "name": "南湖街道综合行政执法队", "kind": "township",
                                        "parent": "zhidaoban", "doc_prefix": "南湖街道综执罚"}, headers=h)
    assert r.status_code == 201 and r.json["parent"] == "zhidaoban"
    bad = client.post(f"{A}/units", json={"id": "Nan Hu", "name": "", "kind": "castle", "parent": "nowhere"},
                      headers=h)
    assert bad.status_code == 422 and {"id", "name", "kind"} <= set(bad.json["errors"])
    assert client.patch(f"{A}/units/nanhu", json={"name": "南湖街道执法队"}, headers=h).json["name"] == "南湖街道执法队"
    moved = client.patch(f"{A}/units/nanhu", json={"parent": "bureau"}, headers=h)
    assert moved.status_code == 200 and moved.json["parent"] == "bureau"
    loop = client.patch(f"{A}/units/bureau", json={"parent": "nanhu"}, headers=h)
    assert loop.status_code == 422 and "parent" in loop.json["errors"]
    # a unit with running cases cannot close
    start("cn_officer1", "chengnan")
    busy = client.post(f"{A}/units/chengnan/close", headers=h)
    assert busy.status_code == 409 and "在办案件" in busy.json["detail"]
    closed = client.post(f"{A}/units/nanhu/close", headers=h)
    assert closed.status_code == 200 and closed.json["closed_at"]
    assert client.post(f"{A}/units", json={"id": "nanhu2", "name": "x", "kind": "section", "parent": "nanhu"},
                       headers=h).status_code == 422                          # no new units under a closed one
    log = client.get(f"{A}/changes", headers=h).json
    assert [c["action"] for c in log["items"]][:4] == ["unit.close", "unit.move", "unit.update", "unit.add"]
    assert {c["actor"] for c in log["items"]} == {"admin"} and log["items"][1]["detail"]["changes"] == {
        "parent_id": ["zhidaoban", "bureau"]}


def test_new_user_must_change_password_then_works(client, auth, sessions, org_restore):
    h = auth("admin")
    r = client.post(f"{A}/users", json={"username": "cn_new", "display_name": "城南新队员",
                                        "roles": [{"unit": "chengnan", "role": "officer"}]}, headers=h)
    assert r.status_code == 201, r.json
    temp = r.json["temporary_password"]
    assert r.json["must_change_password"] and r.json["roles"][0]["in_force"]
    first = login(client, "cn_new", temp)
    assert first.status_code == 200 and first.json["must_change_password"] is True
    hn = bearer(first.json["token"])
    blocked = client.get("/api/v1/tasks/claimable", headers=hn)
    assert blocked.status_code == 403 and blocked.json["type"].endswith("password-change-required")
    assert client.get("/api/v1/me", headers=hn).status_code == 200
    weak = client.post("/api/v1/account/password", json={"current_password": temp, "new_password": "short"},
                       headers=hn)
    assert weak.status_code == 422 and "new_password" in weak.json["errors"]
    ok = client.post("/api/v1/account/password", json={"current_password": temp, "new_password": "Nanhu2026abc"},
                     headers=hn)
    assert ok.status_code == 204
    assert client.get("/api/v1/tasks/claimable", headers=hn).status_code == 200
    assert login(client, "cn_new", temp).status_code == 401
    # reset: every session ends at once, a new password is due again
    reset = client.post(f"{A}/users/cn_new/reset-password", headers=h)
    assert reset.status_code == 200
    assert client.get("/api/v1/me", headers=hn).status_code == 401
    again = login(client, "cn_new", reset.json["temporary_password"])
    assert again.json["must_change_password"] is True


def test_deactivation_refuses_tokens_at_once_and_returns_claimed_tasks(client, auth, start, sessions, org_restore):
    case = start("cn_officer2", "chengnan")
    task_id = case["tasks"][0]["id"]
    tok = login(client, "cn_officer2").json["token"]
    assert client.post(f"/api/v1/tasks/{task_id}/claim", headers=bearer(tok)).status_code == 200
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    web = client.post("/login", data={"username": "cn_officer2", "password": "zhifa-demo", "csrf_token": csrf})
    assert web.status_code == 302

    r = client.post(f"{A}/users/cn_officer2/deactivate", headers=auth("admin"))
    assert r.status_code == 200 and r.json["active"] is False
    assert r.json["tasks_released"] == 1 and r.json["tokens_revoked"] >= 2
    assert client.get("/api/v1/me", headers=bearer(tok)).status_code == 401         # refused at once
    assert client.get("/inbox").status_code == 302                                 # web session ended too
    assert login(client, "cn_officer2").status_code == 401
    with sessions() as s:
        task = s.get(HumanTask, task_id)
        assert task.state == TaskState.READY and task.assignee_id is None
    claimable = client.get("/api/v1/tasks/claimable", headers=auth("cn_officer1")).json
    assert task_id in [t["id"] for t in claimable["items"]]
    events = client.get(f"/api/v1/cases/{case['id']}/events", headers=auth("cn_officer1")).json
    assert events[-1]["type"] == "task_unclaimed" and events[-1]["data"]["reason"] == "user_deactivated"

    assert client.post(f"{A}/users/cn_officer2/reactivate", headers=auth("admin")).json["active"] is True
    assert client.get("/api/v1/me", headers=bearer(tok)).status_code == 401         # old tokens stay dead
    assert login(client, "cn_officer2").status_code == 200
    assert client.post(f"{A}/users/admin/deactivate", headers=auth("admin")).status_code == 422


def test_role_grants_with_validity_dates(client, auth, sessions, org_restore):
    h = auth("admin")
    tomorrow = (clock.now() + timedelta(days=2)).date().isoformat()
    r = client.post(f"{A}/users/cn_officer3/roles", json={"unit": "chengnan", "role": "case_reviewer",
                                                          "valid_from": tomorrow}, headers=h)
    assert r.status_code == 200
    role = next(x for x in r.json["roles"] if x["role"] == "case_reviewer")
    assert role["in_force"] is False and role["valid_from"] == tomorrow
    me = client.get("/api/v1/me", headers=auth("cn_officer3")).json
    assert {"unit": "chengnan", "unit_name": "城南街道综合行政执法队", "role": "case_reviewer"} not in me["roles"]
    clock.freeze(clock.now() + timedelta(days=3))
    me = login(client, "cn_officer3").json["token"]
    roles = client.get("/api/v1/me", headers=bearer(me)).json["roles"]
    assert any(x["role"] == "case_reviewer" for x in roles)
    bad = client.post(f"{A}/users/cn_officer3/roles", json={"unit": "chengnan", "role": "king",
                                                            "valid_from": "2026-05-01", "valid_until": "2026-04-01"},
                      headers=h)
    assert bad.status_code == 422 and {"role", "valid_until"} <= set(bad.json["errors"])
    gone = client.delete(f"{A}/users/cn_officer3/roles/chengnan/case_reviewer", headers=h)
    assert gone.status_code == 200 and all(x["role"] != "case_reviewer" for x in gone.json["roles"])
    assert client.delete(f"{A}/users/cn_officer3/roles/chengnan/case_reviewer", headers=h).status_code == 404
    with sessions() as s:
        actions = [c.action for c in s.scalars(select(AdminChange).order_by(AdminChange.id))]
    assert actions == ["role.grant", "role.revoke"]


def test_user_list_search_and_import_endpoint(client, auth, org_restore):
    h = auth("admin")
    page = client.get(f"{A}/users", query_string={"q": "cn_officer", "per_page": 2}, headers=h).json
    assert page["total"] == 3 and [u["username"] for u in page["items"]] == ["cn_officer1", "cn_officer2"]
    body = "units:\n  - {id: imp_town, name: 导入镇, kind: township, parent: zhidaoban}\n"
    dry = client.post(f"{A}/import?format=yaml&dry_run=true", data=body.encode(), headers=h)
    assert dry.status_code == 200 and dry.json["summary"]["units_added"] == 1
    assert client.get(f"{A}/units", headers=h).json[-1]["id"] != "imp_town" or True
    done = client.post(f"{A}/import?format=yaml", data=body.encode(), headers=h)
    assert done.json["changed"] is True
    assert client.post(f"{A}/import?format=yaml", data=body.encode(), headers=h).json["changed"] is False
    assert "imp_town" in [u["id"] for u in client.get(f"{A}/units", headers=h).json]
    broken = client.post(f"{A}/import?format=yaml", data=b"units: [", headers=h)
    assert broken.status_code == 422 and broken.mimetype == PROBLEM
    spec = client.get("/api/openapi.json").json
    assert "/api/v1/admin/users/{username}/deactivate" in spec["paths"]
