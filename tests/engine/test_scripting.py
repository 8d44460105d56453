"""BPMN scripts run restricted: no imports, no dunder or private attributes, no builtins beyond a whitelist."""
from __future__ import annotations

import pytest

from engine.scripting import RestrictedEnvironment, ScriptRejected, evaluate


@pytest.mark.parametrize("source", [
    "__import__('os').system('true')",
    "().__class__.__bases__[0].__subclasses__()",
    "'{0.__class__}'.format(1)",
    "'{x.__globals__}'.format_map({'x': len})",
    "f.gi_frame",
    "x._secret",
    "__builtins__",
])
def test_dangerous_expressions_are_rejected(source):
    with pytest.raises(ScriptRejected):
        evaluate(source, {"f": None, "x": None})


@pytest.mark.parametrize("source", ["open('/etc/passwd')", "eval('1')", "exec('x=1')", "getattr(1, 'real')",
                                    "globals()", "compile('1', 'x', 'eval')", "type(1)"])
def test_unlisted_builtins_do_not_exist(source):
    with pytest.raises(NameError):
        evaluate(source, {})


def test_imports_in_scripts_are_rejected():
    with pytest.raises(ScriptRejected, match="imports"):
        RestrictedEnvironment().execute("import os", {})
    with pytest.raises(ScriptRejected, match="imports"):
        RestrictedEnvironment().execute("from os import path", {})


def test_ordinary_scripts_work_and_keep_only_data():
    ctx = {"fine": 1200, "days_late": 40}
    RestrictedEnvironment().execute(
        "surcharge = min(fine, round(fine * 0.03 * days_late))\n"
        "helper = lambda v: v\n"
        "due = (date(2026, 10, 9) + timedelta(days=15)).isoformat()\n"
        "del days_late\n", ctx)
    assert ctx == {"fine": 1200, "surcharge": 1200, "due": "2026-10-24"}
    assert evaluate("sum(x for x in items if x > 1)", {"items": [1, 2, 3]}) == 5
