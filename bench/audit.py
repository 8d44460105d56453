"""Auditors' workspace figures: verifying one 200-event case (hash chain + replay), and the case search at
10k / 100k / 1M cases (an auditor's first page, newest first, with the bounded count; a party-name search).

The baseline is a primary-key lookup of one case on the same connection.
"""
from __future__ import annotations

import time

from sqlalchemy import func, select

from engine import caselist, integrity
from engine.models import Case, CaseEvent

from bench import bulk, loop
from bench.env import UNIT, Backend
from bench.stats import Result, latency_result, median

AUDITOR = "auditor"


def _long_case(backend: Backend, events: int) -> int:
    actor = backend.actor()
    case_id, task_id = loop.start(backend, actor)
    while True:
        with backend.sessions() as session:
            n = session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))
        if n >= events:
            return case_id
        task_id = loop.engine_step(backend, actor, task_id)


def _pk_baseline(backend: Backend, repeat: int) -> float:
    samples = []
    with backend.sessions() as session:
        any_id = session.scalar(select(Case.id).limit(1))
        for _ in range(repeat):
            t0 = time.perf_counter()
            session.get(Case, any_id, populate_existing=True)
            samples.append(time.perf_counter() - t0)
    return median(samples)


def verify_figure(backend: Backend, quick: bool) -> list[Result]:
    size = 20 if quick else 200
    repeat = 3 if quick else 30
    case_id = _long_case(backend, size)
    samples = []
    with backend.sessions() as session:
        case = session.get(Case, case_id)
        verdict = integrity.verify_case(session, case)   # warm: spec cache
        for _ in range(repeat):
            t0 = time.perf_counter()
            verdict = integrity.verify_case(session, case)
            samples.append(time.perf_counter() - t0)
    base = _pk_baseline(backend, repeat)
    result = latency_result("audit", "integrity verdict of one case (chain + replay)", samples,
                            backend=backend.name, config=f"{verdict.events} events",
                            ratio=round(median(samples) / base, 1), ratio_to="PK lookup",
                            value=f"verdict: {verdict.verdict}")
    if not quick:
        result.target, result.met = "p50 ≤ 50 ms at 200 events", result.p50_ms <= 50
    return [result]


def _search(backend: Backend, actor, f: caselist.CaseFilter, repeat: int) -> tuple[list[float], object]:
    samples, page = [], None
    with backend.sessions() as session:
        caselist.list_cases(session, actor, f, 1, 25)
        for _ in range(repeat):
            t0 = time.perf_counter()
            page = caselist.list_cases(session, actor, f, 1, 25)
            samples.append(time.perf_counter() - t0)
            session.expunge_all()
    return samples, page


def search_figures(backend: Backend, quick: bool) -> list[Result]:
    sizes = [1_000] if quick else [10_000, 100_000] + ([1_000_000] if backend.name == "postgresql" else [])
    repeat = 5 if quick else 20
    actor = backend.actor(AUDITOR)
    results, seeded = [], 0
    for size in sizes:
        t0 = time.perf_counter()
        bulk.ensure_cases(backend, seeded + 1, size, UNIT)
        bulk.analyze(backend, "cases")
        seeded = size
        seed_seconds = round(time.perf_counter() - t0, 1)
        base = _pk_baseline(backend, repeat)
        for name, f in (("first page, newest first (auditor, all units)", caselist.CaseFilter()),
                        ("by handling unit and state", caselist.CaseFilter(unit=UNIT, state="running")),
                        ("by case number", caselist.CaseFilter(number=f"BENCH-{size // 2}"))):
            samples, page = _search(backend, actor, f, repeat)
            r = latency_result("audit", f"case search: {name}", samples, backend=backend.name,
                               config=f"{size:,} cases", ratio=round(median(samples) / base, 1),
                               ratio_to="PK lookup",
                               value=f"total {page.total:,}{'+' if page.capped else ''}",
                               detail={"seed_seconds": seed_seconds})
            if size >= 1_000_000:
                r.target, r.met = "p50 ≤ 100 ms at 1M", r.p50_ms <= 100
            results.append(r)
    return results


def run_audit(backends: list[Backend], quick: bool) -> list[Result]:
    return [r for b in backends for r in verify_figure(b, quick) + search_figures(b, quick)]
