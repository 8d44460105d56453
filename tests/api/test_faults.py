"""Faults answered honestly: runaway diagrams (422, others unaffected), lost or refused database connections
(503 + Retry-After), retries with an Idempotency-Key (the first answer, work done once), concurrent parties."""
from __future__ import annotations

import threading
import time

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from api import create_app
from engine import budget
from engine.config import Settings
from engine.models import Case, CaseParty, IdempotencyKey, Party
from tests.conftest import DATA
from tests.engine.helpers import deploy_unchecked

PROBLEM = "application/problem+json"
PARTY = {"kind": "organisation", "name": "城南某餐饮有限公司", "id_number": "91350100M000100Y43"}


def count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.fixture
def runaway(sessions):
    deploy_unchecked(sessions, DATA / "runaway", ["self_call.bpmn", "cycle_a.bpmn", "cycle_b.bpmn"])


@pytest.fixture
def limits(monkeypatch):
    def _set(**env):
        for name, value in env.items():
            monkeypatch.setenv(f"ZHIFA_BUDGET_{name.upper()}", str(value))
        budget.reset()
    yield _set
    monkeypatch.undo()
    budget.reset()


def _in_thread(fn):
    out = {}
    worker = threading.Thread(target=lambda: out.setdefault("r", fn()), daemon=True)
    worker.start()
    return worker, out


@pytest.mark.parametrize("procedure, elements", [("self_call", {"Call_self"}), ("cycle_a", {"Call_a", "Call_b"})])
def test_recursive_call_activity_answers_422_naming_it(app, client, auth, runaway, sessions, procedure, elements):
    h = auth("cn_officer1")
    worker, out = _in_thread(lambda: app.test_client().post(
        "/api/v1/cases", json={"procedure": procedure, "unit": "chengnan", "data": {}}, headers=h))
    login = app.test_client().post("/api/v1/auth/login", json={"username": "cn_officer2", "password": "zhifa-demo"})
    worker.join(timeout=120)
    assert not worker.is_alive()
    r = out["r"]
    assert r.status_code == 422 and r.mimetype == PROBLEM, r.json
    assert r.json["element"] in elements and r.json["reason"] == "call_depth"
    assert r.json["element"] in r.json["detail"] and "嵌套" in r.json["detail"]
    assert login.status_code == 200
    assert count(sessions, Case) == 0
    en = client.post("/api/v1/cases", json={"procedure": procedure, "unit": "chengnan", "data": {}},
                     headers=dict(h, **{"Accept-Language": "en"}))
    assert en.status_code == 422 and "call activity" in en.json["detail"]


def test_login_succeeds_while_a_runaway_start_spins(app, auth, runaway, sessions, limits):
    limits(call_depth=10**6, seconds=3)  # the wall-time budget stops it, not the depth
    h = auth("cn_officer1")
    worker, out = _in_thread(lambda: app.test_client().post(
        "/api/v1/cases", json={"procedure": "self_call", "unit": "chengnan", "data": {}}, headers=h))
    time.sleep(0.5)  # let the runaway start hold its transaction (and, on SQLite, the write lock)
    login = app.test_client().post("/api/v1/auth/login", json={"username": "cn_officer2", "password": "zhifa-demo"})
    worker.join(timeout=120)
    assert not worker.is_alive()
    assert out["r"].status_code == 422 and out["r"].json["reason"] == "seconds"
    assert login.status_code == 200, login.json
    assert count(sessions, Case) == 0


@pytest.mark.parametrize("url", ["postgresql+psycopg://postgres@127.0.0.1:1/zhifa?connect_timeout=2",
                                 "sqlite:////nonexistent-dir/zhifa.db"])
def test_refused_database_connection_is_503_with_retry_after(url, tmp_path):
    app = create_app(Settings(database_url=url), TESTING=True)
    client = app.test_client()
    for r in (client.post("/api/v1/auth/login", json={"username": "a", "password": "b"}),
              client.get("/api/v1/me", headers={"Authorization": "Bearer x"})):
        assert r.status_code == 503 and r.mimetype == PROBLEM, r.data
        assert int(r.headers["Retry-After"]) > 0 and r.json["type"].endswith("database-unavailable")
        assert "数据库" in r.json["detail"]


def _terminate_on(app, database_url, statement_prefix):
    """Kill (pg_terminate_backend) the request's own connection when it is about to run ``statement_prefix``."""
    eng = app.extensions["zhifa.db"].kw["bind"]
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    fired = []

    def before(conn, _cursor, statement, *_args):
        if fired or not statement.lstrip().upper().startswith(statement_prefix):
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        fired.append(pid)
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            for _ in range(100):  # wait until the backend is gone, so the statement surely fails
                if admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0] == 0:
                    break
                time.sleep(0.05)
    event.listen(eng, "before_cursor_execute", before)
    return lambda: event.remove(eng, "before_cursor_execute", before), fired


def test_killed_connection_is_503_and_the_keyed_retry_does_the_work_once(app, client, auth, start, sessions,
                                                                         backend, database_url):
    if backend != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL")
    h = dict(auth("cn_officer1"), **{"Idempotency-Key": "start-0001"})
    body = {"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s"}, "party": PARTY}
    remove, fired = _terminate_on(app, database_url, "INSERT INTO CASES")
    try:
        r = client.post("/api/v1/cases", json=body, headers=h)
    finally:
        remove()
    assert fired and r.status_code == 503 and r.mimetype == PROBLEM, r.data
    assert r.headers["Retry-After"]
    assert count(sessions, Case) == 0 and count(sessions, IdempotencyKey) == 0

    first = client.post("/api/v1/cases", json=body, headers=h)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = client.post("/api/v1/cases", json=body, headers=h)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert count(sessions, Case) == 1


def test_idempotency_key_replays_and_refuses_a_different_body(client, auth, start, sessions):
    h = dict(auth("cn_officer1"), **{"Idempotency-Key": "k-42"})
    body = {"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s"}}
    first = client.post("/api/v1/cases", json=body, headers=h)
    second = client.post("/api/v1/cases", json=body, headers=h)
    assert first.status_code == second.status_code == 201 and second.json == first.json
    other = client.post("/api/v1/cases", json=dict(body, data={"summary": "other"}), headers=h)
    assert other.status_code == 422 and other.mimetype == PROBLEM and "Idempotency-Key" in other.json["errors"]
    assert count(sessions, Case) == 1
    # keys are per user: another officer's identical key is a new request
    mine = client.post("/api/v1/cases", json=body, headers=dict(auth("cn_officer2"), **{"Idempotency-Key": "k-42"}))
    assert mine.status_code == 201 and mine.json["id"] != first.json["id"]
    bad = client.post("/api/v1/cases", json=body, headers=dict(h, **{"Idempotency-Key": "含中文"}))
    assert bad.status_code == 422
    # task completion: the retry replays the first answer instead of a 409
    task = first.json["tasks"][0]["id"]
    hc = dict(auth("cn_officer1"), **{"Idempotency-Key": "complete-1"})
    done = client.post(f"/api/v1/tasks/{task}/complete", json={"data": {"decision": "ok"}}, headers=hc)
    redo = client.post(f"/api/v1/tasks/{task}/complete", json={"data": {"decision": "ok"}}, headers=hc)
    assert done.status_code == 200, done.json
    assert redo.status_code == 200 and redo.json == done.json
    # a failed write stores nothing under its key: fixed and retried, it runs
    assert client.post(f"/api/v1/tasks/{task}/complete", json={"data": {"decision": "ok"}}, headers=dict(
        hc, **{"Idempotency-Key": "c-2"})).status_code == 409
    assert count(sessions, IdempotencyKey) == 3


def test_ten_officers_registering_the_same_party_make_one_party(app, client, auth, test_processes, sessions):
    headers = [auth(u) for u in ("cn_officer1", "cn_officer2", "cn_officer3", "cn_leader")]
    results, barrier = [], threading.Barrier(10)

    def register(i):
        client = app.test_client()
        barrier.wait()
        results.append(client.post("/api/v1/cases", json={
            "procedure": "api_review", "unit": "chengnan", "data": {"summary": f"s{i}"}, "party": PARTY},
            headers=headers[i % len(headers)]))
    workers = [threading.Thread(target=register, args=(i,)) for i in range(10)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
    assert sorted(r.status_code for r in results) == [201] * 10, [r.json for r in results if r.status_code != 201]
    assert count(sessions, Party) == 1 and count(sessions, Case) == 10 and count(sessions, CaseParty) == 10


def test_a_pooled_connection_killed_while_idle_is_replaced_without_an_error(app, client, auth, start, backend,
                                                                          database_url):
    """The pool checks a connection before use without a round trip (engine.db._check_alive): one the server
    closed while it sat in the pool (a restart, pg_terminate_backend) is dropped and the request still works."""
    if backend != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL")
    h = auth("cn_officer1")
    assert client.get("/api/v1/me", headers=h).status_code == 200
    eng = app.extensions["zhifa.db"].kw["bind"]
    with eng.connect() as conn:   # the pooled connection the next request will get
        pid = conn.connection.dbapi_connection.info.backend_pid
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(100):
            if admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0] == 0:
                break
            time.sleep(0.05)
    time.sleep(0.1)   # the FATAL message reaches the idle socket
    for _ in range(3):
        r = client.get("/api/v1/me", headers=h)
        assert r.status_code == 200, r.data
    with eng.connect() as conn:
        assert conn.connection.dbapi_connection.info.backend_pid != pid
