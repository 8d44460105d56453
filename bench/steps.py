"""Figure 1 (engine step vs bare SpiffWorkflow) and figure 5 (growth: step 1 vs step 200 of one long case)."""
from __future__ import annotations

import time

from bench import loop
from bench.env import Backend
from bench.stats import Result, latency_result, median, ms, percentile


def engine_vs_raw(backend: Backend, quick: bool) -> list[Result]:
    """Alternate runs of N platform steps and N baseline steps (each on a fresh case) so both see the same noise."""
    steps, runs, warm = (10, 2, 2) if quick else (100, 5, 5)
    actor = backend.actor()
    specs = loop.loop_specs(backend)
    eng_lat, raw_lat, eng_rates, raw_rates, ratios = [], [], [], [], []
    for _ in range(runs):
        _case, task_id = loop.start(backend, actor)
        for _ in range(warm):
            task_id = loop.engine_step(backend, actor, task_id)
        lat = []
        for _ in range(steps):
            t0 = time.perf_counter()
            task_id = loop.engine_step(backend, actor, task_id)
            lat.append(time.perf_counter() - t0)
        eng_lat += lat
        eng_rates.append(len(lat) / sum(lat))

        raw_case, _task = loop.start(backend, actor)
        for _ in range(warm):
            loop.raw_step(backend, specs, raw_case)
        lat = []
        for _ in range(steps):
            t0 = time.perf_counter()
            loop.raw_step(backend, specs, raw_case)
            lat.append(time.perf_counter() - t0)
        raw_lat += lat
        raw_rates.append(len(lat) / sum(lat))
        ratios.append(eng_rates[-1] / raw_rates[-1])
    ratio = round(median(ratios), 3)
    config = f"{steps} steps × {runs} runs"
    return [
        latency_result("engine_step", "raw SpiffWorkflow loop (baseline)", raw_lat, raw_rates,
                       backend=backend.name, config=config),
        latency_result("engine_step", "engine.tasks.complete (one transaction)", eng_lat, eng_rates,
                       backend=backend.name, config=config, ratio=ratio, ratio_to="raw loop rate",
                       target="≥ 0.25 × raw", met=ratio >= 0.25),
    ]


def growth(backend: Backend, quick: bool) -> list[Result]:
    """One long loop case: the cost of a completion at step 1 and at step 200, and the stored size."""
    late, window = (30, 5) if quick else (200, 10)
    actor = backend.actor()
    case_id, task_id = loop.start(backend, actor)
    lat, sizes = [], {}
    for step in range(1, late + window):
        t0 = time.perf_counter()
        task_id = loop.engine_step(backend, actor, task_id)
        lat.append(time.perf_counter() - t0)
        if step in (1, late):
            sizes[step] = loop.stored_size(backend, case_id)
    early_s, late_s = lat[:window], lat[late - 1:late - 1 + window]
    ratio = round(median(late_s) / median(early_s), 3)
    results = [
        Result("growth", f"engine step 1–{window}", backend.name, config=f"case {case_id}",
               rate=round(1 / median(early_s), 1), p50_ms=ms(median(early_s)), p95_ms=ms(percentile(early_s, 95)),
               value=_size_text(sizes[1]), runs=window, detail={"size": sizes[1]}),
        Result("growth", f"engine step {late}–{late + window - 1}", backend.name, config=f"case {case_id}",
               rate=round(1 / median(late_s), 1), p50_ms=ms(median(late_s)), p95_ms=ms(percentile(late_s, 95)),
               ratio=ratio, ratio_to="step 1", value=_size_text(sizes[late]), target="≤ 1.5 × step 1",
               met=ratio <= 1.5, runs=window, detail={"size": sizes[late]}),
    ]
    results.append(_uncompacted(backend, actor, late, window))
    return results


def _uncompacted(backend: Backend, actor, late: int, window: int) -> Result:
    """For contrast: the bare loop without compaction of the task tree (what the engine avoids)."""
    specs = loop.loop_specs(backend)
    case_id, _task = loop.start(backend, actor)
    lat = []
    for _ in range(late + window):
        t0 = time.perf_counter()
        loop.raw_step(backend, specs, case_id, compact=False)
        lat.append(time.perf_counter() - t0)
    size = loop.stored_size(backend, case_id)
    early_s, late_s = lat[:window], lat[late - 1:late - 1 + window]
    return Result("growth", f"raw loop without compaction, step {late}", backend.name, config=f"case {case_id}",
                  rate=round(1 / median(late_s), 1), p50_ms=ms(median(late_s)), p95_ms=ms(percentile(late_s, 95)),
                  ratio=round(median(late_s) / median(early_s), 3), ratio_to="its step 1",
                  value=_size_text(size), runs=window, detail={"size": size})


def _size_text(size: dict) -> str:
    return f"state {size['workflow_state_bytes'] / 1024:.1f} KiB, {size['events']} events"


def run_engine_step(backends: list[Backend], quick: bool) -> list[Result]:
    return [r for b in backends for r in engine_vs_raw(b, quick)]


def run_growth(backends: list[Backend], quick: bool) -> list[Result]:
    return [r for b in backends for r in growth(b, quick)]
