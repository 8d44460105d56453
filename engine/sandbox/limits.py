"""Run budgets for sandboxed scripts: steps, wall time, memory and call depth.

A tracer (``sys.settrace``) counts every line, call and loop iteration of sandboxed code (frames whose code
was compiled from a BPMN script, recognised by file name). When a budget is spent, :class:`BudgetSpent` —
a ``BaseException``, so a script's ``except Exception`` cannot swallow it — is raised in the script's frame,
and raised again at every further event so nothing in the script can keep running. The environment turns it
into :class:`ScriptLimitExceeded` (an ordinary error) once the script has stopped.

Allocation is bounded by the guards (see :mod:`engine.sandbox.guards`): each guarded operation refuses a
result above a size cap and adds what it made to :attr:`Budget.allocated`; the tracer also samples the
process's resident memory every few hundred steps as a backstop.
"""
from __future__ import annotations

import os
import sys
import threading
import time

SCRIPT_FILENAME = "<bpmn-script>"

MAX_STEPS = 100_000            # lines + calls + loop iterations of one script or expression
MAX_SECONDS = 2.0              # wall time of one script or expression
MAX_CALL_DEPTH = 40            # nested lambda / generator frames
MAX_ALLOCATED = 20_000_000     # elements/characters made by guarded operations in one run
MAX_RSS_GROWTH = 256 * 2**20   # resident memory growth while a script runs (backstop)
_SAMPLE_EVERY = 256

_local = threading.local()
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class BudgetSpent(BaseException):
    """Raised inside a script whose budget is spent (not catchable by ``except Exception``)."""


def _rss() -> int:
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


class Budget:
    """One script run's budget. Use as a context manager around the ``exec``/``eval`` call."""

    def __init__(self, max_steps: int = MAX_STEPS, max_seconds: float = MAX_SECONDS,
                 max_allocated: int = MAX_ALLOCATED, max_rss_growth: int = MAX_RSS_GROWTH):
        self.max_steps = max_steps
        self.max_seconds = max_seconds
        self.max_allocated = max_allocated
        self.max_rss_growth = max_rss_growth
        self.steps = 0
        self.depth = 0
        self.allocated = 0
        self.spent: str | None = None  # why the budget ran out (sticky)
        self._outer = None

    # -- accounting used by the guards

    def allocate(self, units: int) -> None:
        self.allocated += units
        if self.allocated > self.max_allocated:
            self._spend(f"内存超出限制（累计 {self.allocated} 个元素/字符）；memory budget exceeded")

    def _spend(self, why: str):
        self.spent = self.spent or why
        raise BudgetSpent(self.spent)

    # -- tracer

    def _trace(self, frame, event, arg):
        if frame.f_code.co_filename != SCRIPT_FILENAME:
            return None
        if self.spent:
            raise BudgetSpent(self.spent)
        if event == "call":
            self.depth += 1
            if self.depth > MAX_CALL_DEPTH:
                self._spend(f"调用层次超出限制（{MAX_CALL_DEPTH}）；call depth limit exceeded")
        elif event == "return":
            self.depth -= 1
            return self._trace
        self.steps += 1
        if self.steps > self.max_steps:
            self._spend(f"运行步数超出限制（{self.max_steps}）；step budget exceeded (endless loop?)")
        if self.steps % _SAMPLE_EVERY == 0:
            if time.monotonic() > self._deadline:
                self._spend(f"运行时间超出限制（{self.max_seconds:g} 秒）；time budget exceeded")
            if self._rss0 and _rss() - self._rss0 > self.max_rss_growth:
                self._spend("内存占用超出限制；memory budget exceeded")
        return self._trace

    def __enter__(self) -> "Budget":
        self._outer = getattr(_local, "budget", None)
        _local.budget = self
        self._deadline = time.monotonic() + self.max_seconds
        self._rss0 = _rss()
        self._previous_trace = sys.gettrace()
        sys.settrace(self._trace)
        return self

    def __exit__(self, *exc) -> None:
        sys.settrace(self._previous_trace)
        _local.budget = self._outer
        return None


def current() -> Budget | None:
    """The budget of the script running on this thread (the guards charge allocations to it)."""
    return getattr(_local, "budget", None)


def charge(units: int) -> None:
    budget = current()
    if budget is not None:
        budget.allocate(units)
