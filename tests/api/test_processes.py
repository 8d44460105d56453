"""Procedures over HTTP: list, versions, BPMN download, deployment by designers (invalid → 422, nothing stored)."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from engine.models import ProcessVersion
from tests.api.conftest import API_DATA
from tests.conftest import DATA

BROKEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:process id="broken" isExecutable="true">
    <bpmn:startEvent id="S" /><bpmn:sequenceFlow id="f" sourceRef="S" targetRef="Missing" />
  </bpmn:process></bpmn:definitions>"""


def versions(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ProcessVersion))


def test_list_get_and_download(client, auth, test_processes):
    h = auth("cn_officer1")
    listed = client.get("/api/v1/processes", headers=h).json
    assert [p["key"] for p in listed] == ["api_review", "loop_test"]
    assert listed[0]["latest_version"] == 1 and listed[0]["versions"][0]["properties"] == {"startForm": "api_start"}
    one = client.get("/api/v1/processes/loop_test", headers=h).json
    assert one["name"] == "Loop test" and one["versions"][0]["file_name"] == "loop.bpmn"
    assert client.get("/api/v1/processes/loop_test/versions/1", headers=h).json["version"] == 1
    xml = client.get("/api/v1/processes/loop_test/versions/1/bpmn", headers=h)
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.data == (DATA / "loop.bpmn").read_bytes()
    for path in ("/api/v1/processes/nope", "/api/v1/processes/loop_test/versions/2",
                 "/api/v1/processes/loop_test/versions/2/bpmn"):
        r = client.get(path, headers=h)
        assert r.status_code == 404 and r.mimetype == "application/problem+json", path


def test_designer_deploys_multipart_and_xml(client, auth, sessions):
    h = auth("designer")
    r = client.post("/api/v1/processes/deployments", headers=h, content_type="multipart/form-data", data={
        "files": [(io.BytesIO((DATA / "loop.bpmn").read_bytes()), "loop.bpmn"),
                  (io.BytesIO((API_DATA / "review.bpmn").read_bytes()), "review.bpmn")]})
    assert r.status_code == 201
    assert sorted((d["key"], d["version"], d["created"]) for d in r.json["deployed"]) == [
        ("api_review", 1, True), ("loop_test", 1, True)]
    changed = (DATA / "loop.bpmn").read_bytes().replace(b'name="Work"', b'name="Work again"')
    r = client.post("/api/v1/processes/deployments?name=loop.bpmn", data=changed, headers=h,
                    content_type="application/xml")
    assert r.status_code == 201 and r.json["deployed"] == [{"key": "loop_test", "version": 2, "created": True}]
    r = client.post("/api/v1/processes/deployments?name=loop.bpmn", data=changed, headers=h,
                    content_type="application/xml")
    assert r.json["deployed"] == [{"key": "loop_test", "version": 2, "created": False}]
    listed = client.get("/api/v1/processes/loop_test", headers=h).json
    assert listed["latest_version"] == 2 and listed["versions"][1]["deployed_by"] == "designer"


def test_invalid_deployments_are_422_and_store_nothing(client, auth, sessions):
    h = auth("designer")
    r = client.post("/api/v1/processes/deployments", headers=h, content_type="multipart/form-data", data={
        "files": [(io.BytesIO((DATA / "loop.bpmn").read_bytes()), "loop.bpmn"), (io.BytesIO(BROKEN), "broken.bpmn")]})
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert r.json["file"] == "broken.bpmn" and r.json["element"] == "S"
    assert r.json["type"] == "urn:zhifa:problem:invalid-process"
    for body, ctype, name in ((b"<not xml", "application/xml", "x.bpmn"), (b"\xff\xfe", "application/xml", "x.bpmn"),
                              (b"<a/>", "application/xml", "x.txt"), (b"{}", "application/json", "x.bpmn")):
        r = client.post(f"/api/v1/processes/deployments?name={name}", data=body, headers=h, content_type=ctype)
        assert r.status_code == 422 and r.mimetype == "application/problem+json", (body, r.json)
    assert versions(sessions) == 0


def test_only_designers_deploy(client, auth, sessions):
    for user in ("cn_officer1", "supervisor", "auditor"):
        r = client.post("/api/v1/processes/deployments?name=loop.bpmn", data=(DATA / "loop.bpmn").read_bytes(),
                        headers=auth(user), content_type="application/xml")
        assert r.status_code == 403, user
    assert versions(sessions) == 0
