"""Version migration (issue 15): the dry run and the move of 10,000 running cases (targets on PostgreSQL:
dry run ≥ 1,000 cases/s, migration ≥ 200 cases/s).

The cases are bulk-seeded copies of one real ordinary-procedure case waiting at 立案审批 (its workflow state with
fresh task ids, its open task, its deadline clock and its event log), so every copy is a case the engine can load
and move. Version 2 corrects 立案审批's deadline (15 → 20 working days): every case is safe, and every move
recomputes a clock and records it. Each move is one transaction under the case lock, as in production; the copies'
hash chains are not re-verified (the log is copied as is; replay of moved cases is covered by the tests).
"""
from __future__ import annotations

import json
import os
import re
import time
import uuid

from sqlalchemy import insert, select, text

from bench.design import ordinary_sources
from bench.env import Backend
from bench.stats import Result
from engine import cases, migration, tasks
from engine.db import transaction
from engine.deploy import deploy_sources
from engine.models import Case, Clock, HumanTask
from engine.org import SYSTEM

WORKERS = 4           # batches moved side by side, each on its own connection
BASE = 20_000_000     # copied case ids start above anything the other benchmarks create
INTAKE = {"source": "patrol", "cause": "未经许可占道经营", "facts": "巡查发现当事人在人行道上摆摊经营",
          "lead_found_on": "2026-03-02", "place": "城南街道人民路"}
PROPOSAL = {"filing_recommendation": "file", "officer_opinion": "建议立案", "certificate_no": "ZF12345678",
            "legal_basis": "《城市市容和环境卫生管理条例》第十四条", "violation_on": "2026-02-27"}
PARTY = {"kind": "person", "name": "王小明", "id_number": "33010219800101123X", "address": "城南街道人民路8号"}
DEADLINE = '<spiffworkflow:property name="formKey" value="filing_approval" />\n' \
           '          <spiffworkflow:property name="deadline" value="15wd" />'
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _deploy(backend: Backend, version: int) -> None:
    sources = ordinary_sources()
    if version == 1:
        with transaction(backend.sessions) as session:
            deploy_sources(session, sources, deployed_by="bench", note="v1")
        return
    name = next(n for n, x in sources.bpmn.items() if DEADLINE in x)
    sources.bpmn[name] = sources.bpmn[name].replace(DEADLINE, DEADLINE.replace("15wd", "20wd"))
    with transaction(backend.sessions) as session:
        deploy_sources(session, sources, deployed_by="bench", note="立案审批期限更正为20个工作日")


def _template(backend: Backend) -> int:
    officer = backend.actor()
    with transaction(backend.sessions) as session:
        case = cases.start_case(session, officer, "ordinary_procedure", "chengnan", INTAKE, party=PARTY)
        case_id = case.id
    with transaction(backend.sessions) as session:
        task = session.scalar(select(HumanTask).where(HumanTask.case_id == case_id))
        tasks.complete(session, officer, task.id, PROPOSAL)
    return case_id


def _copy(backend: Backend, template: int, n: int) -> None:
    """n copies of the template case: state with fresh task ids, open task, clocks, events."""
    with backend.sessions() as session:
        case = session.get(Case, template)
        task_list = list(session.scalars(select(HumanTask).where(HumanTask.case_id == template)))
        clocks = list(session.scalars(select(Clock).where(Clock.case_id == template)))
        case_row = {c.key: getattr(case, c.key) for c in Case.__table__.columns}
        task_list = [{c.key: getattr(t, c.key) for c in HumanTask.__table__.columns} for t in task_list]
        clock_rows = [{c.key: getattr(k, c.key) for c in Clock.__table__.columns if c.key != "id"} for k in clocks]
    ids = sorted(set(UUID.findall(case_row["workflow_state"])))
    pattern = re.compile("|".join(map(re.escape, ids)))
    for start in range(1, n + 1, 1000):
        case_rows, task_rows, clock_out = [], [], []
        for i in range(start, min(start + 1000, n + 1)):
            fresh = {old: str(uuid.uuid4()) for old in ids}
            state = pattern.sub(lambda m: fresh[m.group(0)], case_row["workflow_state"])
            data = json.loads(pattern.sub(lambda m: fresh[m.group(0)], json.dumps(case_row["data"])))
            case_rows.append(dict(case_row, id=BASE + i, number=f"MIG-{i}", workflow_state=state,
                                  data=dict(data, case_id=BASE + i)))
            task_rows += [dict(t, id=fresh[t["id"]], case_id=BASE + i) for t in task_list]
            clock_out += [dict(k, case_id=BASE + i, task_id=fresh.get(k["task_id"], k["task_id"])
                               if k["task_id"] else None) for k in clock_rows]
        with backend.engine.begin() as conn:
            conn.execute(insert(Case.__table__), case_rows)
            conn.execute(insert(HumanTask.__table__), task_rows)
            if clock_out:
                conn.execute(insert(Clock.__table__), clock_out)
    cols = "seq, type, at, actor_id, task_id, task_spec, process_version_id, data, prev_hash, hash"
    if backend.name == "postgresql":
        sql = (f"INSERT INTO case_events (case_id, {cols}) SELECT {BASE} + s.i, {cols} FROM case_events e "
               f"CROSS JOIN generate_series(1, {n}) AS s(i) WHERE e.case_id = {template}")
    else:
        sql = (f"INSERT INTO case_events (case_id, {cols}) WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL "
               f"SELECT i + 1 FROM s WHERE i < {n}) SELECT {BASE} + s.i, {cols} FROM case_events e, s "
               f"WHERE e.case_id = {template}")
    with backend.engine.begin() as conn:
        conn.execute(text(sql))
    if backend.name == "postgresql":
        with backend.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("cases", "human_tasks", "clocks", "case_events"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")


def run_migration(backends: list[Backend], quick: bool) -> list[Result]:
    n = 50 if quick else int(os.environ.get("ZHIFA_BENCH_MIGRATION_CASES", "10000"))
    out = []
    for backend in backends:
        _deploy(backend, 1)
        template = _template(backend)
        _deploy(backend, 2)
        _copy(backend, template, n)
        with transaction(backend.sessions) as session:
            plan_id = migration.create_plan(session, SYSTEM, "ordinary_procedure", 1, 2, {}, True,
                                            "立案审批期限更正", by_name="bench").id
        with backend.sessions() as session:
            plan = session.get(migration.plan.MigrationPlan, plan_id)
            t0, c0 = time.perf_counter(), time.process_time()
            verdicts = migration.dry_run(session, plan)
            dry, dry_cpu = time.perf_counter() - t0, time.process_time() - c0
        counts = migration.summary(verdicts)
        rate = len(verdicts) / dry
        target = backend.name == "postgresql" and not quick
        out.append(Result("migration", "dry run: verdict of every running case", backend.name,
                          config=f"{len(verdicts)} cases", rate=round(rate, 1), value=f"{dry:.2f} s; {counts}; {dry_cpu / n * 1000:.2f} ms CPU/case here",
                          target="≥ 1,000 cases/s" if target else None, met=rate >= 1000 if target else None))
        t0, c0 = time.perf_counter(), time.process_time()
        results = migration.run_plan(backend.sessions, SYSTEM, plan_id, batch=100, workers=WORKERS)
        took, cpu = time.perf_counter() - t0, time.process_time() - c0
        moved = sum(1 for r in results if r.outcome == migration.MIGRATED)
        rate = moved / took
        out.append(Result("migration", "move every safe case (own transaction + case lock each)", backend.name,
                          config=f"{len(results)} cases, {WORKERS} workers", rate=round(rate, 1),
                          value=f"{took:.1f} s; {moved} moved, {len(results) - moved} not; "
                          f"{cpu / max(moved, 1) * 1000:.1f} ms CPU/case here",
                          target="≥ 200 cases/s" if target else None, met=rate >= 200 if target else None))
    return out
