"""/api/v1/migrations: plan, dry run, run, revert — designers and administrators only, refusals in words."""
from __future__ import annotations

from tests.engine.helpers import get_case
from tests.engine.migration.test_migration import at_approval, deploy_edited, longer_approval, renamed_investigation


def _plan(client, auth, who="designer", **body):
    payload = {"process_key": "ordinary_procedure", "from_version": 1, "to_version": 2, "reason": "更正立案审批期限"}
    payload.update(body)
    return client.post("/api/v1/migrations/plans", json=payload, headers=auth(who))


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

    done = client.post(f"/api/v1/migrations/plans/{plan['id']}/runs", json={}, headers=auth("admin"))
    assert done.status_code == 200, done.json
    assert done.json["summary"]["migrated"] == 1 and done.json["remaining"] == 0
    moved = done.json["results"][0]
    assert moved["outcome"] == "migrated" and any(c["what"] == "deadline" for c in moved["changes"])
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
    done = client.post(f"/api/v1/migrations/plans/{plan['id']}/runs", json={"case_ids": [case_id]},
                       headers=auth("designer")).json
    assert done["summary"]["refused"] == 1 and "调查取证" in done["results"][0]["reasons"][0]["zh"]
    mapped = _plan(client, auth, mapping={"Task_Investigation": "Task_Inquiry"}).json
    done = client.post(f"/api/v1/migrations/plans/{mapped['id']}/runs", json={"case_ids": [case_id]},
                       headers=auth("designer")).json
    assert done["summary"]["migrated"] == 1
