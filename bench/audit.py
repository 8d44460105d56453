"""Auditors' workspace figures: verifying one 200-event case (hash chain + replay), and the case search at
10k / 100k / 1M cases: the auditor's first page (newest first, bounded count), unit + state, case number, party
name and ID number, an officer's scope (own unit + cases helped; a small unit), a keyset page past row 10,000.
Each bench case has one party (a name shared by ~55 cases per million, a unique ID number).

The baseline is a primary-key lookup of one case on the same connection.
"""
from __future__ import annotations

import time

from sqlalchemy import func, select, text

from engine import caselist, integrity
from engine.models import Case, CaseEvent

from bench import bulk, loop
from bench.env import OFFICER, UNIT, Backend
from bench.stats import Result, latency_result, median

AUDITOR = "auditor"
SMALL_UNIT_OFFICER = "qs_officer1"     # 青山: none of the bench cases, so its scope parts find few rows


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


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "小建国明华丽伟芳军敏静杰涛强磊洋艳勇娜超秀霞平刚桂英文辉玲"


def ensure_parties(backend: Backend, first: int, last: int) -> None:
    """One party per bench case: names from 20 surnames × 30 × 30 given characters (18,000 names, each on
    ~55 cases per million), ID numbers unique — so a name search matches a handful, as in a real county."""
    with backend.engine.connect() as conn:
        have = conn.execute(text(f"SELECT max(case_id) FROM case_parties WHERE case_id BETWEEN "
                                 f"{bulk.CASE_BASE + first} AND {bulk.CASE_BASE + last}")).scalar()
    start = first if have is None else have - bulk.CASE_BASE + 1
    if start > last:
        return
    name = (f"substr('{SURNAMES}', 1 + i % 20, 1) || substr('{GIVEN}', 1 + (i / 20) % 30, 1) || "
            f"substr('{GIVEN}', 1 + (i / 600) % 30, 1)")
    id_number = ("'110105' || substr('0000000000' || (19000000 + i), -12, 12)" if backend.name == "sqlite" else
                 "'110105' || lpad((19000000 + i)::text, 12, '0')")
    created = bulk.minutes_after_epoch(backend, "i % 1440")
    with backend.engine.begin() as conn:
        conn.execute(text("INSERT INTO parties (id, kind, name, id_number, created_at) " + bulk.series(
            backend, start, last, f"SELECT {bulk.CASE_BASE} + i, 'person', {name}, {id_number}, {created}")))
        conn.execute(text("INSERT INTO case_parties (case_id, party_id) " + bulk.series(
            backend, start, last, f"SELECT {bulk.CASE_BASE} + i, {bulk.CASE_BASE} + i")))


def _search(backend: Backend, actor, f: caselist.CaseFilter, repeat: int, after: str | None = None
            ) -> tuple[list[float], object]:
    samples, page = [], None
    with backend.sessions() as session:
        caselist.list_cases(session, actor, f, 1, 25, after=after)
        for _ in range(repeat):
            t0 = time.perf_counter()
            page = caselist.list_cases(session, actor, f, 1, 25, after=after)
            samples.append(time.perf_counter() - t0)
            session.expunge_all()
    return samples, page


def _deep_cursor(backend: Backend, actor) -> str:
    """The cursor of the 401st page (past the 10,000 numbered rows), found by walking pages once."""
    with backend.sessions() as session:
        page = caselist.list_cases(session, actor, caselist.CaseFilter(), 400, 25)
        return page.next_cursor


def _searches(size: int) -> list[tuple[str, str, caselist.CaseFilter, bool]]:
    """(name, who, filter, has a target): the auditor's and an officer's everyday searches."""
    middle = size // 2
    name = audit_name(middle)
    return [
        ("first page, newest first (auditor, all units)", AUDITOR, caselist.CaseFilter(), True),
        ("by handling unit and state", AUDITOR, caselist.CaseFilter(unit=UNIT, state="running"), True),
        ("by case number", AUDITOR, caselist.CaseFilter(number=f"BENCH-{middle}"), True),
        ("by a part of the case number (trigram index)", AUDITOR, caselist.CaseFilter(number=f"-{middle}"), True),
        ("by party name (3 characters, trigram index)", AUDITOR, caselist.CaseFilter(party=name), True),
        ("by party ID number", AUDITOR, caselist.CaseFilter(party=audit_id_number(middle)), True),
        ("officer's first page (own unit's cases + cases helped)", OFFICER, caselist.CaseFilter(), True),
        ("officer of a small unit, first page", SMALL_UNIT_OFFICER, caselist.CaseFilter(), True),
        ("by the first 2 characters of a party name (broad: 1 name in 600)", AUDITOR,
         caselist.CaseFilter(party=name[:2]), False),
    ]


def audit_name(i: int) -> str:
    return SURNAMES[i % 20] + GIVEN[(i // 20) % 30] + GIVEN[(i // 600) % 30]


def audit_id_number(i: int) -> str:
    return "110105" + str(19000000 + i).zfill(12)


def search_figures(backend: Backend, quick: bool) -> list[Result]:
    sizes = [1_000] if quick else [10_000, 100_000] + ([1_000_000] if backend.name == "postgresql" else [])
    repeat = 5 if quick else 20
    results, seeded = [], 0
    for size in sizes:
        t0 = time.perf_counter()
        bulk.ensure_cases(backend, seeded + 1, size, UNIT)
        ensure_parties(backend, seeded + 1, size)
        bulk.analyze(backend, "cases", "parties", "case_parties")
        seeded = size
        seed_seconds = round(time.perf_counter() - t0, 1)
        base = _pk_baseline(backend, repeat)
        runs = [(n, who, f, target, None) for n, who, f, target in _searches(size)]
        if size >= 100_000:
            runs.append(("next page by cursor, past row 10,000 (keyset)", AUDITOR, caselist.CaseFilter(), True,
                         _deep_cursor(backend, backend.actor(AUDITOR))))
        for name, who, f, target, after in runs:
            samples, page = _search(backend, backend.actor(who), f, repeat if target else max(3, repeat // 4),
                                    after)
            r = latency_result("audit", f"case search: {name}", samples, backend=backend.name,
                               config=f"{size:,} cases", ratio=round(median(samples) / base, 1),
                               ratio_to="PK lookup",
                               value=f"total {page.total:,}{'+' if page.capped else ''}",
                               detail={"seed_seconds": seed_seconds})
            if size >= 1_000_000 and target:
                r.target, r.met = "p50 ≤ 100 ms at 1M", r.p50_ms <= 100
            results.append(r)
    return results


def run_audit(backends: list[Backend], quick: bool) -> list[Result]:
    return [r for b in backends for r in verify_figure(b, quick) + search_figures(b, quick)]
