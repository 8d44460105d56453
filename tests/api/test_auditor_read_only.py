"""Auditors change nothing: every write operation of the OpenAPI document answers 403 to an auditor,
whatever the body, and nothing is stored; their exports and history views land in the access log."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from engine.models import AccessLog, Case, CaseEvent, HumanTask

WRITE_METHODS = ("post", "put", "patch", "delete")
MACHINE = ("/api/v1/channel/",)   # intake channels authenticate with X-Channel-Key, not as a user
NO_AUTH = {"/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/account/password"}   # their own session/password


def counts(sessions) -> tuple:
    with sessions() as session:
        return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Case, CaseEvent, HumanTask))


def test_every_write_operation_is_403_for_auditors(client, auth, start, sessions):
    case = start("cn_officer1", "chengnan")
    task_id = case["tasks"][0]["id"]
    spec = client.get("/api/openapi.json").json
    values = {"case_id": case["id"], "task_id": task_id, "id": 1, "key": "api_review", "version": 1, "n": 1,
              "clock_id": 1, "notification_id": 1, "day": "2027-02-10", "year": 2027,
              "step": "urge"}
    before = counts(sessions)
    tried = []
    for path, ops in spec["paths"].items():
        if path in NO_AUTH or path.startswith(MACHINE):
            continue
        for method in WRITE_METHODS:
            if method not in ops:
                continue
            url = re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)
            for body in ({}, {"data": {"summary": "x"}, "procedure": "api_review", "unit": "chengnan"}):
                r = client.open(url, method=method.upper(), json=body, headers=auth("auditor"))
                assert r.status_code == 403, (method, url, r.status_code, r.json)
                assert r.json["detail"].startswith("审计人员只能查看")
            tried.append((method, path))
    assert len(tried) >= 8, tried
    assert ("post", "/api/v1/cases") in tried and ("post", "/api/v1/tasks/{task_id}/complete") in tried
    assert counts(sessions) == before


def test_exports_and_replays_are_logged_for_administrators(client, auth, start, sessions):
    case = start("cn_officer1", "chengnan", party={"kind": "person", "name": "王小明",
                                                  "id_number": "11010519491231002X"})
    h = auth("auditor")
    pdf = client.get(f"/api/v1/cases/{case['id']}/export.pdf", headers=h)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "filename*=UTF-8''" in pdf.headers["Content-Disposition"] and len(pdf.headers["X-Chain-Head"]) == 64
    archive = client.get(f"/api/v1/cases/{case['id']}/export.zip", headers=h)
    assert archive.status_code == 200 and archive.mimetype == "application/zip" and archive.data[:2] == b"PK"
    assert client.get(f"/api/v1/cases/{case['id']}/replay", headers=h).status_code == 200
    assert client.get(f"/api/v1/cases/{case['id']}/export.zip", headers=auth("cb_officer1")).status_code == 404
    assert client.get("/api/v1/audit/access-log", headers=h).status_code == 403
    log = client.get("/api/v1/audit/access-log", headers=auth("admin")).json
    assert [(e["user"], e["action"], e["case_number"]) for e in log["items"]] == [
        ("auditor", "replay", case["number"]), ("auditor", "export_zip", case["number"]),
        ("auditor", "export_pdf", case["number"])]
    only = client.get("/api/v1/audit/access-log?action=export_pdf", headers=auth("admin")).json
    assert only["total"] == 1
    assert client.get("/api/v1/audit/access-log?action=delete", headers=auth("admin")).status_code == 422
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AccessLog)) == 3
