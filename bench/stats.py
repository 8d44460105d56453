"""Timing helpers and the result rows every benchmark returns."""
from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


class Timer:
    """``with Timer() as t: ...`` → ``t.seconds``."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


@dataclass
class Result:
    """One line of the table. Latencies in ms; ``rate`` in operations per second (median of the runs)."""

    figure: str                    # engine_step | http | inbox | sweep | growth | memory
    name: str                      # what was measured
    backend: str = "-"
    config: str = "-"              # size, workers × clients, ...
    rate: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    ratio: float | None = None
    ratio_to: str | None = None    # the baseline measured in the same run
    value: str | None = None       # any other figure (sizes, memory), already formatted
    target: str | None = None
    met: bool | None = None
    runs: int = 1
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def latency_result(figure: str, name: str, samples: list[float], run_rates: list[float] | None = None,
                   **kw) -> Result:
    """A Result from per-operation latencies (seconds) and, optionally, the rate of each run."""
    rates = run_rates or [1 / median(samples)]
    return Result(figure, name, rate=round(median(rates), 1), p50_ms=ms(median(samples)),
                  p95_ms=ms(percentile(samples, 95)), runs=len(run_rates or [None]), **kw)
