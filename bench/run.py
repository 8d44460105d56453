"""Run the benchmarks: ``python -m bench.run [--quick] [--only NAME[,NAME]] [--backends sqlite,postgresql]``.

Creates its own databases (a fresh SQLite file in a temporary directory and a fresh PostgreSQL database,
dropped at the end), migrates, seeds and deploys, runs each benchmark, prints the table and writes
``bench/results/<timestamp>.json``. A full run (no ``--quick``, no ``--only``) also writes the table into
bench/README.md. Quick mode runs every benchmark at a tiny size: CI proves they work, nothing is asserted.
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench import report
from bench.env import open_backends

# name → (module, function); each function(backends, quick) -> list[Result]. Bulk-seeding ones run last.
BENCHMARKS = {
    "engine_step": ("bench.steps", "run_engine_step"),
    "intake": ("bench.intake", "run_intake"),
    "growth": ("bench.steps", "run_growth"),
    "http": ("bench.httpapi", "run_http"),
    "memory": ("bench.httpapi", "run_memory"),
    "inbox": ("bench.inbox", "run_inbox"),
    "design": ("bench.design", "run_design"),
    "sweep": ("bench.sweep", "run_sweep"),
    "files": ("bench.files", "run_files"),  # uploads and documents (issue 12); full run only
    "supervision": ("bench.supervision", "run_supervision"),
    "audit": ("bench.audit", "run_audit"),
    "migration": ("bench.migration", "run_migration"),  # moving running cases to a new version (issue 15)
}


def _load(name: str):
    import importlib
    module, func = BENCHMARKS[name]
    return getattr(importlib.import_module(module), func)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (CI: proves the benchmarks still work)")
    parser.add_argument("--only", default="", help=f"comma list of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma list of sqlite, postgresql")
    parser.add_argument("--no-readme", action="store_true", help="do not write bench/README.md")
    args = parser.parse_args(argv)
    only = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in only if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = [b.strip() for b in args.backends.split(",") if b.strip()]
    logging.basicConfig(level=logging.WARNING)

    started, t0 = report.now_utc(), time.perf_counter()
    results, failures = [], []
    with tempfile.TemporaryDirectory(prefix="zhifa-bench-") as tmp:
        backends, cleanups = open_backends(names, Path(tmp))
        try:
            for name in only:
                print(f"== {name} …", file=sys.stderr, flush=True)
                b0 = time.perf_counter()
                try:
                    found = _load(name)(backends, args.quick)
                except Exception:
                    traceback.print_exc()
                    failures.append(name)
                    continue
                results.extend(found)
                print(f"   {name}: {len(found)} rows in {time.perf_counter() - b0:.1f} s", file=sys.stderr,
                      flush=True)
            meta = {"started": started, "seconds": round(time.perf_counter() - t0, 1), "quick": args.quick,
                    "only": only, "backends": names, "failures": failures, "machine": report.machine(backends)}
        finally:
            for cleanup in cleanups:
                try:
                    cleanup()
                except Exception:
                    traceback.print_exc()

    print(report.text_table(results))
    path = report.write_json(results, meta)
    print(f"\n{len(results)} results in {meta['seconds']:.0f} s → {path}")
    if not args.quick and only == list(BENCHMARKS) and not args.no_readme and not failures:
        report.write_readme(results, meta, extra=_notes(results))
        print(f"table written to {report.README}")
    if failures:
        print(f"FAILED: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


def _notes(results) -> str:
    plans = [r for r in results if r.detail.get("plan")]
    if not plans:
        return ""
    out = ["", "Query plans of the inbox page (largest size per backend):", ""]
    for r in plans:
        out += [f"{r.backend}, {r.config}:", "", "```", r.detail["plan"], "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
