"""Routing accuracy on a labelled set: precision@1 and @3 (used by the tests and the benchmark)."""
from __future__ import annotations

import csv
from pathlib import Path

from engine.intake.router import Router


def load(path: Path) -> list[tuple[set[str], str]]:
    with path.open(encoding="utf-8") as fh:
        return [(set(row["labels"].split("|")), row["text"]) for row in csv.DictReader(fh, delimiter="\t")]


def measure(router: Router, labelled: list[tuple[set[str], str]]) -> dict:
    """A lead counts for @k when one of its labels is among the top k (a lead naming several matters
    is right when any of them comes first)."""
    at1 = at3 = 0
    misses = []
    for labels, text in labelled:
        codes = [c.code for c in router.rank(text)]
        at1 += bool(codes[:1] and codes[0] in labels)
        at3 += bool(labels & set(codes[:3]))
        if not (codes[:1] and codes[0] in labels):
            misses.append((sorted(labels), codes, text))
    n = len(labelled)
    return {"n": n, "p_at_1": round(at1 / n, 4), "p_at_3": round(at3 / n, 4), "misses": misses}
