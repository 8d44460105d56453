"""The results table (stdout and bench/README.md), the JSON file, and the machine description."""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from bench.stats import Result

HERE = Path(__file__).parent
RESULTS = HERE / "results"
README = HERE / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
COLUMNS = ("figure", "measurement", "backend", "config", "ops/s", "p50 ms", "p95 ms", "ratio", "other",
           "target", "met")


def machine(backends) -> dict:
    info = {"nproc": os.cpu_count(), "cpu": _cpu_model(), "memory_gib": _memory_gib(),
            "python": platform.python_version(), "platform": platform.platform()}
    for backend in backends:
        info[f"{backend.name}_version"] = backend.info.get("version")
    try:
        info["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent,
                                            capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        info["git_commit"] = None
    return info


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        return found.group(1).strip() if found else platform.processor()
    except OSError:
        return platform.processor()


def _memory_gib() -> float | None:
    try:
        found = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        return round(int(found.group(1)) / 1024 ** 2, 1) if found else None
    except OSError:
        return None


def _fmt(value, digits=1) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def rows(results: list[Result]) -> list[tuple[str, ...]]:
    out = []
    for r in results:
        ratio = f"{r.ratio:.2f} × {r.ratio_to}" if r.ratio is not None else ""
        met = {True: "yes", False: "NO", None: ""}[r.met]
        out.append((r.figure, r.name, r.backend, r.config, _fmt(r.rate), _fmt(r.p50_ms, 2), _fmt(r.p95_ms, 2),
                    ratio, r.value or "", r.target or "", met))
    return out


def text_table(results: list[Result]) -> str:
    body = rows(results)
    widths = [max(len(c), *(len(row[i]) for row in body)) if body else len(c) for i, c in enumerate(COLUMNS)]
    line = lambda cells: "  ".join(cell.ljust(w) for cell, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(COLUMNS), line(["-" * w for w in widths])] + [line(r) for r in body])


def markdown_table(results: list[Result]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows(results):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


def write_json(results: list[Result], meta: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{meta['started'].replace(':', '').replace('-', '')}.json"
    path.write_text(json.dumps({"meta": meta, "results": [r.as_dict() for r in results]}, indent=2,
                               ensure_ascii=False, default=str))
    return path


def write_readme(results: list[Result], meta: dict, extra: str = "") -> None:
    """Replace the results section of bench/README.md (between the markers) with this run's table."""
    m = meta["machine"]
    head = (f"Run {meta['started']} (UTC), {meta['seconds']:.0f} s, commit {m.get('git_commit')}. "
            f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB RAM, Python {m['python']}, "
            f"PostgreSQL {m.get('postgresql_version')}, SQLite {m.get('sqlite_version')}.")
    section = f"{BEGIN}\n{head}\n\n{markdown_table(results)}\n{extra}\n{END}"
    text = README.read_text() if README.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    start, end = text.index(BEGIN), text.index(END) + len(END)
    README.write_text(text[:start] + section + text[end:])


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
