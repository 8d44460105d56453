"""Supervision figures: the 履职评估 report for a county over a year, colour recomputation, the 双随机 draw.

- report: ``engine.performance.figures.report`` over every evaluated unit for one year, with N completed tasks
  (spread over five units and the year), N/4 cases (80 % closed, outcomes mixed) and N/4 clocks. Target at
  1,000,000 tasks on PostgreSQL: ≤ 2 s. Baseline: a count(*) of the tasks table on the same connection.
- colour: ``engine.entities.colours.recompute`` per entity (each with three cases: a joint inspection with a
  violation, a closed penalty case, a running case) — the real DMN table. Target ≤ 5 ms per entity.
- draw: ``engine.entities.plans.draw`` of 1,000 entities from 100,000 profiles (candidates query, weighted
  sampling, two inspectors per agency). Target ≤ 1 s. The transaction is rolled back.
"""
from __future__ import annotations

import time
from datetime import date

from sqlalchemy import text

from engine import clock
from engine.config import ROOT
from engine.db import transaction
from engine.deploy import deploy_directory
from engine.entities import colours, plans
from engine.models import EntityProfile
from engine.performance import figures, scope

from bench import bulk
from bench.env import Backend
from bench.stats import Result, latency_result, median

BASE = 30_000_000           # synthetic ids above the other benchmarks' rows
UNITS = ("chengnan", "chengbei", "jiangkou", "qingshan", "agency_market")
YEAR = "2026-01-01 00:00:00"
MINUTES_IN_YEAR = 525_600


def _at(backend: Backend, expr: str) -> str:
    if backend.name == "postgresql":
        return f"(TIMESTAMPTZ '{YEAR}+00' + ({expr}) * INTERVAL '1 minute')"
    return f"(strftime('%Y-%m-%d %H:%M:%S', '{YEAR}', printf('%+d minutes', {expr})) || '.000000')"


def _day(backend: Backend, expr: str) -> str:
    if backend.name == "postgresql":
        return f"(DATE '{YEAR[:10]}' + ({expr}))"
    return f"date('{YEAR[:10]}', printf('%+d days', {expr}))"


def _json(backend: Backend, expr: str) -> str:
    return f"({expr})::jsonb" if backend.name == "postgresql" else f"({expr})"


def _unit(var: str = "i") -> str:
    return "CASE " + " ".join(f"WHEN {var} % {len(UNITS)} = {k} THEN '{u}'" for k, u in enumerate(UNITS)) + " END"


def seed_year(backend: Backend, tasks: int) -> None:
    """``tasks`` completed tasks, tasks/4 cases and tasks/4 clocks over the year 2026, five units. A case's
    tasks are done by its own unit (as in production): tasks of other units' cases would make every officer
    have "helped" on a fifth of all cases, a shape the other benchmarks sharing the database (audit's case
    search) would then measure."""
    n_cases = tasks // 4
    with backend.sessions() as session:
        version = session.execute(text("SELECT id FROM process_versions WHERE process_key = 'ordinary_procedure' "
                                       "ORDER BY version DESC LIMIT 1")).scalar()
    opened = "((i % 100000) * 7919) % 500000"  # stays within 32-bit integers at 1M rows
    outcome = ("CASE WHEN i % 4 = 0 THEN '{\"decision_outcome\": \"penalise\"}' WHEN i % 4 = 1 THEN "
               "'{\"decision_outcome\": \"no_penalty\"}' ELSE '{\"case_outcome\": \"closed\"}' END")
    case_sql = (f"SELECT {BASE} + i, 'SUP-' || i, {_unit()}, {version}, 'ordinary_procedure', "
                f"CASE WHEN i % 5 = 0 THEN 'running' ELSE 'completed' END, 'bench', {_json(backend, outcome)}, '', 1, "
                f"{_at(backend, opened)}, CASE WHEN i % 5 = 0 THEN NULL ELSE {_at(backend, opened + ' + 20000')} END")
    task_id = ("'sup' || lpad(i::text, 33, '0')" if backend.name == "postgresql" else "printf('sup%033d', i)")
    created = "((i % 100000) * 4729 + i) % 520000"
    task_sql = (f"SELECT {task_id}, {BASE} + 1 + (i % {n_cases}), 'ordinary_procedure', 'Task_' || (i % 12), "
                f"'环节' || (i % 12), 'officer', {_unit(f'(1 + (i % {n_cases}))')}, 'completed', '{{}}', '{{}}', "
                f"{_at(backend, created)}, "
                f"{_at(backend, created + ' + (i % 4320)')}")
    due = "((i * 31) % 360)"
    clock_sql = (f"SELECT {BASE} + i, {BASE} + i, 'task', 'x', '期限' || (i % 6), {_unit()}, 5, 'wd', "
                 f"{_day(backend, due + ' - 7')}, {_at(backend, '(' + due + ' - 7) * 1440')}, 0, 0, 0, '[]', "
                 f"{_day(backend, due)}, {_at(backend, due + ' * 1440 + 960')}, {_day(backend, due + ' - 2')}, "
                 f"false, CASE WHEN i % 7 = 0 THEN 'overdue' WHEN i % 11 = 0 THEN 'running' ELSE 'met' END, "
                 f"CASE WHEN i % 7 = 0 THEN 'red' ELSE 'green' END, 0, 0, "
                 f"{_at(backend, '(' + due + ' - 7) * 1440')}, "
                 f"CASE WHEN i % 11 = 0 AND i % 7 != 0 THEN NULL ELSE {_at(backend, due + ' * 1440 + (i % 5000) - 2000')} END")
    with backend.engine.begin() as conn:
        conn.execute(text("INSERT INTO cases (id, number, unit_id, process_version_id, process_key, state, title, "
                          "data, workflow_state, version, opened_at, closed_at) "
                          + bulk.series(backend, 1, n_cases, case_sql)))
        conn.execute(text("INSERT INTO human_tasks (id, case_id, process_key, task_spec, title, role, unit_id, "
                          "state, context, rules, created_at, completed_at) " + bulk.series(backend, 1, tasks, task_sql)))
        conn.execute(text("INSERT INTO clocks (id, case_id, kind, spec, label, unit_id, limit_days, unit, started_on, "
                          "started_at, extension_days, process_extension_days, paused_units, pauses, due_on, due_at, "
                          "yellow_on, estimated, state, colour, colour_changes, escalation_level, created_at, "
                          "closed_at) " + bulk.series(backend, 1, n_cases, clock_sql)))
    bulk.analyze(backend, "cases", "human_tasks", "clocks")


def seed_profiles(backend: Backend, n: int) -> None:
    """``n`` organisations with profiles in the four townships (colours 60/30/10 %, risks mixed), due now."""
    uscc = "'91' || lpad(i::text, 16, '0')" if backend.name == "postgresql" else "'91' || printf('%016d', i)"
    party_sql = f"SELECT {BASE} + i, 'organisation', '企业' || i, {uscc}, {_at(backend, '0')}"
    colour = "CASE WHEN i % 10 < 6 THEN 'green' WHEN i % 10 < 9 THEN 'yellow' ELSE 'red' END"
    risk = "CASE WHEN i % 3 = 0 THEN 'low' WHEN i % 3 = 1 THEN 'medium' ELSE 'high' END"
    town = "CASE WHEN i % 4 = 0 THEN 'chengnan' WHEN i % 4 = 1 THEN 'chengbei' WHEN i % 4 = 2 THEN 'jiangkou' ELSE 'qingshan' END"
    profile_sql = (f"SELECT {BASE} + i, {town}, '餐饮服务', '[]', {risk}, 'good', false, {colour}, "
                   f"{_at(backend, '0')}, {_at(backend, '0')}")
    with backend.engine.begin() as conn:
        conn.execute(text("INSERT INTO parties (id, kind, name, id_number, created_at) "
                          + bulk.series(backend, 1, n, party_sql)))
        conn.execute(text("INSERT INTO entity_profiles (party_id, township_id, industry, licences, risk_level, "
                          "credit, major_hazard, colour, created_at, updated_at) "
                          + bulk.series(backend, 1, n, profile_sql)))
    bulk.analyze(backend, "parties", "entity_profiles")


def measure_report(backend: Backend, tasks: int, repeat: int) -> list[Result]:
    supervisor = backend.actor("supervisor")
    with backend.sessions() as session:
        units = [u.id for u in scope.units_in_scope(session, supervisor)]
        samples = []
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            rep = figures.report(session, units, date(2026, 1, 1), date(2026, 12, 31))
            samples.append(time.perf_counter() - t0)
        samples = samples[1:]
        assert sum(sum(s["count"] for s in r["steps"]) for r in rep["units"]) >= tasks * 0.99
        base = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            session.execute(text("SELECT count(*) FROM human_tasks")).scalar()
            base.append(time.perf_counter() - t0)
    res = latency_result("supervision", "履职评估 report, county, one year", samples, backend=backend.name,
                         config=f"{tasks:,} tasks, {len(units)} units", ratio=round(median(samples) / median(base), 1),
                         ratio_to="count(*) of human_tasks")
    if tasks >= 1_000_000:
        res.target, res.met = "≤ 2 s at 1M tasks (PostgreSQL)", res.p50_ms <= 2000
    return [res]


def measure_colours(backend: Backend, entities: int) -> list[Result]:
    """Colour recomputation of entities with three cases each (cases seeded through the profiles' parties)."""
    with backend.sessions() as session:
        version = session.execute(text("SELECT id FROM process_versions WHERE process_key = 'joint_inspection' "
                                       "ORDER BY version DESC LIMIT 1")).scalar()
    first = BASE + 5_000_000
    data = ("CASE WHEN i % 3 = 0 THEN '{\"visit_date\": \"2026-10-01\", \"findings\": {\"agency_market\": "
            "{\"result\": \"violation\", \"violations\": [{\"facts\": \"x\"}]}}}' WHEN i % 3 = 1 THEN "
            "'{\"decision_outcome\": \"penalise\", \"decided_on\": \"2026-09-01\"}' ELSE '{\"filed_on\": \"2026-10-01\"}' END")
    key = ("CASE WHEN i % 3 = 0 THEN 'joint_inspection' ELSE 'ordinary_procedure' END")
    case_sql = (f"SELECT {first} + i, 'COL-' || i, 'chengnan', {version}, {key}, "
                f"CASE WHEN i % 3 = 2 THEN 'running' ELSE 'completed' END, 'bench', {_json(backend, data)}, '', 1, "
                f"{_at(backend, '400000')}, {_at(backend, '410000')}")
    link_sql = f"SELECT {first} + i, {BASE} + 1 + (i - 1) / 3"
    with backend.engine.begin() as conn:
        conn.execute(text("INSERT INTO cases (id, number, unit_id, process_version_id, process_key, state, title, "
                          "data, workflow_state, version, opened_at, closed_at) "
                          + bulk.series(backend, 1, entities * 3, case_sql)))
        conn.execute(text("INSERT INTO case_parties (case_id, party_id) " + bulk.series(backend, 1, entities * 3,
                                                                                         link_sql)))
    bulk.analyze(backend, "cases", "case_parties")
    samples = []
    with backend.sessions() as session:
        for pid in range(BASE + 1, BASE + entities + 1):
            profile = session.get(EntityProfile, pid)
            t0 = time.perf_counter()
            colours.recompute(session, profile, "manual")
            samples.append(time.perf_counter() - t0)
        session.rollback()
    res = latency_result("supervision", "colour recomputation (DMN) per entity", samples, backend=backend.name,
                         config=f"{entities} entities × 3 cases")
    res.target, res.met = "≤ 5 ms per entity", res.p50_ms <= 5
    return [res]


def measure_draw(backend: Backend, pool: int, size: int, repeat: int) -> list[Result]:
    leader = backend.actor("cn_leader")
    samples = []
    for k in range(repeat):
        with backend.sessions() as session:
            plan = plans.create(session, leader, "chengnan", {
                "title": "bench", "period_from": date(2026, 12, 1), "period_to": date(2026, 12, 31),
                "items": [{"agency": "agency_market", "items": "许可"}, {"agency": "agency_fire", "items": "消防"}],
                "sample_size": size})
            t0 = time.perf_counter()
            drawn = plans.draw(session, leader, plan.id, f"bench-{k}")
            session.flush()
            samples.append(time.perf_counter() - t0)
            assert len(drawn.entries) == size and drawn.draw_info["candidates"] >= pool
            session.rollback()
    res = latency_result("supervision", f"双随机 draw of {size:,}", samples, backend=backend.name,
                         config=f"from {pool:,} entities")
    if pool >= 100_000:
        res.target, res.met = "≤ 1 s for 1,000 of 100,000", res.p50_ms <= 1000
    return [res]


def supervision_backend(backend: Backend, quick: bool) -> list[Result]:
    clock.freeze(clock.now().replace(year=2026, month=11, day=30))
    with transaction(backend.sessions) as session:  # the real procedures and the colour table
        deploy_directory(session, ROOT / "processes", deployed_by="bench")
    try:
        if quick:
            tasks, pool, size, entities, repeat = 2_000, 1_000, 50, 20, 2
        else:
            tasks = 1_000_000 if backend.name == "postgresql" else 100_000
            pool, size, entities, repeat = 100_000, 1_000, 200, 5
        seed_year(backend, tasks)
        results = measure_report(backend, tasks, repeat)
        seed_profiles(backend, pool)
        results += measure_draw(backend, pool, size, repeat)
        results += measure_colours(backend, entities)
        return results
    finally:
        clock.reset()


def run_supervision(backends: list[Backend], quick: bool) -> list[Result]:
    return [r for b in backends for r in supervision_backend(b, quick)]
