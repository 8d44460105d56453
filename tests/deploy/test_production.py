"""A fresh PostgreSQL install done the way the README's production section says, in order: ``zhifa db upgrade``,
``zhifa deploy``, ``zhifa org import``, ``zhifa serve`` (2 gunicorn workers) and two ``zhifa scheduler``s —
then a case is served end to end over HTTP by the imported users."""
from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from engine.config import ROOT
from tests.conftest import BACKENDS, create_pg_database, drop_pg_database
from tests.processes import test_simple as simple
from tests.web.conftest import free_port

pytestmark = pytest.mark.skipif("postgresql" not in BACKENDS, reason="the production install runs on PostgreSQL")

ORG = """
units:
  - {id: pcounty, name: 样例县综合行政执法局, kind: bureau, parent: null, doc_prefix: 样综执罚}
  - {id: ptown, name: 样例镇综合行政执法队, kind: township, parent: pcounty, doc_prefix: 样例镇综执罚}
users:
  - {username: p_admin, display_name: 管理员, roles: [{unit: pcounty, role: admin}]}
  - {username: p_officer, display_name: 执法队员 王, roles: [{unit: ptown, role: officer}]}
  - {username: p_leader, display_name: 中队长 李, roles: [{unit: ptown, role: squad_leader}]}
"""
STEPS = ["zhifa db upgrade", "zhifa deploy", "zhifa org import", "zhifa serve", "zhifa scheduler"]


def zhifa(*args, env, **kw):
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, **kw)


def call(base, method, path, body=None, token=None, headers=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(
        body, ensure_ascii=False).encode(), headers={"Content-Type": "application/json", **(headers or {}),
                                                     **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), dict(e.headers)


def test_readme_production_install_serves_a_case(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Production"):]
    positions = [section.index(step) for step in STEPS]
    assert positions == sorted(positions), "README production section lists the steps in this order"

    url = create_pg_database("zhifa_prod")
    port = free_port()
    env = {**os.environ, "ZHIFA_DATABASE_URL": url, "ZHIFA_SECRET_KEY": "p" * 48, "ZHIFA_WORKERS": "2",
           "ZHIFA_BIND": f"127.0.0.1:{port}", "ZHIFA_SCHEDULER_INTERVAL": "2"}
    env.pop("ZHIFA_FORMS_DIR", None)
    env.pop("ZHIFA_PROCESSES_DIR", None)
    procs = []
    try:
        assert zhifa("db", "upgrade", env=env).returncode == 0
        deployed = zhifa("deploy", env=env)
        assert deployed.returncode == 0 and "simple_procedure: version 1 deployed" in deployed.stdout
        (tmp_path / "org.yaml").write_text(ORG, encoding="utf-8")
        imported = zhifa("org", "import", str(tmp_path / "org.yaml"), "--passwords-out", str(tmp_path / "pw.csv"),
                         env=env)
        assert imported.returncode == 0, imported.stderr
        with open(tmp_path / "pw.csv", encoding="utf-8") as f:
            passwords = {row["username"]: row["temporary_password"] for row in csv.DictReader(f)}
        # without the secret key, serve refuses to start with a clear message
        nokey = zhifa("serve", env={k: v for k, v in env.items() if k != "ZHIFA_SECRET_KEY"})
        assert nokey.returncode != 0 and "ZHIFA_SECRET_KEY" in nokey.stderr

        log = open(tmp_path / "serve.log", "w")
        procs.append(subprocess.Popen([sys.executable, "-m", "api.cli", "serve"], cwd=ROOT, env=env, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True))
        for i in range(2):
            procs.append(subprocess.Popen([sys.executable, "-m", "api.cli", "scheduler"], cwd=ROOT, env=env,
                                          stdout=open(tmp_path / f"sched{i}.log", "w"), stderr=subprocess.STDOUT,
                                          start_new_session=True))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                status, body, _ = call(base, "GET", "/ready")
                if status == 200:
                    break
            except OSError:
                pass
            assert procs[0].poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "zhifa serve never became ready"
            time.sleep(0.5)
        assert body == {"status": "ready", "database": "ok"}

        tokens = {}
        for user in ("p_officer", "p_leader"):
            status, body, _ = call(base, "POST", "/api/v1/auth/login",
                                   {"username": user, "password": passwords[user]})
            assert status == 200 and body["must_change_password"] is True
            tokens[user] = body["token"]
            assert call(base, "GET", "/api/v1/tasks/mine", token=tokens[user])[0] == 403
            status, _, _ = call(base, "POST", "/api/v1/account/password", {
                "current_password": passwords[user], "new_password": "Changed2026pw"}, token=tokens[user])
            assert status == 204
        start = {"procedure": "simple_procedure", "unit": "ptown",
                 "data": {"cause": "乱扔垃圾", "place": "样例镇人民路", "lead_found_on": "2026-03-02"},
                 "party": {"kind": "person", "name": "王小明", "id_number": "11010519491231002X"}}
        keyed = {"Idempotency-Key": "prod-start-1", "X-Request-Id": "req-prod-0001"}
        status, case, headers = call(base, "POST", "/api/v1/cases", start, tokens["p_officer"], keyed)
        assert status == 201 and case["number"].startswith("样例镇综执罚〔"), case
        assert headers["X-Request-Id"] == "req-prod-0001"
        again = call(base, "POST", "/api/v1/cases", start, tokens["p_officer"], keyed)
        assert again[0] == 201 and again[1]["id"] == case["id"]                 # replayed by another worker too

        # the same statutory data the simple-procedure tests use (the law's rules apply here too)
        steps = [("p_officer", simple.record("warning", 0)), ("p_officer", simple.decision(0)),
                 ("p_leader", simple.FILING)]
        task = case["tasks"][0]
        for user, data in steps:
            status, done, _ = call(base, "POST", f"/api/v1/tasks/{task['id']}/complete", {"data": data},
                                   tokens[user])
            assert status == 200, done
            task = done["next_tasks"][0] if done["next_tasks"] else None
        assert done["case_state"] == "completed" and task is None
        status, detail, _ = call(base, "GET", f"/api/v1/cases/{case['id']}", token=tokens["p_leader"])
        assert detail["state"] == "completed"
        assert all(p.poll() is None for p in procs), "server and schedulers keep running"
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        drop_pg_database(url)
    lines = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines()
             if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "zhifa.access"]
    assert any(line.get("request_id") == "req-prod-0001" and line["status"] == 201 for line in access)
    assert {line["user"] for line in access if line.get("user")} >= {"p_officer", "p_leader"}
    assert all(re.fullmatch(r"[A-Za-z0-9._\-]{1,128}", line["request_id"]) for line in access)
