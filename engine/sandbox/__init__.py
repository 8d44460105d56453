"""The script sandbox: an allow-list of Python syntax compiled with RestrictedPython, guarded attribute/item
access and operators, a handful of builtins, and a run budget (steps, time, memory). See README "Security".

:func:`run` executes a script against a data dict; :func:`evaluate` evaluates an expression; :func:`check`
is the deploy-time check. All refusals raise :class:`ScriptRejected`.
"""
from __future__ import annotations

import datetime as _dt
import decimal

from engine.sandbox.guards import _DECIMAL_CONTEXT, SAFE_BUILTINS, SAFE_GLOBALS, ScriptError
from engine.sandbox.limits import Budget, BudgetSpent
from engine.sandbox.policy import ScriptRejected, check, compile_script

MAX_RESULT_NODES = 200_000       # values a script may leave in the case data
MAX_RESULT_CHARS = 10_000_000
_DATA = (str, int, float, bool, type(None), list, tuple, dict, set, frozenset, decimal.Decimal, _dt.date,
         _dt.datetime, _dt.timedelta)


class ScriptLimitExceeded(ScriptRejected):
    """A script ran out of its step, time or memory budget."""


def _globals(context: dict, external: dict | None) -> dict:
    env = dict(SAFE_GLOBALS)
    env.update(external or {})
    env.update(context)
    env["__builtins__"] = SAFE_BUILTINS
    return env


def _run(code, env, mode: str):
    try:
        with decimal.localcontext(_DECIMAL_CONTEXT), Budget():
            return eval(code, env) if mode == "eval" else exec(code, env)  # noqa: S307 - compiled by the policy
    except BudgetSpent as exc:
        raise ScriptLimitExceeded(f"脚本已被中止：{exc}") from None


def evaluate(expression: str, context: dict, external: dict | None = None):
    """Evaluate ``expression`` against ``context`` (not changed)."""
    return _run(compile_script(expression, "eval"), _globals(context, external), "eval")


def run(script: str, context: dict, external: dict | None = None) -> None:
    """Execute ``script``; the plain data it set, changed or deleted is written back into ``context``."""
    env = _globals(context, external)
    before = set(env)
    _run(compile_script(script, "exec"), env, "exec")
    produced = {key: value for key, value in env.items()
                if key != "__builtins__" and isinstance(value, _DATA) and not (key in before and key not in context)}
    check_size(produced)
    context.update(produced)
    for key in [k for k in context if k not in env]:
        del context[key]  # the script deleted it


def check_size(value) -> None:
    """Refuse data too large to store (counted with shared parts counted each time they appear)."""
    stack, nodes, chars = [value], 0, 0
    while stack:
        item = stack.pop()
        nodes += 1
        if isinstance(item, str):
            chars += len(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        if nodes > MAX_RESULT_NODES or chars > MAX_RESULT_CHARS:
            raise ScriptLimitExceeded("脚本产生的数据过大；the data a script produced is too large to store")


__all__ = ["ScriptRejected", "ScriptLimitExceeded", "ScriptError", "check", "evaluate", "run"]
