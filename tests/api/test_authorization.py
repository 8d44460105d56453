"""Authorization matrix: each role × own unit / other unit / parent unit, for each action.

The case is handled by chengnan (township A); its first task needs ``officer`` in chengnan. Outside a
user's scope everything answers 404 (existence does not leak); inside it, a missing role answers 403.
"""
from __future__ import annotations

import pytest

# who: (relation to chengnan, sees case & task, claimable, claim, assign, complete, start in chengnan)
MATRIX = {
    "cn_officer1": ("own unit officer", True, True, 200, 403, 200, 201),
    "cn_leader": ("own unit squad leader", True, False, 403, 200, 403, 201),
    "cn_reviewer": ("own unit case reviewer", True, False, 403, 403, 403, 403),
    "cn_head": ("own unit head", True, False, 403, 403, 403, 403),
    "cb_officer1": ("other township officer", False, False, 404, 404, 404, 404),
    "cb_leader": ("other township squad leader", False, False, 404, 404, 404, 404),
    "sq1_officer1": ("bureau squad officer", False, False, 404, 404, 404, 404),
    "bureau_head": ("bureau head (not above townships)", False, False, 404, 404, 404, 404),
    "supervisor": ("parent unit supervisor", True, False, 403, 403, 403, 403),
    "auditor": ("parent unit auditor (read-only)", True, False, 403, 403, 403, 403),
}


def _fresh(start) -> tuple[int, str]:
    case = start("cn_officer2", "chengnan")
    return case["id"], case["tasks"][0]["id"]


@pytest.mark.parametrize("user", sorted(MATRIX))
def test_matrix(client, auth, start, user):
    _rel, sees, claimable, claim, assign, complete, start_status = MATRIX[user]
    h = auth(user)
    case_id, task_id = _fresh(start)

    listed = {c["id"] for c in client.get("/api/v1/cases", headers=h).json["items"]}
    assert (case_id in listed) is sees
    read = 200 if sees else 404
    assert client.get(f"/api/v1/cases/{case_id}", headers=h).status_code == read
    assert client.get(f"/api/v1/cases/{case_id}/events", headers=h).status_code == read
    assert client.get(f"/api/v1/cases/{case_id}/events/verify", headers=h).status_code == read
    assert client.get(f"/api/v1/tasks/{task_id}", headers=h).status_code == read
    in_claimable = {t["id"] for t in client.get("/api/v1/tasks/claimable", headers=h).json["items"]}
    assert (task_id in in_claimable) is claimable

    assert client.post(f"/api/v1/tasks/{task_id}/claim", headers=h).status_code == claim
    _case, task_id = _fresh(start)
    assert client.post(f"/api/v1/tasks/{task_id}/assign", json={"user": "cn_officer3"},
                       headers=h).status_code == assign
    _case, task_id = _fresh(start)
    assert client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"decision": "ok"}},
                       headers=h).status_code == complete
    _case, task_id = _fresh(start)
    client.post(f"/api/v1/tasks/{task_id}/claim", headers=auth("cn_officer2"))
    unclaim = {200: 403, 403: 403, 404: 404}[claim] if user != "cn_leader" else 200
    assert client.post(f"/api/v1/tasks/{task_id}/unclaim", headers=h).status_code == unclaim
    r = client.post("/api/v1/cases", json={"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s"}},
                    headers=h)
    assert r.status_code == start_status


def test_officer_never_sees_other_township(client, auth, start):
    mine = start("cn_officer1", "chengnan")
    theirs = start("cb_officer1", "chengbei")
    h = auth("cn_officer1")
    listed = client.get("/api/v1/cases?per_page=100", headers=h).json
    assert [c["id"] for c in listed["items"]] == [mine["id"]] and listed["total"] == 1
    assert client.get("/api/v1/cases?unit=chengbei", headers=h).json["total"] == 0
    for inbox in ("claimable", "mine"):
        ids = {t["case_id"] for t in client.get(f"/api/v1/tasks/{inbox}?per_page=100", headers=h).json["items"]}
        assert theirs["id"] not in ids
    assert client.get(f"/api/v1/cases/{theirs['id']}", headers=h).status_code == 404
    assert client.get(f"/api/v1/tasks/{theirs['tasks'][0]['id']}", headers=h).status_code == 404


def test_heads_oversee_the_units_below_them(client, auth, start):
    squad = start("sq1_officer1", "bureau_squad1")
    township = start("cn_officer1", "chengnan")
    for head in ("bureau_head", "bureau_deputy"):
        h = auth(head)
        listed = {c["id"] for c in client.get("/api/v1/cases", headers=h).json["items"]}
        assert squad["id"] in listed and township["id"] not in listed  # the bureau is not above townships
        assert client.get(f"/api/v1/cases/{squad['id']}", headers=h).status_code == 200
        queue = client.get("/api/v1/tasks/unit", headers=h).json
        assert squad["id"] in {t["case_id"] for t in queue["items"]}
        task_id = squad["tasks"][0]["id"]
        # seeing is not acting: the squad's officer task needs the officer role in the squad
        assert client.post(f"/api/v1/tasks/{task_id}/claim", headers=h).status_code == 403
    assert client.get(f"/api/v1/cases/{squad['id']}", headers=auth("cn_head")).status_code == 404


def test_supervisor_and_auditor_see_everything_below(client, auth, start):
    ids = {start(u, unit)["id"] for u, unit in (("cn_officer1", "chengnan"), ("cb_officer1", "chengbei"),
                                                 ("sq1_officer1", "bureau_squad1"))}
    for overseer in ("supervisor", "auditor"):
        listed = client.get("/api/v1/cases", headers=auth(overseer)).json
        assert {c["id"] for c in listed["items"]} == ids and listed["total"] == 3
        queue = client.get("/api/v1/tasks/unit", headers=auth(overseer)).json
        assert {t["case_id"] for t in queue["items"]} == ids
        assert all(t["may_work"] is False for t in queue["items"])
    assert client.post("/api/v1/auth/logout", headers=auth("auditor")).status_code == 204  # not a case write


def test_a_role_counts_for_a_token_only_within_its_dates(client, auth, start, sessions, org_restore):
    """The token look-up brings the memberships with their dates (engine.tokens.resolve_with_memberships): a
    role past its last day, or before its first, opens nothing; on its first and last day it does."""
    from datetime import timedelta

    from sqlalchemy import select, update

    from engine.db import transaction
    from engine.deadlines.calendar import local_today
    from engine.models import Membership, User

    case_id, _task = _fresh(start)
    h = auth("cb_officer1")   # another township's officer: sees nothing of chengnan until given a role there
    today = local_today()
    with transaction(sessions) as s:
        uid = s.scalar(select(User.id).where(User.username == "cb_officer1"))
        s.add(Membership(user_id=uid, unit_id="chengnan", role="officer", valid_until=today - timedelta(days=1)))

    def dates(valid_from, valid_until):
        with transaction(sessions) as s:
            s.execute(update(Membership).where(Membership.user_id == uid, Membership.unit_id == "chengnan")
                      .values(valid_from=valid_from, valid_until=valid_until))
        return client.get(f"/api/v1/cases/{case_id}", headers=h).status_code

    assert client.get(f"/api/v1/cases/{case_id}", headers=h).status_code == 404       # ended yesterday
    assert dates(None, today) == 200                                                   # its last day
    assert dates(today + timedelta(days=1), None) == 404                               # starts tomorrow
    assert dates(today, None) == 200                                                   # its first day
