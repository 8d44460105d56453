"""Figure 3: the claimable inbox (page of 50, sorted by due date) with 10k / 100k / 1M open tasks in the unit.

The statements are the ones ``engine.inbox.claimable`` sends (captured from the engine, not rewritten):
the total count (exact up to 10,000, then "10,000+") and the page. For comparison, the exact count the
engine sent before the cap is timed in the same run. Both are timed through the driver, and the whole engine call (ORM objects
included) is timed too. The baseline is a primary-key lookup of one task on the same connection.
"""
from __future__ import annotations

import time

from sqlalchemy import event

from engine import inbox
from engine.inbox import TaskFilter

from bench import bulk
from bench.env import UNIT, Backend
from bench.stats import Result, latency_result, median

NOISE_OFFSET = 50_000_000   # task numbers of the other unit's tasks (their own cases)
NOISE_UNIT = "chengbei"


def capture_statements(backend: Backend, actor) -> list[tuple[str, object]]:
    """Run the engine's claimable query once and return the SQL statements (with parameters) it sent."""
    sent: list[tuple[str, object]] = []

    def grab(_conn, _cursor, statement, parameters, _context, _many):
        sent.append((statement, parameters))

    event.listen(backend.engine, "before_cursor_execute", grab)
    try:
        with backend.sessions() as session:
            inbox.claimable(session, actor, TaskFilter(), sort="due_at", page=1, per_page=50)
    finally:
        event.remove(backend.engine, "before_cursor_execute", grab)
    return [(s, p) for s, p in sent if s.lstrip().upper().startswith("SELECT")]


def exact_count_sql(backend: Backend, actor) -> str:
    """The uncapped count of the claimable tab (literal parameters), as the engine sent it before the cap."""
    from sqlalchemy import func, select
    from engine.models import HumanTask
    stmt = select(func.count()).select_from(HumanTask).where(*inbox._claimable_where(actor))
    return str(stmt.compile(dialect=backend.engine.dialect, compile_kwargs={"literal_binds": True}))


def time_statement(backend: Backend, statement: str, params, repeat: int) -> list[float]:
    samples = []
    with backend.engine.connect() as conn:
        conn.exec_driver_sql(statement, params).fetchall()  # warm the cache
        for _ in range(repeat):
            t0 = time.perf_counter()
            conn.exec_driver_sql(statement, params).fetchall()
            samples.append(time.perf_counter() - t0)
        conn.rollback()
    return samples


def plan(backend: Backend, statement: str, params) -> str:
    prefix = "EXPLAIN " if backend.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with backend.engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, params).fetchall()
        conn.rollback()
    if backend.name == "postgresql":
        return "\n".join(r[0] for r in rows)
    return "\n".join(str(r[-1]) for r in rows)


def time_engine_call(backend: Backend, actor, repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (this process) of each engine call; CPU is steadier on a shared machine."""
    samples, cpu = [], []
    with backend.sessions() as session:
        for _ in range(repeat + 1):
            t0, c0 = time.perf_counter(), time.process_time()
            page = inbox.claimable(session, actor, TaskFilter(), sort="due_at", page=1, per_page=50)
            samples.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            session.expunge_all()
        assert len(page.items) == 50, f"expected a full page, got {len(page.items)}"
    return samples[1:], cpu[1:]


def measure(backend: Backend, size: int, repeat: int, show_plan: bool) -> list[Result]:
    actor = backend.actor()
    statements = capture_statements(backend, actor)
    count_sql = next(s for s in statements if "count(" in s[0].lower())
    page_sql = next(s for s in statements if "ORDER BY" in s[0] and "LIMIT" in s[0] and "human_tasks" in s[0])
    with backend.engine.connect() as conn:
        any_id = conn.exec_driver_sql("SELECT id FROM human_tasks LIMIT 1").scalar()
    pk_sql = "SELECT * FROM human_tasks WHERE id = " + ("%(id)s" if backend.name == "postgresql" else "?")
    pk = time_statement(backend, pk_sql, {"id": any_id} if backend.name == "postgresql" else (any_id,), repeat)
    base = median(pk)
    page_s = time_statement(backend, *page_sql, repeat)
    count_s = time_statement(backend, *count_sql, repeat)
    exact_sql = exact_count_sql(backend, actor)
    exact_s = time_statement(backend, exact_sql, {}, repeat)
    with backend.sessions() as session:
        shown = inbox.claimable(session, actor, TaskFilter(), per_page=1)
    shown = f"total shown: {shown.total:,}{'+' if shown.capped else ''}"
    call_s, call_cpu = time_engine_call(backend, actor, repeat)
    page_plan = plan(backend, *page_sql)
    uses_index = "ix_human_tasks_inbox" in page_plan
    config = f"{size:,} open tasks"
    common = dict(backend=backend.name, config=config, ratio_to="PK lookup")
    results = [
        latency_result("inbox", "page query (50 by due date)", page_s, **common,
                       ratio=round(median(page_s) / base, 1), value=f"index used: {'yes' if uses_index else 'NO'}",
                       detail={"plan": page_plan} if show_plan else {"plan_uses_index": uses_index}),
        latency_result("inbox", "total count query (stops at 10,001)", count_s, **common,
                       ratio=round(median(count_s) / base, 1), value=shown),
        latency_result("inbox", "exact count (what the engine sent before the cap)", exact_s, **common,
                       ratio=round(median(exact_s) / base, 1)),
        latency_result("inbox", "engine.inbox.claimable (count + page)", call_s, **common,
                       ratio=round(median(call_s) / base, 1),
                       value=f"client CPU p50 {median(call_cpu) * 1000:.1f} ms",
                       detail={"pk_lookup_ms": round(base * 1000, 3), "cpu_p50_ms": round(median(call_cpu) * 1000, 2)}),
    ]
    if size >= 1_000_000:
        results[0].target, results[0].met = "p50 ≤ 10 ms at 1M", results[0].p50_ms <= 10
        results[3].target, results[3].met = "p50 ≤ 10 ms at 1M", results[3].p50_ms <= 10
    return results


def inbox_backend(backend: Backend, quick: bool) -> list[Result]:
    if quick:
        sizes = [1_000]
    else:
        sizes = [10_000, 100_000] + ([1_000_000] if backend.name == "postgresql" else [])
    repeat = 5 if quick else 30
    results, seeded = [], 0
    for size in sizes:
        t0 = time.perf_counter()
        bulk.seed_open_tasks(backend, seeded + 1, size, UNIT)
        noise_from, noise_to = NOISE_OFFSET + seeded // 10 + 1, NOISE_OFFSET + size // 10
        bulk.seed_open_tasks(backend, noise_from, noise_to, NOISE_UNIT)
        bulk.analyze(backend, "cases", "human_tasks")
        seeded = size
        seed_seconds = time.perf_counter() - t0
        found = measure(backend, size, repeat, show_plan=size == sizes[-1])
        found[0].detail["seed_seconds"] = round(seed_seconds, 1)
        results += found
    return results


def run_inbox(backends: list[Backend], quick: bool) -> list[Result]:
    return [r for b in backends for r in inbox_backend(b, quick)]
