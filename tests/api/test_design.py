"""Designers' API: validation, bundle deployment with a note, drafts with 409 on stale saves, retirement, diffs.
Designer role only; every refusal is problem+json and stores nothing."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine.config import ROOT
from engine.models import ProcessDraft, ProcessVersion
from tests.engine.validation.diagrams import process, user_task

FORM = json.dumps({"id": "fill", "components": [{"type": "textfield", "key": "note", "label": "备注"}]},
                  ensure_ascii=False)


def sources(deadline="5wd", label="备注"):
    xml = process("api_design", [user_task("Task_fill", "填写", formKey="fill", deadline=deadline,
                                           deadlineLabel="填写期限")])
    return {"bpmn": {"d.bpmn": xml}, "forms": {"fill": FORM.replace("备注", label)}}


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def designer(auth):
    return auth("designer")


def test_only_designers(client, auth):
    for user in ("cn_officer1", "auditor"):
        r = client.get("/api/v1/design/procedures", headers=auth(user))
        assert r.status_code == 403 and r.mimetype == "application/problem+json"
    assert client.get("/api/v1/design/procedures").status_code == 401


def test_validate_reports_every_problem_and_stores_nothing(client, designer, sessions):
    bad = sources(deadline="soon")
    bad["bpmn"]["d.bpmn"] = bad["bpmn"]["d.bpmn"].replace("</bpmn:process>", '<bpmn:serviceTask id="S1" name="接口" /></bpmn:process>')
    r = client.post("/api/v1/design/validate", json=bad, headers=designer)
    assert r.status_code == 200 and r.json["ok"] is False
    errors = {(p["code"], p["element"]) for p in r.json["problems"] if p["severity"] == "error"}
    assert errors == {("deadline-syntax", "Task_fill"), ("unsupported-element", "S1")}
    assert all(p["message"].startswith(p["zh"]) for p in r.json["problems"])
    ok = client.post("/api/v1/design/validate", json=sources(), headers=designer)
    assert ok.json == {"ok": True, "problems": [], "processes": ["api_design"]}
    r = client.post("/api/v1/design/deployments", json={"sources": bad, "note": "试试"}, headers=designer)
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert {p["code"] for p in r.json["problems"]} >= {"deadline-syntax", "unsupported-element"}
    assert count(sessions, ProcessVersion) == 0


def test_dmn_alone_and_garbage_are_422_not_201(client, designer, sessions):
    dmn = (ROOT / "processes" / "grading.dmn").read_bytes()
    r = client.post("/api/v1/processes/deployments?name=grading.dmn", data=dmn,
                    headers=dict(designer, **{"Content-Type": "application/xml"}))
    assert r.status_code == 422 and r.json["problems"][0]["code"] == "no-process"
    r = client.post("/api/v1/processes/deployments?name=a.bpmn", data=b"<a/>",
                    headers=dict(designer, **{"Content-Type": "application/xml"}))
    assert r.status_code == 422 and r.json["file"] == "a.bpmn" and "BPMN" in r.json["detail"]
    assert count(sessions, ProcessVersion) == 0


def test_deploy_with_note_is_listed_and_identical_bundle_is_noop(client, designer):
    body = {"sources": sources(), "note": "初版"}
    first = client.post("/api/v1/design/deployments", json=body, headers=designer)
    assert first.status_code == 201 and first.json["deployed"][0]["created"] is True
    again = client.post("/api/v1/design/deployments", json=dict(body, note="再来"), headers=designer)
    assert again.json["deployed"][0] == dict(first.json["deployed"][0], created=False)
    proc = client.get("/api/v1/design/procedures/api_design", headers=designer).json
    [v1] = proc["versions"]
    assert (v1["version"], v1["note"], v1["deployed_by"], v1["state"], v1["running"]) == (1, "初版", "designer",
                                                                                         "deployed", 0)
    assert v1["content_hash"] == first.json["deployed"][0]["content_hash"]
    bundle = client.get("/api/v1/design/procedures/api_design/versions/1/bundle", headers=designer).json
    assert bundle["sources"]["forms"] == {"fill": FORM}
    r = client.post("/api/v1/design/deployments", json={"sources": sources()}, headers=designer)
    assert r.status_code == 422 and "note" in r.json["errors"]


def test_drafts_refuse_stale_saves_and_deploy_with_a_note(client, designer, sessions):
    made = client.post("/api/v1/design/drafts", json={"process_key": "api_design", "title": "草稿",
                                                      "content": sources()}, headers=designer)
    assert made.status_code == 201
    draft, h0 = made.json["id"], made.json["content_hash"]
    saved = client.put(f"/api/v1/design/drafts/{draft}", json={"content": sources(deadline="7wd"), "base_hash": h0},
                       headers=designer)
    assert saved.status_code == 200 and saved.json["revision"] == 2 and saved.json["content_hash"] != h0
    stale = client.put(f"/api/v1/design/drafts/{draft}", json={"content": sources(deadline="9wd"), "base_hash": h0},
                       headers=designer)
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/design/drafts/{draft}", headers=designer).json["revision"] == 2
    no_note = client.post(f"/api/v1/design/drafts/{draft}/deploy", json={"note": ""}, headers=designer)
    assert no_note.status_code == 422 and count(sessions, ProcessVersion) == 0
    done = client.post(f"/api/v1/design/drafts/{draft}/deploy", json={"note": "期限改为7个工作日",
                                                                      "base_hash": saved.json["content_hash"]},
                       headers=designer)
    assert done.status_code == 201 and done.json["deployed"][0]["version"] == 1
    copy = client.post("/api/v1/design/procedures/api_design/drafts", json={"version": 1}, headers=designer)
    assert copy.status_code == 201 and copy.json["content"]["forms"] == {"fill": FORM}
    assert count(sessions, ProcessDraft) == 2


def test_retire_and_diff(client, designer, auth):
    client.post("/api/v1/design/deployments", json={"sources": sources(), "note": "v1"}, headers=designer)
    client.post("/api/v1/design/deployments", json={"sources": sources(deadline="7wd", label="情况说明"),
                                                    "note": "v2"}, headers=designer)
    diff = client.get("/api/v1/design/procedures/api_design/diff?from=1&to=2", headers=designer).json
    assert [(e["id"], e["change"], [c["property"] for c in e["changes"]]) for e in diff["elements"]] == [
        ("Task_fill", "changed", ["property:deadline"])]
    assert [(f["form"], f["field"], f["change"]) for f in diff["form_fields"]] == [("fill", "note", "changed")]
    r = client.post("/api/v1/design/procedures/api_design/versions/2/retire", json={"note": "回退"}, headers=designer)
    assert r.status_code == 200 and r.json["state"] == "retired" and r.json["retire_note"] == "回退"
    case = client.post("/api/v1/cases", json={"procedure": "api_design", "unit": "chengnan", "data": {}},
                       headers=auth("cn_officer1"))
    assert case.status_code == 201
    r = client.post("/api/v1/design/procedures/api_design/retire", json={"note": "废止"}, headers=designer)
    assert r.json["state"] == "retired" and r.json["versions"][1]["running"] == 1
    refused = client.post("/api/v1/cases", json={"procedure": "api_design", "unit": "chengnan", "data": {}},
                          headers=auth("cn_officer1"))
    assert refused.status_code == 422 and "已停用" in refused.json["detail"]
    assert client.post("/api/v1/design/procedures/nope/retire", json={"note": "x"}, headers=designer).status_code == 404


def _web_login(client, username):
    import re
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": username, "password": "zhifa-demo", "csrf_token": csrf}).status_code == 302
    page = client.get("/inbox").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_import_a_foreign_diagram_opens_a_draft_with_its_lanes_to_map(client, sessions):
    import io
    import re
    csrf = _web_login(client, "designer")
    xml = process("foreign_proc", [user_task("Task_clerk", "登记")], lane="Clerk")
    r = client.post("/design/import", data={"csrf_token": csrf, "file": (io.BytesIO(xml.encode()), "foreign.bpmn")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    draft_id = int(re.search(r"/design/drafts/(\d+)", r.headers["Location"]).group(1))
    with sessions() as session:
        draft = session.get(ProcessDraft, draft_id)
        assert draft.process_key == "foreign_proc" and list(draft.content["bpmn"]) == ["foreign.bpmn"]
        assert draft.content["forms"] and draft.content["lane_map"] == {}   # the forms to pick from; lanes unmapped
    editor = client.get(f"/design/drafts/{draft_id}").get_data(as_text=True)
    assert 'id="lane-map"' in editor and "泳道与角色" in editor
    before = count(sessions, ProcessDraft)
    bad = client.post("/design/import", data={"csrf_token": csrf, "file": (io.BytesIO(b"<oops"), "x.bpmn")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "XML" in bad.get_data(as_text=True)
    assert count(sessions, ProcessDraft) == before   # nothing stored
    _web_login(client, "cn_officer1")
    assert client.post("/design/import", data={"csrf_token": csrf}).status_code in (400, 404)
