"""Bulk seeding with one INSERT … SELECT over a generated series (generate_series / a recursive CTE).

Rows are synthetic but shaped like the engine's: loop cases with empty workflow state, four open tasks per
case, due dates spread over 30 days (2 % without one), 10 % claimed, 20 % for another role.
"""
from __future__ import annotations

from sqlalchemy import select, text

from engine.deploy import latest
from engine.models import User

from bench.env import LOOP, Backend

CASE_BASE = 10_000_000      # synthetic case ids start above anything the other benchmarks create
TASKS_PER_CASE = 4
EPOCH = "2026-03-02 00:00:00"


def series(backend: Backend, first: int, last: int, select_sql: str) -> str:
    """``select_sql`` reads the integer ``i`` from ``s`` for i = first..last."""
    if backend.name == "postgresql":
        return f"{select_sql} FROM generate_series({first}, {last}) AS s(i)"
    return (f"WITH RECURSIVE s(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM s WHERE i < {last}) "
            f"{select_sql} FROM s")


def minutes_after_epoch(backend: Backend, expr: str) -> str:
    """SQL for EPOCH + ``expr`` minutes, in the column's storage form (UTC)."""
    if backend.name == "postgresql":
        return f"(TIMESTAMPTZ '{EPOCH}+00' + ({expr}) * INTERVAL '1 minute')"
    return f"(strftime('%Y-%m-%d %H:%M:%S', '{EPOCH}', '+' || ({expr}) || ' minutes') || '.000000')"


def day_after_epoch(backend: Backend, expr: str) -> str:
    if backend.name == "postgresql":
        return f"(DATE '{EPOCH[:10]}' + ({expr}))"
    return f"date('{EPOCH[:10]}', '+' || ({expr}) || ' days')"


def task_id_sql(backend: Backend) -> str:
    if backend.name == "postgresql":
        return "'bench' || lpad(i::text, 31, '0')"
    return "printf('bench%031d', i)"


def seed_cases(backend: Backend, first: int, last: int, unit: str) -> None:
    """Cases CASE_BASE+first .. CASE_BASE+last (running loop cases handled by ``unit``)."""
    with backend.sessions() as session:
        version_id = latest(session, LOOP).id
    cols = ("id, number, unit_id, process_version_id, process_key, state, title, data, workflow_state, version, "
            "opened_at")
    body = (f"SELECT {CASE_BASE} + i, 'BENCH-' || i, '{unit}', {version_id}, '{LOOP}', 'running', "
            f"'bench party ' || i, '{{}}', '', 1, {minutes_after_epoch(backend, 'i % 1440')}")
    with backend.engine.begin() as conn:
        conn.execute(text(f"INSERT INTO cases ({cols}) {series(backend, first, last, body)}"))


def seed_tasks(backend: Backend, first: int, last: int, unit: str, role: str = "officer",
               other_role: str = "case_reviewer") -> None:
    """Open tasks first..last on cases CASE_BASE + ceil(i / TASKS_PER_CASE) (seed those cases first)."""
    with backend.sessions() as session:
        claimer = session.scalar(select(User.id).where(User.username == "cn_officer2"))
    due = minutes_after_epoch(backend, "((i % 100003) * 7919) % 43200")
    cols = ("id, case_id, process_key, task_spec, title, role, unit_id, state, assignee_id, context, due_at, "
            "created_at, claimed_at")
    body = (f"SELECT {task_id_sql(backend)}, {CASE_BASE} + (i + {TASKS_PER_CASE - 1}) / {TASKS_PER_CASE}, "
            f"'{LOOP}', 'Task_work', 'Work', "
            f"CASE WHEN i % 5 = 0 THEN '{other_role}' ELSE '{role}' END, '{unit}', "
            f"CASE WHEN i % 10 = 3 THEN 'claimed' ELSE 'ready' END, "
            f"CASE WHEN i % 10 = 3 THEN {claimer} END, '{{}}', "
            f"CASE WHEN i % 50 = 0 THEN NULL ELSE {due} END, {minutes_after_epoch(backend, 'i % 100000')}, "
            f"CASE WHEN i % 10 = 3 THEN {minutes_after_epoch(backend, 'i % 100000')} END")
    with backend.engine.begin() as conn:
        conn.execute(text(f"INSERT INTO human_tasks ({cols}) {series(backend, first, last, body)}"))


def ensure_cases(backend: Backend, first: int, last: int, unit: str) -> None:
    """Cases CASE_BASE+first .. CASE_BASE+last exist (the inbox and sweep benchmarks share them)."""
    with backend.engine.connect() as conn:
        have = conn.execute(text(f"SELECT max(id) FROM cases WHERE id BETWEEN {CASE_BASE + first} "
                                 f"AND {CASE_BASE + last}")).scalar()
    start = first if have is None else have - CASE_BASE + 1
    if start <= last:
        seed_cases(backend, start, last, unit)


def seed_open_tasks(backend: Backend, first: int, last: int, unit: str) -> None:
    """Tasks first..last plus the cases they belong to."""
    ensure_cases(backend, (first + TASKS_PER_CASE - 1) // TASKS_PER_CASE,
                 (last + TASKS_PER_CASE - 1) // TASKS_PER_CASE, unit)
    seed_tasks(backend, first, last, unit)


def analyze(backend: Backend, *tables: str) -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) would keep them."""
    if backend.name == "postgresql":
        with backend.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in tables:
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    else:
        with backend.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def count(backend: Backend, sql: str) -> int:
    with backend.engine.connect() as conn:
        return conn.execute(text(sql)).scalar()
