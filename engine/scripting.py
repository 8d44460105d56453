"""Restricted Python for BPMN scripts, conditions and DMN expressions.

SpiffWorkflow's default environment runs plain ``eval``/``exec`` with full builtins. Here every
script is parsed first and refused if it imports, touches a dunder or private attribute, or reaches
for frame/code internals; it then runs with a small whitelist of builtins.
"""
from __future__ import annotations

import ast
import builtins
import datetime as _dt
import decimal
import math
from functools import lru_cache

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

_SAFE_BUILTIN_NAMES = (
    "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "filter", "float", "int", "isinstance", "len",
    "list", "map", "max", "min", "range", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip",
    "True", "False", "None", "ValueError", "KeyError", "Exception",
)
SAFE_BUILTINS = {name: getattr(builtins, name) for name in _SAFE_BUILTIN_NAMES}

SAFE_GLOBALS = {
    "date": _dt.date, "datetime": _dt.datetime, "timedelta": _dt.timedelta, "timezone": _dt.timezone,
    "Decimal": decimal.Decimal, "ceil": math.ceil, "floor": math.floor,
}

# Attributes that reach interpreter internals even without a leading underscore.
_FORBIDDEN_ATTRS = {
    "format", "format_map", "mro", "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "ag_frame",
    "ag_code", "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "tb_frame", "tb_next", "co_code",
    "func_globals", "func_code",
}


class ScriptRejected(Exception):
    """A script uses a construct the restricted environment forbids."""


def check_source(source: str, mode: str) -> ast.AST:
    """Parse ``source`` and raise :class:`ScriptRejected` if it uses a forbidden construct."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ScriptRejected(f"syntax error: {exc.msg} (line {exc.lineno})") from None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ScriptRejected("imports are not allowed in scripts")
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            raise ScriptRejected("global/nonlocal are not allowed in scripts")
        if isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr in _FORBIDDEN_ATTRS):
            raise ScriptRejected(f"access to attribute '{node.attr}' is not allowed")
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise ScriptRejected(f"access to name '{node.id}' is not allowed")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "__" in node.value and "{" in node.value:
            raise ScriptRejected("format strings reaching dunder attributes are not allowed")
    return tree


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str):
    tree = check_source(source, mode)
    return compile(tree, "<bpmn-script>", mode)


def _globals(context: dict, external: dict | None) -> dict:
    env = dict(SAFE_GLOBALS)
    env.update(external or {})
    env.update(context)
    env["__builtins__"] = SAFE_BUILTINS
    return env


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and runs scripts against task data, restricted as described above."""

    def evaluate(self, expression, context, external_context=None):
        return eval(_compile(expression, "eval"), _globals(context, external_context))

    def execute(self, script, context, external_context=None):
        env = _globals(context, external_context)
        before = set(env)
        exec(_compile(script, "exec"), env)
        # Keep only plain data the script produced or changed; drop helpers, functions and modules.
        for key, value in env.items():
            if key == "__builtins__" or callable(value) or (key in before and key not in context):
                continue
            context[key] = value
        for key in [k for k in context if k not in env]:
            del context[key]  # the script deleted it
        return True

    def call_service(self, context, **kwargs):
        raise ScriptRejected("service tasks are not available")


def make_script_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment())


def evaluate(expression: str, data: dict):
    """Evaluate an expression against ``data`` in the restricted environment (for engine-side rules)."""
    return RestrictedEnvironment().evaluate(expression, dict(data))
