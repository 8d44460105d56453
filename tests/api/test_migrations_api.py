"""/api/v1/migrations: plan, dry run, run, revert — designers and administrators only, refusals in words."""
from __future__ import annotations

import time

from tests.engine.helpers import get_case
from tests.engine.migration.test_migration import at_approval, deploy_edited, longer_approval, renamed_investigation


def _plan(client, auth, who="designer", **body):
    payload = {"process_key": "ordinary_procedure", "from_version": 1, "to_version": 2, "reason": "更正立案审批期限"}
    payload.update(body)
    return client.post("/api/v1/migrations/plans", json=payload, headers=auth(who))


def wait_run(client, auth, answer, who="designer", seconds=60) -> dict:
    """POST …/runs answered 202 with the run: poll its Location until it is done."""
    assert answer.status_code == 202, answer.json
    location = answer.headers["Location"]
    assert location == f"/api/v1/migrations/runs/{answer.json['id']}"
    until = time.monotonic() + seconds
    while True:
        got = client.get(location, headers=auth(who))
        assert got.status_code == 200, got.json
        if got.json["state"] in ("done", "failed") or time.monotonic() > until:
            return got.json
        time.sleep(0.1)


def test_plan_dry_run_run_and_revert(client, auth, sessions, actor, deployed):
    case_id = at_approval(sessions, actor)
    v1 = get_case(sessions, case_id).process_version_id
    deploy_edited(sessions, longer_approval)
    assert _plan(client, auth, "cn_officer1").status_code == 403
    bad = _plan(client, auth, mapping={"Task_Nope": "Task_FilingApproval"})
    assert bad.status_code == 422 and "Task_Nope" in bad.json["detail"]
    assert bad.headers["Content-Type"].startswith("application/problem+json")
    assert _plan(client, auth, to_version=9).status_code == 404
    assert _plan(client, auth, to_version=1).status_code == 422
    assert _plan(client, auth, reason="").status_code == 422

    made = _plan(client, auth)
    assert made.status_code == 201, made.json
    plan = made.json
    assert any(e["element"] == "Task_FilingApproval" and e["change"] == "changed" and "办理期限" in e["zh"]
               for e in plan["elements"])
    dry = client.get(f"/api/v1/migrations/plans/{plan['id']}/dry-run", headers=auth("designer"))
    assert dry.status_code == 200 and dry.json["summary"] == {"safe": 1, "needs_mapping": 0, "unsafe": 0}
    row = dry.json["cases"][0]
    assert row["case_id"] == case_id and row["verdict"] == "可以迁移" and row["open_tasks"] == ["立案审批"]
    assert get_case(sessions, case_id).process_version_id == v1    # the dry run wrote nothing

    started = client.post(f"/api/v1/migrations/plans/{plan['id']}/runs", json={}, headers=auth("admin"))
    assert started.json["state"] in ("queued", "running", "done") and started.json["total"] == 1
    done = wait_run(client, auth, started, "admin")
    assert done["state"] == "done" and done["state_text"] == "已完成", done
    assert done["summary"] == {"migrated": 1, "refused": 0, "failed": 0} and done["remaining"] == 0
    assert (done["total"], done["done"], done["created_by"]) == (1, 1, "admin") and done["finished_at"]
    moved = done["moved"][0]
    assert moved["state"] == "migrated" and any(c["what"] == "deadline" for c in moved["changes"])
    assert get_case(sessions, case_id).process_version_id != v1

    back = client.post(f"/api/v1/migrations/case-migrations/{moved['migration_id']}/revert", headers=auth("designer"))
    assert back.status_code == 200 and back.json["outcome"] == "reverted"
    assert get_case(sessions, case_id).process_version_id == v1
    again = client.post(f"/api/v1/migrations/case-migrations/{moved['migration_id']}/revert",
                        headers={**auth("designer"), "Accept-Language": "zh-CN"})
    assert again.status_code == 409 and "已撤销" in again.json["detail"]
    assert client.post("/api/v1/migrations/case-migrations/999999/revert", headers=auth("designer")).status_code == 404


def test_a_case_needing_a_mapping_is_refused_with_its_reason(client, auth, sessions, actor, deployed):
    from tests.engine.helpers import complete, only_task
    from tests.engine.migration.test_migration import APPROVAL
    case_id = at_approval(sessions, actor)
    complete(sessions, actor("cn_leader"), only_task(sessions, case_id).id, APPROVAL)
    deploy_edited(sessions, renamed_investigation)
    plan = _plan(client, auth).json
    dry = client.get(f"/api/v1/migrations/plans/{plan['id']}/dry-run?level=needs_mapping", headers=auth("designer"))
    assert dry.json["total"] == 1 and "调查取证" in dry.json["cases"][0]["reasons"][0]["zh"]
    done = wait_run(client, auth, client.post(f"/api/v1/migrations/plans/{plan['id']}/runs",
                                              json={"case_ids": [case_id]}, headers=auth("designer")))
    assert done["summary"]["refused"] == 1 and "调查取证" in done["problems"][0]["reasons"][0]["zh"]
    assert done["problems"][0]["outcome"] == "refused" and done["moved"] == []
    mapped = _plan(client, auth, mapping={"Task_Investigation": "Task_Inquiry"}).json
    done = wait_run(client, auth, client.post(f"/api/v1/migrations/plans/{mapped['id']}/runs",
                                              json={"case_ids": [case_id]}, headers=auth("designer")))
    assert done["summary"]["migrated"] == 1
    runs = client.get(f"/api/v1/migrations/plans/{mapped['id']}/runs", headers=auth("designer")).json["runs"]
    assert [r["state"] for r in runs] == ["done"] and "moved" not in runs[0]
    again = client.post(f"/api/v1/migrations/runs/{runs[0]['id']}/resume", headers=auth("designer"))
    assert again.status_code == 409 and "只有已中断的迁移才能继续" in again.json["detail"]
    assert client.get("/api/v1/migrations/runs/999999", headers=auth("designer")).status_code == 404
    assert client.get(f"/api/v1/migrations/runs/{runs[0]['id']}", headers=auth("cn_officer1")).status_code == 403


def test_a_retried_start_answers_the_same_run_and_moves_once(client, auth, sessions, actor, deployed):
    """The run is stored with the request's answer (Idempotency-Key): the worker thread waits for that commit."""
    case_id = at_approval(sessions, actor)
    deploy_edited(sessions, longer_approval)
    plan = _plan(client, auth).json
    headers = {**auth("designer"), "Idempotency-Key": "move-once-1"}
    first = client.post(f"/api/v1/migrations/plans/{plan['id']}/runs", json={"case_ids": [case_id]}, headers=headers)
    again = client.post(f"/api/v1/migrations/plans/{plan['id']}/runs", json={"case_ids": [case_id]}, headers=headers)
    assert again.status_code == 202 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json["id"] == first.json["id"]
    done = wait_run(client, auth, first)
    assert done["summary"] == {"migrated": 1, "refused": 0, "failed": 0}
    runs = client.get(f"/api/v1/migrations/plans/{plan['id']}/runs", headers=auth("designer")).json["runs"]
    assert len(runs) == 1
    nothing = client.post(f"/api/v1/migrations/plans/{plan['id']}/runs", json={},
                          headers={**auth("designer"), "Accept-Language": "zh-CN"})   # nothing left on version 1
    assert nothing.status_code == 422 and nothing.headers["Content-Type"].startswith("application/problem+json")
    assert "没有可迁移的案件" in nothing.json["detail"]
