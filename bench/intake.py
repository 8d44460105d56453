"""Intake routing: latency of one lead's routing (jieba segmentation + keyword/synonym scoring) on a
2,000-matter catalogue, and precision@1/@3 on the labelled set of tests/engine/intake/data (no database).

The 2,000 matters are the 97 demo matters plus generated ones whose keywords are drawn from the demo
catalogue's own characters (so they collide with real words the way a large provincial catalogue does).
"""
from __future__ import annotations

import random
import time
from pathlib import Path

from bench.stats import Result, latency_result
from engine.intake import accuracy, catalogue, router

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "engine" / "intake" / "data" / "labelled_leads.tsv"
UNITS = {"bureau", "agency_market", "agency_eco", "agency_fire", "agency_health", "agency_safety"}


def demo_entries() -> list[router.MatterEntry]:
    out = []
    for n, row in enumerate(catalogue.parse_rows(catalogue.DEMO_FILE.read_bytes(), "demo.csv"), start=1):
        m, _errors = catalogue.clean_matter(row, f"row{n}", UNITS)
        out.append(router.MatterEntry(m["code"], m["name"], {**{w: router.SYNONYM for w in m["synonyms"]},
                                                             **{w: router.KEYWORD for w in m["keywords"]}}))
    return out


def synthetic(size: int, seed: int = 16) -> list[router.MatterEntry]:
    base = demo_entries()
    chars = sorted({ch for e in base for w in e.words for ch in w if "\u4e00" <= ch <= "\u9fff"})
    rng = random.Random(seed)
    out = list(base)
    for i in range(size - len(base)):
        words = {"".join(rng.choice(chars) for _ in range(rng.randint(2, 5))): router.KEYWORD for _ in range(4)}
        words.update({"".join(rng.choice(chars) for _ in range(rng.randint(2, 4))): router.SYNONYM
                      for _ in range(8)})
        out.append(router.MatterEntry(f"X{i:05d}", f"生成事项{i}", words))
    return out


def run_intake(backends, quick: bool) -> list[Result]:
    labelled = accuracy.load(LABELLED)
    size, rounds = (100, 1) if quick else (2000, 5)
    texts = [t for _, t in labelled][: 60 if quick else None]
    t0 = time.perf_counter()
    big = router.Router(synthetic(size))
    build = time.perf_counter() - t0
    big.rank(texts[0])  # warm
    samples = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            big.rank(text)
            samples.append(time.perf_counter() - start)
    results = [latency_result("intake", "route one lead (segment + score)", samples,
                              config=f"{size:,} matters, {len(texts)} texts × {rounds}", target="p50 ≤ 5 ms",
                              met=sorted(samples)[len(samples) // 2] <= 0.005,
                              detail={"router_build_s": round(build, 2)})]
    results.append(Result("intake", "router build (jieba dictionary + index)", config=f"{size:,} matters",
                          value=f"{build:.2f} s"))
    measured = [(f"{size:,}-matter catalogue", accuracy.measure(big, labelled))]
    if not quick:  # a second jieba dictionary costs seconds: the quick run measures the large catalogue only
        measured.insert(0, ("demo catalogue (97 matters)", accuracy.measure(router.Router(demo_entries()), labelled)))
    for label, res in measured:
        results.append(Result("intake", f"precision@1 / @3, {label}", config=f"{res['n']} labelled leads",
                              value=f"{res['p_at_1']:.3f} / {res['p_at_3']:.3f}", target="p@1 ≥ 0.85",
                              met=res["p_at_1"] >= 0.85, detail={"p_at_1": res["p_at_1"], "p_at_3": res["p_at_3"]}))
    return results
