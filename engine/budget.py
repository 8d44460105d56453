"""The run budget: no command may run the engine without bound.

One :class:`Meter` per command (case start, task completion, timer firing of one case) counts engine steps,
watches the call-activity depth and the wall time, and raises :class:`BudgetExceeded` (a
:class:`~engine.errors.WorkflowFailed`, so the API answers 422 and the command's transaction rolls back)
naming the element that was running. Nested starts inside one command (child cases opened by
``spawn_cases``) share the meter, so a process that spawns itself is stopped too.

Limits come from the environment (read once; :func:`reset` re-reads):

================================  =======  =====================================================
``ZHIFA_BUDGET_STEPS``            10000    engine steps (gateways, scripts, events, …) per command
``ZHIFA_BUDGET_CALL_DEPTH``       10       nested call activities (and nested child-case starts)
``ZHIFA_BUDGET_TREE_DEPTH``       20000    task-tree depth of an open task after the run
``ZHIFA_BUDGET_SECONDS``          8        wall time per command (below SQLite's 10 s busy timeout,
                                           so other writers waiting for the lock are served)
================================  =======  =====================================================
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from engine.errors import WorkflowFailed


@dataclass(frozen=True)
class Limits:
    steps: int = 10000
    call_depth: int = 10
    tree_depth: int = 20000
    seconds: float = 8.0


@lru_cache(maxsize=1)
def limits() -> Limits:
    env = os.environ

    def num(name, default, cast):
        raw = env.get(name)
        try:
            value = cast(raw) if raw else default
        except ValueError:
            raise RuntimeError(f"{name}={raw!r} is not a number") from None
        if value <= 0:
            raise RuntimeError(f"{name} must be positive")
        return value

    d = Limits()
    return Limits(steps=num("ZHIFA_BUDGET_STEPS", d.steps, int),
                  call_depth=num("ZHIFA_BUDGET_CALL_DEPTH", d.call_depth, int),
                  tree_depth=num("ZHIFA_BUDGET_TREE_DEPTH", d.tree_depth, int),
                  seconds=num("ZHIFA_BUDGET_SECONDS", d.seconds, float))


def reset() -> None:
    limits.cache_clear()


class BudgetExceeded(WorkflowFailed):
    """A command ran past its budget; ``element`` is the BPMN element (or process) that was running."""

    code = "run-budget-exceeded"

    def __init__(self, detail: str, *, element: str | None, reason: str, detail_zh: str):
        super().__init__(detail)
        self.element = element
        self.reason = reason          # steps | call_depth | tree_depth | seconds | spawn_depth
        self.detail_zh = detail_zh


def _label(element: str | None, name: str | None) -> str:
    if name and element and name != element:
        return f"{element}（{name}）"
    return element or name or "?"


class Meter:
    def __init__(self, lim: Limits | None = None):
        self.limits = lim or limits()
        self.steps = 0
        self.spawn_depth = 0
        self.deadline = time.monotonic() + self.limits.seconds

    def step(self, element: str | None, name: str | None = None, call_depth: int = 0,
             caller: tuple[str | None, str | None] | None = None) -> None:
        """Count one engine step about to run at ``element`` inside ``call_depth`` nested call activities."""
        lim = self.limits
        self.steps += 1
        if call_depth > lim.call_depth:
            where = _label(*(caller or (element, name)))
            raise BudgetExceeded(
                f"call activity {where} nests deeper than {lim.call_depth} levels; the process calls itself "
                f"without end", element=(caller or (element,))[0], reason="call_depth",
                detail_zh=f"调用活动 {where} 嵌套超过 {lim.call_depth} 层，流程在无限递归调用自身；案件未保存")
        if self.steps > lim.steps:
            where = _label(element, name)
            raise BudgetExceeded(
                f"the case ran more than {lim.steps} engine steps in one command (last at {where}); the process "
                f"loops without waiting for anyone", element=element, reason="steps",
                detail_zh=f"一次操作中引擎运行超过 {lim.steps} 步（最后停在 {where}），流程在无人参与的情况下无限循环；"
                          f"本次操作未保存")
        if time.monotonic() > self.deadline:
            where = _label(element, name)
            raise BudgetExceeded(
                f"the case ran longer than {lim.seconds:g} s in one command (last at {where})", element=element,
                reason="seconds",
                detail_zh=f"一次操作中引擎运行超过 {lim.seconds:g} 秒（最后停在 {where}）；本次操作未保存")

    def tree_depth(self, depth: int, element: str | None) -> None:
        if depth > self.limits.tree_depth:
            raise BudgetExceeded(
                f"case exceeded the loop guard: task tree depth {depth} > {self.limits.tree_depth} at {element}; "
                f"the process loops without end", element=element, reason="tree_depth",
                detail_zh=f"案件任务树深度 {depth} 超过上限 {self.limits.tree_depth}（在 {element}），流程无限循环")

    @contextmanager
    def spawning(self, process_key: str) -> Iterator[None]:
        """A child case started inside this command: nested starts count like call activities."""
        self.spawn_depth += 1
        try:
            if self.spawn_depth > self.limits.call_depth:
                raise BudgetExceeded(
                    f"process {process_key} opens child cases nested deeper than {self.limits.call_depth} levels",
                    element=process_key, reason="spawn_depth",
                    detail_zh=f"流程 {process_key} 开立的子案件嵌套超过 {self.limits.call_depth} 层，疑似无限开案；"
                              f"案件未保存")
            yield
        finally:
            self.spawn_depth -= 1


_current: ContextVar[Meter | None] = ContextVar("zhifa_budget_meter", default=None)


@contextmanager
def command(lim: Limits | None = None) -> Iterator[Meter]:
    """The meter of the running command (a fresh one unless a command is already metered)."""
    existing = _current.get()
    if existing is not None:
        yield existing
        return
    meter = Meter(lim)
    token = _current.set(meter)
    try:
        yield meter
    finally:
        _current.reset(token)


def metered(fn):
    """Decorator: ``fn`` is one command with one budget."""
    from functools import wraps

    @wraps(fn)
    def wrapper(*args, **kwargs):
        with command():
            return fn(*args, **kwargs)
    return wrapper


def meter() -> Meter:
    """The current command's meter, or a fresh one for an unmetered call."""
    return _current.get() or Meter()
