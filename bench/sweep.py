"""Figure 4: the deadline sweep with 100,000 and 1,000,000 running clocks (engine/deadlines/sweeps.py).

Clocks are bulk-seeded green with nothing due; the idle sweep is the scheduler's whole job
(``sweeps.run_all``: due timers, colours, escalations). Then 10,000 clocks are armed in one UPDATE (half
about to turn yellow, half red) and ``sweeps.advance_colours`` is called back to back until nothing is due:
that is the colour-change figure (set-based: a batch of cases locked per transaction, its events,
notifications and outbox rows written in bulk). The CPU seconds of this process and of the PostgreSQL
backends serving it are reported too: on a shared machine they are steadier than the wall time.
"""
from __future__ import annotations

import time
from datetime import date

from sqlalchemy import text

from engine import clock as wall
from engine.deadlines import sweeps
from engine.deadlines.calendar import local_date
from engine.deadlines.config import settings

from bench import bulk, loop
from bench.env import UNIT, Backend
from bench.stats import Result, latency_result, median, ms

CLOCKS_PER_CASE = 4        # on the same synthetic cases as the inbox benchmark (bulk.ensure_cases)
CLOCK_BASE = 20_000_000    # clock ids CLOCK_BASE + i


def day_sql(backend: Backend, today: date, offset: str) -> str:
    if backend.name == "postgresql":
        return f"(DATE '{today.isoformat()}' + ({offset}))"
    return f"date('{today.isoformat()}', printf('%+d days', {offset}))"


def seed_clocks(backend: Backend, first: int, last: int, today: date) -> None:
    """Running green clocks first..last, none due; 4 per case on this benchmark's synthetic cases."""
    bulk.ensure_cases(backend, (first + CLOCKS_PER_CASE - 1) // CLOCKS_PER_CASE,
                      (last + CLOCKS_PER_CASE - 1) // CLOCKS_PER_CASE, UNIT)
    case_id = f"{bulk.CASE_BASE} + (i + {CLOCKS_PER_CASE - 1}) / {CLOCKS_PER_CASE}"
    stamp = bulk.minutes_after_epoch(backend, "i % 1440")
    cols = ("id, case_id, kind, spec, label, unit_id, limit_days, unit, started_on, started_at, extension_days, "
            "process_extension_days, paused_units, pauses, due_on, due_at, yellow_on, estimated, state, colour, "
            "colour_changes, escalation_level, created_at")
    body = (f"SELECT {CLOCK_BASE} + i, {case_id}, 'case', 'bench_loop', '办案期限', '{UNIT}', 60, 'd', "
            f"{day_sql(backend, today, '-5')}, {stamp}, 0, 0, 0, '[]', {day_sql(backend, today, '20 + i % 40')}, "
            f"{stamp}, {day_sql(backend, today, '10 + i % 40')}, FALSE, 'running', 'green', 0, 0, {stamp}")
    with backend.engine.begin() as conn:
        conn.execute(text(f"INSERT INTO clocks ({cols}) {bulk.series(backend, first, last, body)}"))


def arm(backend: Backend, last: int, count: int, offset: int, today: date) -> int:
    """Make ``count`` of clocks 1..last due: even picks turn yellow, odd picks (already yellow) turn red."""
    step = last // count
    pick = f"(id - {CLOCK_BASE}) % {step} = {offset} AND id - {CLOCK_BASE} <= {step * count}"
    red = f"((id - {CLOCK_BASE}) / {step}) % 2 = 1"
    sql = (f"UPDATE clocks SET "
           f"colour = CASE WHEN {red} THEN 'yellow' ELSE 'green' END, "
           f"yellow_on = CASE WHEN {red} THEN {day_sql(backend, today, '-5')} "
           f"ELSE {day_sql(backend, today, '-1')} END, "
           f"due_on = CASE WHEN {red} THEN {day_sql(backend, today, '-1')} ELSE {day_sql(backend, today, '3')} END "
           f"WHERE {pick}")
    with backend.engine.begin() as conn:
        return conn.execute(text(sql)).rowcount


def idle_sweeps(backend: Backend, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat + 1):
        t0 = time.perf_counter()
        results = sweeps.run_all(backend.sessions)
        samples.append(time.perf_counter() - t0)
        busy = {k: r.done for k, r in results.items() if r.done}
        assert not busy, f"the idle sweep found work: {busy}"
    return samples[1:]


def server_pids(backend: Backend) -> list[int]:
    """The PostgreSQL backends serving this benchmark's connection pool (the server runs on this machine)."""
    if backend.name != "postgresql":
        return []
    conns = [backend.engine.connect() for _ in range(2)]
    try:
        return [c.execute(text("SELECT pg_backend_pid()")).scalar() for c in conns]
    finally:
        for c in conns:
            c.close()


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (/proc/<pid>/stat), in seconds."""
    import os
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, PermissionError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def drain(backend: Backend, cap_seconds: float) -> tuple[int, float, int, list[float]]:
    """advance_colours until nothing is due (or the time cap); returns changes, seconds, sweeps, batch times."""
    changed, batches = 0, []
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < cap_seconds:
        b0 = time.perf_counter()
        result = sweeps.advance_colours(backend.sessions)
        batches.append(time.perf_counter() - b0)
        if result.failed:
            raise RuntimeError(f"colour sweep failed on {result.failed} cases")
        changed += result.done
        if result.cases == 0 and result.skipped == 0:
            break
    return changed, time.perf_counter() - t0, len(batches), batches


def engine_step_baseline(backend: Backend, steps: int = 10) -> float:
    actor = backend.actor()
    _case, task_id = loop.start(backend, actor)
    lat = []
    for _ in range(steps + 1):
        t0 = time.perf_counter()
        task_id = loop.engine_step(backend, actor, task_id)
        lat.append(time.perf_counter() - t0)
    return median(lat[1:])


def sweep_backend(backend: Backend, quick: bool) -> list[Result]:
    if quick:
        sizes, changes, repeat, cap = [1_000], 100, 3, 60.0
    else:
        sizes = [100_000] + ([1_000_000] if backend.name == "postgresql" else [])
        changes, repeat, cap = 10_000, 10, 75.0
    today = local_date(wall.now())
    step_cost = engine_step_baseline(backend)
    results, seeded = [], 0
    for n, size in enumerate(sizes):
        t0 = time.perf_counter()
        seed_clocks(backend, seeded + 1, size, today)
        bulk.analyze(backend, "cases", "clocks")
        seeded, seed_s = size, time.perf_counter() - t0
        idle = idle_sweeps(backend, repeat)
        common = dict(backend=backend.name, config=f"{size:,} running clocks")
        r = latency_result("sweep", "idle sweep (run_all, nothing due)", idle, **common,
                           ratio=round(median(idle) / step_cost, 2), ratio_to="engine step",
                           detail={"seed_seconds": round(seed_s, 1), "engine_step_ms": ms(step_cost)})
        if size >= 1_000_000:
            r.target, r.met = "p50 ≤ 20 ms at 1M", r.p50_ms <= 20
        results.append(r)
        if size != sizes[-1] and not quick:
            continue  # the colour-change drain runs at the largest size of each backend
        armed = arm(backend, size, changes, n, today)
        bulk.analyze(backend, "clocks")
        pids = server_pids(backend)
        cpu0, server0 = time.process_time(), cpu_seconds(pids)
        done, seconds, count, batches = drain(backend, cap)
        cpu_s, server_s = time.process_time() - cpu0, cpu_seconds(pids) - server0
        per_change = seconds / max(done, 1)
        finished = done >= armed
        projected = per_change * changes
        r = Result("sweep", f"{changes:,} colour changes (advance_colours until idle)", **common,
                   rate=round(done / seconds, 1), p50_ms=ms(median(batches)),
                   ratio=round(per_change / step_cost, 2), ratio_to="engine step per change",
                   value=(f"{seconds:.1f} s for {done:,} changes in {count} sweeps of ≤ {settings().sweep_batch} "
                          f"cases" + ("" if finished else f" (time cap; projected {projected:.0f} s)")
                          + f"; CPU {cpu_s:.2f} s client" + (f" + {server_s:.2f} s server" if pids else "")),
                   runs=count, detail={"armed": armed, "changed": done, "seconds": round(seconds, 2),
                                       "projected_seconds": round(projected, 1), "finished": finished,
                                       "batch_p50_ms": ms(median(batches)), "client_cpu_s": round(cpu_s, 2),
                                       "server_cpu_s": round(server_s, 2) if pids else None})
        if size >= 1_000_000:
            r.target, r.met = "≤ 5 s at 1M", finished and seconds <= 5
        results.append(r)
    return results


def run_sweep(backends: list[Backend], quick: bool) -> list[Result]:
    return [r for b in backends for r in sweep_backend(b, quick)]
